{{/*
Usage: {{ include "quikapp.object.ConfigMap" $ }}
quikapp-config: ENVIRONMENT and global.config, read by every service's env ({config: KEY}).
*/}}
{{- define "quikapp.object.ConfigMap" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $global.configMapName | quote }}
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
data:
  ENVIRONMENT: {{ $global.environment | quote }}
  {{- range $key, $value := $global.config }}
  {{ $key | quote }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
