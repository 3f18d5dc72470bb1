{{/*
Usage: {{ include "quikapp.part.namespace" $ }}
Where every namespaced object goes: the environment's global.namespace, or the release namespace
when the values name none (ct's random namespaces, a chart installed without an environment file).
The environment file wins over `-n`: the namespace is part of the environment (its quota, Pod
Security labels, network policies and the Key Vault identity's federation are bound to it), so
`helm install -f values/live.yaml` without `-n` still deploys into quikapp-prod; NOTES.txt warns
when the release is recorded in another namespace. bitnami's `namespaceOverride`, per environment.
*/}}
{{- define "quikapp.part.namespace" -}}
{{- (.Values.global | default dict).namespace | default .Release.Namespace -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.metadata" (dict "ctx" $ "svc" $svc "name" "auth-service-hpa") }}
name, namespace and labels of a per-service object.
*/}}
{{- define "quikapp.part.metadata" -}}
name: {{ .name | quote }}
namespace: {{ include "quikapp.part.namespace" .ctx | quote }}
labels:
  {{- include "quikapp.part.labels.standard" . | nindent 2 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.selector" (dict "ctx" $ "svc" $svc) }}
Selector labels: minimal and immutable. `app` is what the design's policies and budgets select on.
*/}}
{{- define "quikapp.part.labels.selector" -}}
app: {{ .svc.name | quote }}
app.kubernetes.io/instance: {{ .ctx.Release.Name | quote }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.pod" (dict "ctx" $ "svc" $svc) }}
Pod labels: the selector plus tier and stack. No chart version here, so a chart bump restarts nothing.
*/}}
{{- define "quikapp.part.labels.pod" -}}
{{ include "quikapp.part.labels.selector" . }}
tier: {{ .svc.tier | quote }}
stack: {{ .ctx.Chart.Name | quote }}
app.kubernetes.io/name: {{ .svc.name | quote }}
app.kubernetes.io/part-of: quikapp
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.standard" (dict "ctx" $ "svc" $svc) }}
Object labels: pod labels plus chart and manager. Made once per service and kept in its `derived`
(quikapp.settings.derive), since every object of the service carries them.
*/}}
{{- define "quikapp.part.labels.standard" -}}
{{- $derived := .svc.derived -}}
{{- if and (kindIs "map" $derived) (hasKey $derived "labels") -}}
  {{- $derived.labels -}}
{{- else -}}
  {{- $labels := printf "%s\n%s" (include "quikapp.part.labels.pod" .) (include "quikapp.part.labels.chart" .ctx) -}}
  {{- if kindIs "map" $derived -}}
    {{- $_ := set $derived "labels" $labels -}}
  {{- end -}}
  {{- $labels -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.chart" $ }}
Labels every object carries, including the shared ones.
*/}}
{{- define "quikapp.part.labels.chart" -}}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.smokeTest" $ }}
The `helm test` pod's identity, as the services' policies match it: all three labels, not one.
*/}}
{{- define "quikapp.part.labels.smokeTest" -}}
quikapp.dev/smoke-test: "true"
app.kubernetes.io/component: smoke-test
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.labels.shared" $ }}
Labels of the objects shared by every service (ConfigMap, ServiceAccount, policies, quota).
*/}}
{{- define "quikapp.part.labels.shared" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/part-of: quikapp
{{ include "quikapp.part.labels.chart" . }}
{{- end -}}
