{{/*
Usage: {{ include "quikapp.object.ResourceQuota" $ }}
The environment's quota, global.resourceQuota as its spec.hard (rendered only when that is set).
*/}}
{{- define "quikapp.object.ResourceQuota" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quikapp-quota
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  hard:
    {{- range $key, $value := $global.resourceQuota }}
    {{ $key | quote }}: {{ $value | toString | quote }}
    {{- end }}
{{- end -}}
