{{/*
Usage: {{ include "quikapp.util.deepMerge" (dict "dst" $copy "src" $override) }}
Merges src into dst in place, key by key. Unlike sprig's mergeOverwrite it keeps false, 0 and "" from src.
*/}}
{{- define "quikapp.util.deepMerge" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) -}}
{{- include "quikapp.util.deepMerge" (dict "dst" (get $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key (deepCopy $value) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ $svc := include "quikapp.service.resolve" (dict "ctx" $ "name" $name) | fromYaml }}
One service's settings, merged once: library defaults -> stack defaults -> the stack's gpuDefaults
when the entry is a GPU service -> service entry.
(The environment file has already been coalesced into the stack defaults and the entry by Helm.)
*/}}
{{- define "quikapp.service.resolve" -}}
{{- $ctx := .ctx -}}
{{- $svc := include "quikapp.defaults.service" $ctx | fromYaml -}}
{{- include "quikapp.util.deepMerge" (dict "dst" $svc "src" ($ctx.Values.defaults | default dict)) -}}
{{- $entry := get $ctx.Values.services .name | default dict -}}
{{- if and $ctx.Values.gpuDefaults (dig "gpu" "enabled" false $entry) -}}
{{- include "quikapp.util.deepMerge" (dict "dst" $svc "src" $ctx.Values.gpuDefaults) -}}
{{- end -}}
{{- include "quikapp.util.deepMerge" (dict "dst" $svc "src" $entry) -}}
{{- with $ctx.Values.global.replicaOverride -}}
{{- $_ := set $svc "replicas" . -}}
{{- end -}}
{{- $_ := set $svc "name" .name -}}
{{- toYaml $svc -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.labels.selector" (dict "ctx" $ "svc" $svc) }}
Selector labels: minimal and immutable. `app` is what the design's policies and budgets select on.
*/}}
{{- define "quikapp.labels.selector" -}}
app: {{ .svc.name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.labels.pod" (dict "ctx" $ "svc" $svc) }}
Pod labels: the selector plus tier and stack. No chart version here, so a chart bump restarts nothing.
*/}}
{{- define "quikapp.labels.pod" -}}
{{ include "quikapp.labels.selector" . }}
tier: {{ .svc.tier }}
stack: {{ .ctx.Chart.Name }}
app.kubernetes.io/name: {{ .svc.name }}
app.kubernetes.io/part-of: quikapp
{{- end -}}

{{/*
Usage: {{ include "quikapp.labels.standard" (dict "ctx" $ "svc" $svc) }}
Object labels: pod labels plus chart and manager.
*/}}
{{- define "quikapp.labels.standard" -}}
{{ include "quikapp.labels.pod" . }}
{{ include "quikapp.labels.chart" .ctx }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.labels.chart" $ }}
Labels every object carries, including the shared ones.
*/}}
{{- define "quikapp.labels.chart" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.labels.shared" $ }}
Labels of the objects shared by every service (ConfigMap, ServiceAccount, policies, quota).
*/}}
{{- define "quikapp.labels.shared" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: quikapp
{{ include "quikapp.labels.chart" . }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.metadata" (dict "ctx" $ "svc" $svc "name" "auth-service-hpa") }}
name, namespace and labels of a per-service object.
*/}}
{{- define "quikapp.metadata" -}}
name: {{ .name }}
namespace: {{ .ctx.Release.Namespace }}
labels:
  {{- include "quikapp.labels.standard" . | nindent 2 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.image" (dict "ctx" $ "svc" $svc) }}
registry/repository:tag, or @digest when a digest is pinned. The service's tag wins over the environment's.
*/}}
{{- define "quikapp.image" -}}
{{- $global := .ctx.Values.global -}}
{{- $image := .svc.image -}}
{{- $registry := $image.registry | default $global.image.registry -}}
{{- $repository := $image.repository | default .svc.name -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" $registry $repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $repository (include "quikapp.image.tag" .) -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.image.tag" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.image.tag" -}}
{{- .svc.image.tag | default .ctx.Values.global.image.tag | toString -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.ports.sorted" $svc }}
The service's container ports as a YAML list of {name, port}, ordered by port number.
*/}}
{{- define "quikapp.ports.sorted" -}}
{{- $byNumber := dict -}}
{{- range $name, $port := .ports -}}
{{- $_ := set $byNumber (printf "%05d-%s" (int $port) $name) (dict "name" $name "port" (int $port)) -}}
{{- end -}}
{{- range $key := keys $byNumber | sortAlpha }}
- {{ toYaml (get $byNumber $key) | nindent 2 | trim }}
{{- end -}}
{{- end -}}
