{{/*
Usage: {{ $enabled := dict }}{{ include "quikapp.settings.enabled" (dict "ctx" $ "global" $global "out" $enabled) }}{{ range $svc := $enabled.services }}
From the umbrella: every enabled service of every enabled stack as its stack chart merged it, as
the list `out.services`; `out.names` lists their names. "global" is the caller's quikapp.settings.global, if
it has one. Helm renders the stack charts' templates before the umbrella's, and quikapp.render.stack
keeps each stack's services on the stack chart's root context ($.Subcharts.<stack>), so they are
read from there; a stack found without them is resolved here (without `derived`). Once per render:
the lists are kept on the root context under "quikapp.settings.enabled" for the chart's other
template files (the test pod, the PostSync Job, the SecretProviderClass and NOTES.txt all read
them), like quikapp.settings.global's merge. The services are shared, so read-only.
*/}}
{{- define "quikapp.settings.enabled" -}}
{{- $root := .ctx -}}
{{- $resolved := get $root "quikapp.settings.enabled" -}}
{{- if not $resolved -}}
  {{- $global := .global -}}
  {{- if not $global -}}
    {{- $global = dict -}}
    {{- include "quikapp.settings.global" (dict "ctx" $root "out" $global) -}}
  {{- end -}}
  {{- $services := list -}}
  {{- $names := list -}}
  {{- range $stack := $global.stacks -}}
    {{- $values := index $root.Values $stack -}}
    {{- if $values.enabled -}}
      {{- $rendered := get (get $root "Subcharts" | default dict) $stack | default dict -}}
      {{- if hasKey $rendered "quikapp.settings.stack" -}}
        {{- range $svc := get $rendered "quikapp.settings.stack" -}}
          {{- $services = append $services $svc -}}
          {{- $names = append $names $svc.name -}}
        {{- end -}}
      {{- else -}}
        {{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $root.Release "cache" dict -}}
        {{- range $name := keys (($values.catalogue | default dict).services | default dict) | sortAlpha -}}
          {{- $svc := dict -}}
          {{- include "quikapp.settings.resolve" (dict "ctx" $ctx "name" $name "out" $svc "skipDerived" true) -}}
          {{- if $svc.enabled -}}
            {{- $services = append $services $svc -}}
            {{- $names = append $names $name -}}
          {{- end -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- $resolved = dict "services" $services "names" $names -}}
  {{- $_ := set $root "quikapp.settings.enabled" $resolved -}}
{{- end -}}
{{- $_ := set .out "services" $resolved.services -}}
{{- $_ := set .out "names" $resolved.names -}}
{{- end -}}
