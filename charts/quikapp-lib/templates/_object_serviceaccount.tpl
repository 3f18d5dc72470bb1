{{/*
Usage: {{ include "quikapp.object.ServiceAccount" $ }}
The account every service's pods run as, without an API token.
*/}}
{{- define "quikapp.object.ServiceAccount" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $global.serviceAccountName | quote }}
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
