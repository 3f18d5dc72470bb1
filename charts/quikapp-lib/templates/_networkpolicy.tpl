{{/*
Usage: {{ include "quikapp.networkpolicy.service" (dict "ctx" $ "svc" $svc) }}
What may reach one service under the namespace's default-deny-ingress: its callers on the ports its
Service exposes, Prometheus on the metrics port, its own peers on the clustering ports, the ingress
controller when it has an Ingress, and the chart's smoke test on the http port.
*/}}
{{- define "quikapp.networkpolicy.service" -}}
{{- $svc := .svc -}}
{{- $policy := .ctx.Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-ingress" $svc.name)) | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.labels.selector" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    {{- with $svc.callers }}
    - from:
        - podSelector:
            matchExpressions:
              - key: app
                operator: In
                values:
                  {{- toYaml (sortAlpha .) | nindent 18 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.metrics.enabled }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $policy.monitoringNamespace | quote }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list $svc.metrics.port)) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.clustering.enabled }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "quikapp.labels.selector" . | nindent 14 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.ingress.enabled }}
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $policy.ingressNamespace | quote }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
    {{- end }}
    - from:
        - podSelector:
            matchLabels:
              quikapp.dev/smoke-test: "true"
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) }}
NetworkPolicy ports for the named container ports (all when names is empty).
*/}}
{{- define "quikapp.networkpolicy.ports" -}}
{{- range $port := include "quikapp.ports.sorted" .svc | fromYamlArray }}
{{- if or (empty $.names) (has $port.name $.names) }}
- protocol: TCP
  port: {{ $port.port | int }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.shared" $ }}
The design's three policies, with namespaces selected by the label Kubernetes sets on every namespace
(kubernetes.io/metadata.name; the design's `name:` label exists only where someone adds it), plus the
egress the backend tier cannot run without once the database policy makes its egress deny-by-default.
*/}}
{{- define "quikapp.networkpolicy.shared" -}}
{{- $policy := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-backend-to-database
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      tier: backend
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $policy.databaseNamespace | quote }}
      ports:
        {{- range $port := $policy.databasePorts }}
        - protocol: TCP
          port: {{ $port | int }}
        {{- end }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-backend-essential-egress
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      tier: backend
  policyTypes:
    - Egress
  egress:
    # DNS
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $policy.dnsNamespace | quote }}
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
    # Calls to the other QuikApp services; each service's own policy decides who may call it.
    - to:
        - podSelector: {}
    # Redis and Kafka live outside the cluster (managed services), so they are allowed by port.
    - ports:
        {{- range $name, $port := $policy.externalEgressPorts }}
        - protocol: TCP
          port: {{ $port | int }}
        {{- end }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-ingress-to-gateway
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app: backend-gateway
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $policy.ingressNamespace | quote }}
      ports:
        - protocol: TCP
          port: {{ $policy.gatewayPort | int }}
{{- end -}}
