{{/*
Usage: {{ include "quikapp.part.container.image" (dict "ctx" $ "svc" $svc) }}
registry/repository:tag, or @digest when a digest is pinned. The service's tag wins over the environment's.
*/}}
{{- define "quikapp.part.container.image" -}}
{{- $global := .ctx.Values.global -}}
{{- $image := .svc.image -}}
{{- $registry := $image.registry | default $global.image.registry -}}
{{- $repository := $image.repository | default .svc.name -}}
{{- if $image.digest -}}
  {{- printf "%s/%s@%s" $registry $repository $image.digest -}}
{{- else -}}
  {{- printf "%s/%s:%s" $registry $repository (include "quikapp.settings.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.container.env" (dict "ctx" $ "svc" $svc) }}
The env map as a container env list, ordered by name (so $(VAR) references to earlier names resolve).
A plain value is a literal; {secret: KEY} (from the service's own Secret), {config: KEY} and {field: PATH} are references;
{unset: true} removes a variable a lower layer set (Helm drops nulls before the layers merge).
*/}}
{{- define "quikapp.part.container.env" -}}
{{- $global := .ctx.Values.global -}}
{{- range $name, $source := .svc.env }}
  {{- if not (and (kindIs "map" $source) $source.unset) }}
- name: {{ $name | quote }}
  {{- if not (kindIs "map" $source) }}
  value: {{ $source | toString | quote }}
  {{- else if hasKey $source "secret" }}
  valueFrom:
    secretKeyRef:
      name: {{ include "quikapp.settings.secretName" $.svc | quote }}
      key: {{ $source.secret | quote }}
  {{- else if hasKey $source "config" }}
  valueFrom:
    configMapKeyRef:
      name: {{ $source.name | default $global.configMapName | quote }}
      key: {{ $source.config | quote }}
  {{- else if hasKey $source "field" }}
  valueFrom:
    fieldRef:
      fieldPath: {{ $source.field | quote }}
  {{- else }}
  value: {{ $source.value | toString | quote }}
  {{- end }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.container.probe" (dict "svc" $svc "probe" $svc.probes.liveness) }}
An httpGet probe on the service's http port.
*/}}
{{- define "quikapp.part.container.probe" -}}
httpGet:
  path: {{ .probe.path | quote }}
  port: {{ get .svc.ports (.probe.port | default "http") | int }}
{{- range $key := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
  {{- if hasKey $.probe $key }}
{{ $key }}: {{ get $.probe $key | int }}
  {{- end }}
{{- end }}
{{- end -}}
