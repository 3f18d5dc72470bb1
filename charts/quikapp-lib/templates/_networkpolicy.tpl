{{/*
Usage: {{ include "quikapp.networkpolicy.peer" (dict "ctx" $ "apps" (list "backend-gateway")) }}
A podSelector for QuikApp pods of this release with one of the given `app` labels. It matches on
part-of and instance as well as `app`, so a pod that copies one label reaches nothing.
*/}}
{{- define "quikapp.networkpolicy.peer" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/part-of: quikapp
    app.kubernetes.io/instance: {{ .ctx.Release.Name | quote }}
  matchExpressions:
    - key: app
      operator: In
      values:
        {{- range $app := sortAlpha .apps }}
        - {{ $app | quote }}
        {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.outside" (dict "peer" $policy.prometheus) }}
A peer outside the release's namespace: its namespace and its pods' labels, both (one element, so
they are ANDed): another pod of that namespace is not trusted.
*/}}
{{- define "quikapp.networkpolicy.outside" -}}
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
        - {{- include "quikapp.networkpolicy.peer" (dict "ctx" $.ctx "apps" .) | nindent 10 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.metrics.enabled }}
    - from:
        {{- include "quikapp.networkpolicy.outside" (dict "peer" $policy.prometheus) | nindent 8 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list $svc.metrics.port)) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.clustering.enabled }}
    - from:
        - {{- include "quikapp.networkpolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.ingress.enabled }}
    - from:
        {{- include "quikapp.networkpolicy.outside" (dict "peer" $policy.ingressController) | nindent 8 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
    {{- end }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "quikapp.labels.smoketest" .ctx | nindent 14 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.egress" (dict "ctx" $ "svc" $svc) }}
Where one service's pods may go under the namespace's default-deny-egress, besides DNS (shared) and
the services that list it among their callers (quikapp.networkpolicy.callers): the data stores its
`egress.dataStores` names, by namespace or CIDR, on their ports; its own peers on the clustering
ports; and, when its catalogue row says Internet: Yes, HTTPS to public addresses only (never the
cloud metadata address, which no rule opens).
*/}}
{{- define "quikapp.networkpolicy.egress" -}}
{{- $svc := .svc -}}
{{- $policy := .ctx.Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-egress" $svc.name)) | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.labels.selector" . | nindent 6 }}
  policyTypes:
    - Egress
  egress:
    {{- range $name := $svc.egress.dataStores }}
    {{- $store := get $policy.dataStores $name }}
    {{- if $store }}
    - to:
        {{- with $store.namespace }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . | quote }}
        {{- end }}
        {{- range $cidr := $store.cidrs }}
        - ipBlock:
            cidr: {{ $cidr | quote }}
        {{- end }}
      ports:
        {{- range $port := $store.ports }}
        - protocol: TCP
          port: {{ $port | int }}
        {{- end }}
    {{- end }}
    {{- end }}
    {{- if $svc.clustering.enabled }}
    - to:
        - {{- include "quikapp.networkpolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.egress.internet }}
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              {{- range $cidr := $policy.internet.except }}
              - {{ $cidr | quote }}
              {{- end }}
      ports:
        - protocol: TCP
          port: 443
    {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.callers" (dict "ctx" $ "svc" $svc) }}
The egress half of the service's callers rule: the pods named in `callers` may call the service on
the ports its Service exposes (its -allow-ingress policy is the other half). Only with callers.
*/}}
{{- define "quikapp.networkpolicy.callers" -}}
{{- $svc := .svc -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-callers" $svc.name)) | nindent 2 }}
spec:
  {{- include "quikapp.networkpolicy.peer" (dict "ctx" .ctx "apps" $svc.callers) | nindent 2 }}
  policyTypes:
    - Egress
  egress:
    - to:
        - {{- include "quikapp.networkpolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 8 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.ports" (dict "svc" $svc "names" (list "http")) }}
NetworkPolicy ports for the named container ports (all when names is empty).
*/}}
{{- define "quikapp.networkpolicy.ports" -}}
{{- range $port := .svc.render.ports }}
{{- if or (empty $.names) (has $port.name $.names) }}
- protocol: TCP
  port: {{ $port.port | int }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.networkpolicy.shared" $ }}
The namespace's defaults: no ingress and no egress for any pod unless a policy opens it; DNS to
kube-dns for every pod; the `helm test` pod's calls to the services (each service's own policy
admits it on http only); and the design's policy for the gateway, with the controller's pods rather
than its whole namespace. Namespaces are selected by the label Kubernetes sets on every namespace
(kubernetes.io/metadata.name; the design's `name:` label exists only where someone adds it).
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
  name: default-deny-egress
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Egress
  egress:
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
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-smoke-test-egress
  namespace: {{ include "quikapp.namespace" . | quote }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.labels.smoketest" . | nindent 6 }}
  policyTypes:
    - Egress
  egress:
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: quikapp
              app.kubernetes.io/instance: {{ .Release.Name | quote }}
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
      app.kubernetes.io/part-of: quikapp
      app.kubernetes.io/instance: {{ .Release.Name | quote }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        {{- include "quikapp.networkpolicy.outside" (dict "peer" $policy.ingressController) | nindent 8 }}
      ports:
        - protocol: TCP
          port: {{ $policy.gatewayPort | int }}
{{- end -}}
