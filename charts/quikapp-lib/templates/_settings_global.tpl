{{/*
Usage: {{ $global := dict }}{{ include "quikapp.settings.global" (dict "ctx" $ "out" $global) }}
.Values.global over the library's defaults for it, so a stack chart renders on its own too. Filled
in place, not returned as YAML (a round trip per template costs more than the rest of the merge);
its nested maps may be shared with .Values.global, so read-only. Merged once per chart: the merge
is kept on the root context under "quikapp.settings.global", and helm renders every template file of a chart
with the same root (where it does not, each file merges its own).
*/}}
{{- define "quikapp.settings.global" -}}
{{- $merged := get .ctx "quikapp.settings.global" -}}
{{- if not $merged -}}
  {{- $merged = include "quikapp.defaults.global" .ctx | fromYaml -}}
  {{- include "quikapp.util.mergeLayer" (dict "dst" $merged "src" (.ctx.Values.global | default dict)) -}}
  {{- $_ := set .ctx "quikapp.settings.global" $merged -}}
{{- end -}}
{{- range $key, $value := $merged -}}
  {{- $_ := set $.out $key $value -}}
{{- end -}}
{{- end -}}
