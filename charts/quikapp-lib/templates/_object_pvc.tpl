{{/*
Usage: {{ include "quikapp.object.PersistentVolumeClaim" (dict "ctx" $ "svc" $svc) }}
The model volume of a GPU service, kept: models are expensive to rebuild. Helm keeps it on uninstall
(resource-policy), Argo CD neither prunes it when it leaves the render (Prune=false) nor deletes it
with its Application (Delete=false).
*/}}
{{- define "quikapp.object.PersistentVolumeClaim" -}}
{{- $svc := .svc -}}
{{- $storage := $svc.modelStorage -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (include "quikapp.settings.modelClaimName" $svc)) | nindent 2 }}
  annotations:
    helm.sh/resource-policy: keep
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
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
