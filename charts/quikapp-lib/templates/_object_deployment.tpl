{{/*
Usage: {{ include "quikapp.object.Deployment" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.object.Deployment" -}}
{{- $ctx := .ctx -}}
{{- $svc := .svc -}}
{{- $global := $ctx.Values.global -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" $ctx "svc" $svc "name" $svc.name) | nindent 2 }}
spec:
  replicas: {{ include "quikapp.part.Deployment.replicas" . }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: {{ include "quikapp.util.intOrString" $svc.rollout.maxSurge }}
      maxUnavailable: {{ include "quikapp.util.intOrString" $svc.rollout.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "quikapp.part.labels.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "quikapp.part.labels.pod" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $global.config) | sha256sum | trunc 16 | quote }}
        {{- if $svc.metrics.enabled }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ get $svc.ports $svc.metrics.port | toString | quote }}
        prometheus.io/path: {{ $svc.metrics.path | quote }}
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $global.serviceAccountName | quote }}
      {{- with $global.priorityClassName }}
      priorityClassName: {{ . | quote }}
      {{- end }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.podSecurityContext) | nindent 8 }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds | int }}
      {{- include "quikapp.part.Deployment.scheduling" . | trim | nindent 6 }}
      containers:
        - {{ include "quikapp.part.Deployment.container" . | indent 10 | trim }}
      volumes:
        {{- range $volume := $svc.derived.volumes }}
        - name: {{ $volume.name | quote }}
          {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" (omit $volume "name")) | nindent 10 }}
        {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.Deployment.scheduling" (dict "ctx" $ "svc" $svc) | trim | nindent 6 }}
Where the pods go: node selector and tolerations (with the GPU settings applied), the zone spread
(global.zoneSpread) and the anti-affinity between a service's own pods. It starts with a newline
(its first fields are optional), hence `trim`.
*/}}
{{- define "quikapp.part.Deployment.scheduling" -}}
{{- $ctx := .ctx -}}
{{- $svc := .svc -}}
{{- $global := $ctx.Values.global -}}
{{- with $svc.derived.nodeSelector }}
nodeSelector:
  {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" .) | nindent 2 }}
{{- end }}
{{- with $svc.derived.tolerations }}
tolerations:
  {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" .) | nindent 2 }}
{{- end }}
{{- if $global.zoneSpread }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    # GPU pools may not span every zone: spread where possible, never leave a pod pending.
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "quikapp.part.labels.selector" . | nindent 8 }}
{{- end }}
affinity:
  podAntiAffinity:
    {{- $term := dict "labelSelector" (dict "matchExpressions" (list (dict "key" "app" "operator" "In" "values" (list $svc.name)))) "topologyKey" "kubernetes.io/hostname" }}
    {{- if eq $svc.antiAffinity "required" }}
    requiredDuringSchedulingIgnoredDuringExecution:
      - {{- toYaml $term | nindent 8 }}
    {{- else }}
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          {{- toYaml $term | nindent 10 }}
    {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.Deployment.container" (dict "ctx" $ "svc" $svc) | indent 10 | trim }}
The service's container: image, ports, env, resources, probes, security context and mounts.
*/}}
{{- define "quikapp.part.Deployment.container" -}}
{{- $ctx := .ctx -}}
{{- $svc := .svc -}}
name: {{ $svc.name | quote }}
image: {{ include "quikapp.part.container.image" . | quote }}
imagePullPolicy: {{ $svc.image.pullPolicy | quote }}
ports:
  {{- range $port := $svc.derived.ports }}
  - name: {{ $port.name | quote }}
    containerPort: {{ $port.port | int }}
    protocol: TCP
  {{- end }}
{{- with include "quikapp.part.container.env" . | trim }}
env:
  {{- . | nindent 2 }}
{{- end }}
resources:
  {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.derived.resources) | nindent 2 }}
{{- with $svc.probes.liveness }}
livenessProbe:
  {{- include "quikapp.part.container.probe" (dict "svc" $svc "probe" .) | nindent 2 }}
{{- end }}
{{- with $svc.probes.readiness }}
readinessProbe:
  {{- include "quikapp.part.container.probe" (dict "svc" $svc "probe" .) | nindent 2 }}
{{- end }}
securityContext:
  {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.securityContext) | nindent 2 }}
volumeMounts:
  {{- range $mount := $svc.derived.volumeMounts }}
  - name: {{ $mount.name | quote }}
    {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" (omit $mount "name")) | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.part.Deployment.replicas" (dict "ctx" $ "svc" $svc) }}
The Deployment's replica count. Without an HPA: the environment's count. With one, the HPA owns the
count and its floor is minReplicas: a new Deployment starts at that floor, so an install is not done
(helm --wait, ct, Argo CD health) before the floor is up; an existing one is given exactly what it
runs now, so an upgrade neither scales it down nor contends with the HPA for the field (with
server-side apply, any other value would conflict with the HPA's ownership); a raised floor is the
HPA's to reach. Under `helm template` (Argo CD) the lookup is empty and the floor is rendered; the
Applications ignore /spec/replicas on later syncs.
*/}}
{{- define "quikapp.part.Deployment.replicas" -}}
{{- $live := dict -}}
{{- if .svc.autoscaling.enabled -}}
  {{- $live = lookup "apps/v1" "Deployment" (include "quikapp.part.namespace" .ctx) .svc.name -}}
{{- end -}}
{{- int (dig "spec" "replicas" .svc.replicas $live) -}}
{{- end -}}
