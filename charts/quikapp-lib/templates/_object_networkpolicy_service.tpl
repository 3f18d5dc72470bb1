{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowIngress" (dict "ctx" $ "svc" $svc) }}
What may reach one service under the namespace's default-deny-ingress: its callers on the ports its
Service exposes, Prometheus on the metrics port, its own peers on the clustering ports, the ingress
controller when it has an Ingress, and the chart's smoke test on the http port.
*/}}
{{- define "quikapp.object.NetworkPolicy.allowIngress" -}}
{{- $svc := .svc -}}
{{- $policy := .ctx.Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-ingress" $svc.name)) | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.part.labels.selector" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    {{- with $svc.callers }}
    - from:
        - {{- include "quikapp.part.NetworkPolicy.peer" (dict "ctx" $.ctx "apps" .) | nindent 10 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.metrics.enabled }}
    - from:
        {{- include "quikapp.part.NetworkPolicy.outside" (dict "peer" $policy.prometheus) | nindent 8 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" (list $svc.metrics.port)) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.clustering.enabled }}
    - from:
        - {{- include "quikapp.part.NetworkPolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.ingress.enabled }}
    - from:
        {{- include "quikapp.part.NetworkPolicy.outside" (dict "peer" $policy.ingressController) | nindent 8 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
    {{- end }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "quikapp.part.labels.smokeTest" .ctx | nindent 14 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" (list "http")) | trim | nindent 8 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowEgress" (dict "ctx" $ "svc" $svc) }}
Where one service's pods may go under the namespace's default-deny-egress, besides DNS (shared) and
the services that list it among their callers (quikapp.object.NetworkPolicy.allowCallers): the data stores its
`egress.dataStores` names, by namespace or CIDR, on their ports; its own peers on the clustering
ports; and, when its catalogue row says Internet: Yes, HTTPS to public addresses only (never the
cloud metadata address, which no rule opens).
*/}}
{{- define "quikapp.object.NetworkPolicy.allowEgress" -}}
{{- $svc := .svc -}}
{{- $policy := .ctx.Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-egress" $svc.name)) | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      {{- include "quikapp.part.labels.selector" . | nindent 6 }}
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
        - {{- include "quikapp.part.NetworkPolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 8 }}
    {{- end }}
    {{- if $svc.egress.internet }}
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              {{- $floor := include "quikapp.defaults.internetExceptFloor" . | fromYamlArray }}
              {{- range $cidr := concat $floor $policy.internet.except $policy.internet.apiServer | uniq }}
              - {{ $cidr | quote }}
              {{- end }}
      ports:
        - protocol: TCP
          port: 443
    {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.object.NetworkPolicy.allowCallers" (dict "ctx" $ "svc" $svc) }}
The egress half of the service's callers rule: the pods named in `callers` may call the service on
the ports its Service exposes (its -allow-ingress policy is the other half). Only with callers.
*/}}
{{- define "quikapp.object.NetworkPolicy.allowCallers" -}}
{{- $svc := .svc -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-allow-callers" $svc.name)) | nindent 2 }}
spec:
  {{- include "quikapp.part.NetworkPolicy.peer" (dict "ctx" .ctx "apps" $svc.callers) | nindent 2 }}
  policyTypes:
    - Egress
  egress:
    - to:
        - {{- include "quikapp.part.NetworkPolicy.peer" (dict "ctx" .ctx "apps" (list $svc.name)) | nindent 10 }}
      ports:
        {{- include "quikapp.part.NetworkPolicy.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 8 }}
{{- end -}}
