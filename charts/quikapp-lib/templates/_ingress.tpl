{{/*
Usage: {{ include "quikapp.ingress" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.ingress" -}}
{{- $svc := .svc -}}
{{- $ingress := $svc.ingress -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-ingress" $svc.name)) | nindent 2 }}
  {{- $annotations := deepCopy $ingress.annotations }}
  {{- if $ingress.websocket }}
  {{- $timeout := toString $ingress.websocketTimeoutSeconds }}
  {{- $_ := merge $annotations (dict "nginx.ingress.kubernetes.io/proxy-read-timeout" $timeout "nginx.ingress.kubernetes.io/proxy-send-timeout" $timeout) }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- range $key, $value := . }}
    {{ $key }}: {{ $value | toString | quote }}
    {{- end }}
  {{- end }}
spec:
  ingressClassName: {{ $ingress.className }}
  {{- if $ingress.tlsSecret }}
  tls:
    - hosts:
        - {{ $ingress.host }}
      secretName: {{ $ingress.tlsSecret }}
  {{- end }}
  rules:
    - host: {{ $ingress.host }}
      http:
        paths:
          - path: {{ $ingress.path }}
            pathType: {{ $ingress.pathType }}
            backend:
              service:
                name: {{ $svc.name }}
                port:
                  number: {{ $svc.ports.http }}
{{- end -}}
