{{/*
Usage: {{ include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) }}
Merges src into dst key by key, maps into maps, anything else replacing what dst has. Unlike
sprig's mergeOverwrite it keeps false, 0 and "" from src. Nothing is copied: a nested map of dst
is replaced by a merged shallow copy (omit) rather than changed, and src's values are shared.
Neither src nor a map that dst shares with the defaults or an earlier layer ever changes; dst's
nested maps are read-only (copy one before changing it): a layer is never deep-copied.
*/}}
{{- define "quikapp.util.mergeLayer" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
  {{- $current := get $dst $key -}}
  {{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
    {{- $merged := omit $current -}}
    {{- include "quikapp.util.mergeLayer" (dict "dst" $merged "src" $value) -}}
    {{- $_ := set $dst $key $merged -}}
  {{- else -}}
    {{- $_ := set $dst $key $value -}}
  {{- end -}}
{{- end -}}
{{- end -}}
