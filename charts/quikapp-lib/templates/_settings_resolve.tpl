{{/*
Usage: {{ $svc := dict }}{{ include "quikapp.settings.resolve" (dict "ctx" $ctx "name" $name "out" $svc) }}
One service's settings, its layers (quikapp.settings.layers) merged once into `out`, with its
derived settings (quikapp.settings.derive) under `derived` unless "skipDerived" is true. Filled in
place, never returned as YAML: a toYaml/fromYaml round trip per service would cost more than the
merge itself.
Its nested maps are shared with the layers, so read-only (quikapp.util.mergeLayer).
*/}}
{{- define "quikapp.settings.resolve" -}}
{{- $svc := .out -}}
{{- $layers := dict -}}
{{- include "quikapp.settings.layers" (dict "ctx" .ctx "name" .name "out" $layers) -}}
{{- range $key, $value := $layers.base -}}
  {{- $_ := set $svc $key $value -}}
{{- end -}}
{{- range $layer := $layers.own -}}
  {{- include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) -}}
{{- end -}}
{{- with .ctx.Values.global.replicaOverride -}}
  {{- $_ := set $svc "replicas" . -}}
{{- end -}}
{{- $_ := set $svc "name" .name -}}
{{- if not .skipDerived -}}
  {{- $derived := dict -}}
  {{- include "quikapp.settings.derive" (dict "svc" $svc "out" $derived "keyVault" .ctx.Values.global.keyVault.create) -}}
  {{- $_ := set $svc "derived" $derived -}}
{{- end -}}
{{- end -}}
