{{/*
Usage: {{ include "quikapp.part.NetworkPolicy.releasePods" $ }}
The labels every QuikApp pod of this release carries, as the policies select the release's pods.
*/}}
{{- define "quikapp.part.NetworkPolicy.releasePods" -}}
app.kubernetes.io/part-of: quikapp
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.NetworkPolicy.peer" (dict "ctx" $ "apps" (list "backend-gateway")) }}
A podSelector for QuikApp pods of this release with one of the given `app` labels. It matches on
part-of and instance as well as `app`, so a pod that copies one label reaches nothing.
*/}}
{{- define "quikapp.part.NetworkPolicy.peer" -}}
podSelector:
  matchLabels:
    {{- include "quikapp.part.NetworkPolicy.releasePods" .ctx | nindent 4 }}
  matchExpressions:
    - key: app
      operator: In
      values:
        {{- range $app := sortAlpha .apps }}
        - {{ $app | quote }}
        {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.NetworkPolicy.outside" (dict "peer" $policy.prometheus) }}
A peer outside the release's namespace: its namespace and its pods' labels, both (one element, so
they are ANDed): another pod of that namespace is not trusted.
*/}}
{{- define "quikapp.part.NetworkPolicy.outside" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .peer.namespace | quote }}
  podSelector:
    matchLabels:
      {{- range $key, $value := .peer.podLabels }}
      {{ $key | quote }}: {{ $value | quote }}
      {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" (list "http")) }}
NetworkPolicy ports for the named container ports (all when names is empty).
*/}}
{{- define "quikapp.part.NetworkPolicy.ports" -}}
{{- range $port := .svc.derived.ports }}
  {{- if or (empty $.names) (has $port.name $.names) }}
- protocol: TCP
  port: {{ $port.port | int }}
  {{- end }}
{{- end }}
{{- end -}}
