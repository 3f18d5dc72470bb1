{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.defaultDenyIngress" $ }}
No ingress for any pod of the namespace unless a policy opens it. The namespace-wide policies select
namespaces by the label Kubernetes sets on every namespace (kubernetes.io/metadata.name; the
design's `name:` label exists only where someone adds it).
*/}}
{{- define "quikapp.object.NetworkPolicy.defaultDenyIngress" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.defaultDenyEgress" $ }}
No egress for any pod of the namespace unless a policy opens it.
*/}}
{{- define "quikapp.object.NetworkPolicy.defaultDenyEgress" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Egress
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowDnsEgress" $ }}
DNS to kube-dns (in global.networkPolicy.dnsNamespace) for every pod of the namespace.
*/}}
{{- define "quikapp.object.NetworkPolicy.allowDnsEgress" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .Values.global.networkPolicy.dnsNamespace | quote }}
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowSmokeTestEgress" $ }}
The `helm test` pod's calls to the release's pods (each service's own policy admits it on http only).
*/}}
{{- define "quikapp.object.NetworkPolicy.allowSmokeTestEgress" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-smoke-test-egress
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.part.labels.smokeTest" . | nindent 6 }}
  policyTypes:
    - Egress
  egress:
    - to:
        - podSelector:
            matchLabels:
              {{- include "quikapp.part.NetworkPolicy.releasePods" . | nindent 14 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowIngressToGateway" $ }}
The design's policy for the gateway: the ingress controller's pods (not its whole namespace) may
reach backend-gateway on global.networkPolicy.gatewayPort.
*/}}
{{- define "quikapp.object.NetworkPolicy.allowIngressToGateway" -}}
{{- $policy := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-ingress-to-gateway
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app: backend-gateway
      {{- include "quikapp.part.NetworkPolicy.releasePods" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        {{- include "quikapp.part.NetworkPolicy.outside" (dict "peer" $policy.ingressController) | nindent 8 }}
      ports:
        - protocol: TCP
          port: {{ $policy.gatewayPort | int }}
{{- end -}}
