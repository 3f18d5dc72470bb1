{{/*
Usage: {{ include "quikapp.object.Ingress" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.object.Ingress" -}}
{{- $svc := .svc -}}
{{- $ingress := $svc.ingress -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-ingress" $svc.name)) | nindent 2 }}
  {{- $annotations := deepCopy $ingress.annotations }}
  {{- if $ingress.websocket }}
  {{- $timeout := toString $ingress.websocketTimeoutSeconds }}
  {{- $_ := merge $annotations (dict "nginx.ingress.kubernetes.io/proxy-read-timeout" $timeout "nginx.ingress.kubernetes.io/proxy-send-timeout" $timeout) }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- range $key, $value := . }}
    {{ $key | quote }}: {{ $value | toString | quote }}
    {{- end }}
  {{- end }}
spec:
  ingressClassName: {{ $ingress.className | quote }}
  {{- if $ingress.tlsSecret }}
  tls:
    - hosts:
        - {{ $ingress.host | quote }}
      secretName: {{ $ingress.tlsSecret | quote }}
  {{- end }}
  rules:
    - host: {{ $ingress.host | quote }}
      http:
        paths:
          - path: {{ $ingress.path | quote }}
            pathType: {{ $ingress.pathType | quote }}
            backend:
              service:
                name: {{ $svc.name | quote }}
                port:
                  number: {{ $svc.ports.http | int }}
{{- end -}}
