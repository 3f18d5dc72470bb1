{{/*
Usage: {{ include "quikapp.object.PodDisruptionBudget" (dict "ctx" $ "svc" $svc) }}
minAvailable where the environment names one, otherwise maxUnavailable (1 by default).
*/}}
{{- define "quikapp.object.PodDisruptionBudget" -}}
{{- $svc := .svc -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-pdb" $svc.name)) | nindent 2 }}
spec:
  {{- if $svc.pdb.minAvailable }}
  minAvailable: {{ include "quikapp.util.intOrString" $svc.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ include "quikapp.util.intOrString" $svc.pdb.maxUnavailable }}
  {{- end }}
  # A pod that is not ready protects nothing: evicting it never counts against the budget, so a
  # crash-looping pod cannot block a node drain.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "quikapp.part.labels.selector" . | nindent 6 }}
{{- end -}}
