{{/*
Usage: {{ if include "quikapp.util.isVersionTag" $tag }}
"true" when the image tag is a release version: MAJOR.MINOR.PATCH (a leading v allowed), with at
most an alpha, beta or rc pre-release (2.7.0-rc.1). An allow-list: stable, latest, main or a
branch name are not versions, whatever they are called.
*/}}
{{- define "quikapp.util.isVersionTag" -}}
{{- if regexMatch "^v?(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-(alpha|beta|rc)(\\.(0|[1-9][0-9]*))?)?$" (toString .) -}}true{{- end -}}
{{- end -}}
