{{/*
Usage: {{ include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.securityContext) | nindent 12 }}
toYaml of value, kept in the chart's `cache` dict of $ctx (see quikapp.settings.layers) under its
JSON, so a value the services of a stack share (security contexts, the config map's checksum, the
scratch volume and its mount) is turned into YAML once per chart: toYaml goes to JSON, then parses
and writes it again as YAML, several times the cost of the toJson that finds it. Without a cache in
$ctx, plain toYaml.
*/}}
{{- define "quikapp.util.toYaml" -}}
{{- $cache := .ctx.cache -}}
{{- if kindIs "map" $cache -}}
  {{- $key := printf "toYaml %s" (toJson .value) -}}
  {{- if not (hasKey $cache $key) -}}
    {{- $_ := set $cache $key (toYaml .value) -}}
  {{- end -}}
  {{- get $cache $key -}}
{{- else -}}
  {{- toYaml .value -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.util.intOrString" $svc.pdb.maxUnavailable }}
An IntOrString field: a number as a number, anything else as a quoted string ("50%").
*/}}
{{- define "quikapp.util.intOrString" -}}
{{- if kindIs "string" . -}}
  {{- . | quote -}}
{{- else -}}
  {{- . | int -}}
{{- end -}}
{{- end -}}
