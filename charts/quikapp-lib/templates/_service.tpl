{{/*
Usage: {{ include "quikapp.service" (dict "ctx" $ "svc" $svc) }}
The ClusterIP Service, with the container ports named in servicePorts (all when empty).
*/}}
{{- define "quikapp.service" -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" $svc.name) | nindent 2 }}
spec:
  type: ClusterIP
  selector:
    {{- include "quikapp.labels.selector" . | nindent 4 }}
  ports:
    {{- include "quikapp.service.ports" (dict "svc" $svc "names" $svc.servicePorts) | trim | nindent 4 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.service.headless" (dict "ctx" $ "svc" $svc) }}
The headless Service that lets clustered (Erlang) pods find each other by DNS.
*/}}
{{- define "quikapp.service.headless" -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-headless" $svc.name)) | nindent 2 }}
spec:
  clusterIP: None
  # Peers must find each other before they report ready.
  publishNotReadyAddresses: true
  selector:
    {{- include "quikapp.labels.selector" . | nindent 4 }}
  ports:
    {{- include "quikapp.service.ports" (dict "svc" $svc "names" $svc.clustering.headlessPorts) | trim | nindent 4 }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.service.ports" (dict "svc" $svc "names" (list "http" "grpc")) }}
Service ports for the named container ports (all of them when names is empty), ordered by number.
*/}}
{{- define "quikapp.service.ports" -}}
{{- range $port := include "quikapp.ports.sorted" .svc | fromYamlArray }}
{{- if or (empty $.names) (has $port.name $.names) }}
- name: {{ $port.name }}
  port: {{ $port.port }}
  targetPort: {{ $port.port }}
  protocol: TCP
{{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.hpa" (dict "ctx" $ "svc" $svc) }}
The environment's replica floor is the HPA's minReplicas; the Deployment then has no replicas field.
*/}}
{{- define "quikapp.hpa" -}}
{{- $svc := .svc -}}
{{- $scaling := $svc.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-hpa" $svc.name)) | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $svc.name }}
  minReplicas: {{ $svc.replicas }}
  maxReplicas: {{ $scaling.maxReplicas }}
  metrics:
    {{- range $resource := list "cpu" "memory" }}
    {{- $target := get $scaling (printf "%sUtilization" $resource) }}
    {{- if $target }}{{/* false turns a resource metric off */}}
    - type: Resource
      resource:
        name: {{ $resource }}
        target:
          type: Utilization
          averageUtilization: {{ $target }}
    {{- end }}
    {{- end }}
    {{- range $metric, $average := $scaling.podsMetrics }}
    - type: Pods
      pods:
        metric:
          name: {{ $metric }}
        target:
          type: AverageValue
          averageValue: {{ $average | toString | quote }}
    {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.pdb" (dict "ctx" $ "svc" $svc) }}
minAvailable where the environment names one, otherwise maxUnavailable (1 by default).
*/}}
{{- define "quikapp.pdb" -}}
{{- $svc := .svc -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-pdb" $svc.name)) | nindent 2 }}
spec:
  {{- if $svc.pdb.minAvailable }}
  minAvailable: {{ $svc.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "quikapp.labels.selector" . | nindent 6 }}
{{- end -}}

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

{{/*
Usage: {{ include "quikapp.modelStorage.claimName" $svc }}
ml-service -> ml-models-pvc, as the design names it.
*/}}
{{- define "quikapp.modelStorage.claimName" -}}
{{- .modelStorage.claimName | default (printf "%s-models-pvc" (trimSuffix "-service" .name)) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.pvc" (dict "ctx" $ "svc" $svc) }}
The model volume of a GPU service. Kept on uninstall: models are expensive to rebuild.
*/}}
{{- define "quikapp.pvc" -}}
{{- $svc := .svc -}}
{{- $storage := $svc.modelStorage -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  {{- include "quikapp.metadata" (dict "ctx" .ctx "svc" $svc "name" (include "quikapp.modelStorage.claimName" $svc)) | nindent 2 }}
  annotations:
    helm.sh/resource-policy: keep
spec:
  accessModes:
    {{- toYaml $storage.accessModes | nindent 4 }}
  {{- with $storage.storageClassName }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ $storage.size }}
{{- end -}}
