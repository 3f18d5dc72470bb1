{{/*
Usage: {{ include "quikapp.shared.render" $ }}
The objects every service shares: the ConfigMap, the ServiceAccount, the environment's ResourceQuota
and the namespace-wide NetworkPolicies. The umbrella chart's only template besides its test.
*/}}
{{- define "quikapp.shared.render" -}}
{{- $global := dict -}}
{{- include "quikapp.global" (dict "ctx" . "out" $global) -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $global.configMapName | quote }}
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
data:
  ENVIRONMENT: {{ $global.environment | quote }}
  {{- range $key, $value := $global.config }}
  {{ $key | quote }}: {{ $value | toString | quote }}
  {{- end }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $global.serviceAccountName | quote }}
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
automountServiceAccountToken: false
{{- with $global.resourceQuota }}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quikapp-quota
  namespace: {{ include "quikapp.namespace" $ | quote }}
  labels:
    {{- include "quikapp.labels.shared" $ | nindent 4 }}
spec:
  hard:
    {{- range $key, $value := . }}
    {{ $key | quote }}: {{ $value | toString | quote }}
    {{- end }}
{{- end }}
{{- if $global.keyVault.create }}
---
{{ include "quikapp.secretproviderclass" . }}
{{- end }}
{{- if $global.networkPolicy.enabled }}
---
{{ include "quikapp.networkpolicy.shared" (dict "Values" (dict "global" $global) "Chart" .Chart "Release" .Release) }}
{{- end }}
{{- end -}}
