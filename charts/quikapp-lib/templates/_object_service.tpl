{{/*
Usage: {{ include "quikapp.object.Service" (dict "ctx" $ "svc" $svc) }}
The ClusterIP Service, with the container ports named in servicePorts (all when empty).
*/}}
{{- define "quikapp.object.Service" -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" $svc.name) | nindent 2 }}
spec:
  type: ClusterIP
  selector:
    {{- include "quikapp.part.labels.selector" . | nindent 4 }}
  ports:
    {{- include "quikapp.part.Service.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 4 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.Service.headless" (dict "ctx" $ "svc" $svc) }}
The headless Service that lets clustered (Erlang) pods find each other by DNS.
*/}}
{{- define "quikapp.object.Service.headless" -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-headless" $svc.name)) | nindent 2 }}
spec:
  clusterIP: None
  # Peers must find each other before they report ready.
  publishNotReadyAddresses: true
  selector:
    {{- include "quikapp.part.labels.selector" . | nindent 4 }}
  ports:
    {{- include "quikapp.part.Service.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 4 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.Service.ports" (dict "svc" $svc "names" (list "http" "grpc")) }}
Service ports for the named container ports (all of them when names is empty), ordered by number.
*/}}
{{- define "quikapp.part.Service.ports" -}}
{{- range $port := .svc.derived.ports }}
  {{- if or (empty $.names) (has $port.name $.names) }}
- name: {{ $port.name | quote }}
  port: {{ $port.port | int }}
  targetPort: {{ $port.port | int }}
  protocol: TCP
  {{- end }}
{{- end }}
{{- end -}}
