{{/*
Usage: {{ $layers := dict }}{{ include "quikapp.settings.layers" (dict "ctx" $ctx "name" $name "out" $layers) }}
The layers of one service's settings, the last winning: library defaults -> the chart's
catalogue.defaults -> catalogue.gpuDefaults (GPU services) -> catalogue.services.<name> -> the
environment's defaults -> gpuDefaults (GPU services) -> services.<name>.
The chart's layers live under `catalogue:` and the environment's at the top of the stack's values,
so Helm's coalescing of values/<env>.yaml into the chart's values never puts an environment layer
below a chart layer. A service is a GPU service when the last layer that says so says gpu.enabled.
`out.base` is the first three merged (read-only: they are the same for every service of the chart,
so with a `cache` dict in $ctx they are merged once per chart, and once more for GPU services);
`out.own` lists the service's own layers after them, in order.
*/}}
{{- define "quikapp.settings.layers" -}}
{{- $ctx := .ctx -}}
{{- $catalogue := $ctx.Values.catalogue | default dict -}}
{{- $chartDefaults := $catalogue.defaults | default dict -}}
{{- $chartGpu := $catalogue.gpuDefaults | default dict -}}
{{- $chartService := get ($catalogue.services | default dict) .name | default dict -}}
{{- $envDefaults := $ctx.Values.defaults | default dict -}}
{{- $envGpu := $ctx.Values.gpuDefaults | default dict -}}
{{- $envService := get ($ctx.Values.services | default dict) .name | default dict -}}
{{- $gpu := false -}}
{{- range $layer := list $chartDefaults $chartService $envDefaults $envService -}}
  {{- $said := dig "gpu" "enabled" "" $layer -}}
  {{- if kindIs "bool" $said -}}
    {{- $gpu = $said -}}
  {{- end -}}
{{- end -}}
{{- $cache := dict -}}
{{- if hasKey $ctx "cache" -}}
  {{- $cache = $ctx.cache -}}
{{- end -}}
{{- $baseKey := ternary "gpuBase" "base" $gpu -}}
{{- if not (hasKey $cache $baseKey) -}}
  {{- $base := include "quikapp.defaults.service" $ctx | fromYaml -}}
  {{- range $layer := ternary (list $chartDefaults $chartGpu) (list $chartDefaults) $gpu -}}
    {{- include "quikapp.util.mergeLayer" (dict "dst" $base "src" $layer) -}}
  {{- end -}}
  {{- $_ := set $cache $baseKey $base -}}
{{- end -}}
{{- $_ := set .out "base" (get $cache $baseKey) -}}
{{- $_ := set .out "own" (ternary (list $chartService $envDefaults $envGpu $envService) (list $chartService $envDefaults $envService) $gpu) -}}
{{- end -}}
