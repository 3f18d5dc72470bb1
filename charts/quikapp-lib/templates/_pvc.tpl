{{/*
Usage: {{ include "quikapp.pvc" (dict "ctx" $ "svc" $svc) }}
The model volume of a GPU service. Kept on uninstall: models are expensive to rebuild.
*/}}
{{- define "quikapp.pvc" -}}
{{- $svc := .svc -}}
{{- $storage := $svc.modelStorage -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (include "quikapp.modelStorage.claimName" $svc)) | nindent 2 }}
  annotations:
    helm.sh/resource-policy: keep
spec:
  accessModes:
    {{- toYaml $storage.accessModes | nindent 4 }}
  {{- with $storage.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ $storage.size | toString | quote }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.modelStorage.claimName" $svc }}
ml-service -> ml-models-pvc, as the design names it.
*/}}
{{- define "quikapp.modelStorage.claimName" -}}
{{- .modelStorage.claimName | default (printf "%s-models-pvc" (trimSuffix "-service" .name)) -}}
{{- end -}}
