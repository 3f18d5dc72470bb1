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
Usage: {{ range $svc := include "quikapp.services.enabled" $ | fromYamlArray }}
From the umbrella: every enabled service of every enabled stack, merged as its stack chart merges it.
*/}}
{{- define "quikapp.services.enabled" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
{{- $services := list -}}
{{- range $stack := $global.stacks -}}
{{- $values := index $.Values $stack -}}
{{- if $values.enabled -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $.Release -}}
{{- range $name := keys $values.services | sortAlpha -}}
{{- $svc := include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name) | fromYaml -}}
{{- if $svc.enabled -}}
{{- $services = append $services $svc -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $services -}}
{{- end -}}
