{{/*
Usage: {{ include "quikapp.deployment.replicas" (dict "ctx" $ "svc" $svc) }}
The Deployment's replica count. Without an HPA: the environment's count. With one, the HPA owns the
count and its floor is minReplicas: a new Deployment starts at that floor, so an install is not done
(helm --wait, ct, Argo CD health) before the floor is up; an existing one is given exactly what it
runs now, so an upgrade neither scales it down nor contends with the HPA for the field (with
server-side apply, any other value would conflict with the HPA's ownership); a raised floor is the
HPA's to reach. Under `helm template` (Argo CD) the lookup is empty and the floor is rendered; the
Applications ignore /spec/replicas on later syncs.
*/}}
{{- define "quikapp.deployment.replicas" -}}
{{- $live := dict -}}
{{- if .svc.autoscaling.enabled -}}
{{- $live = lookup "apps/v1" "Deployment" (include "quikapp.namespace" .ctx) .svc.name -}}
{{- end -}}
{{- int (dig "spec" "replicas" .svc.replicas $live) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.deployment" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.deployment" -}}
{{- $ctx := .ctx -}}
{{- $svc := .svc -}}
{{- $global := $ctx.Values.global -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  {{- include "quikapp.metadata" (dict "ctx" $ctx "svc" $svc "name" $svc.name) | nindent 2 }}
spec:
  replicas: {{ include "quikapp.deployment.replicas" . }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "quikapp.labels.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "quikapp.labels.pod" . | nindent 8 }}
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
      automountServiceAccountToken: false
      securityContext:
        {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.podSecurityContext) | nindent 8 }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds | int }}
      {{- with $svc.render.nodeSelector }}
      nodeSelector:
        {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" .) | nindent 8 }}
      {{- end }}
      {{- with $svc.render.tolerations }}
      tolerations:
        {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" .) | nindent 8 }}
      {{- end }}
      {{- if $global.zoneSpread }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          # GPU pools may not span every zone: spread where possible, never leave a pod pending.
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "quikapp.labels.selector" . | nindent 14 }}
      {{- end }}
      affinity:
        podAntiAffinity:
          {{- $term := dict "labelSelector" (dict "matchExpressions" (list (dict "key" "app" "operator" "In" "values" (list $svc.name)))) "topologyKey" "kubernetes.io/hostname" }}
          {{- if eq $svc.antiAffinity "required" }}
          requiredDuringSchedulingIgnoredDuringExecution:
            - {{- toYaml $term | nindent 14 }}
          {{- else }}
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                {{- toYaml $term | nindent 16 }}
          {{- end }}
      containers:
        - name: {{ $svc.name | quote }}
          image: {{ include "quikapp.image" . | quote }}
          imagePullPolicy: {{ $svc.image.pullPolicy | quote }}
          ports:
            {{- range $port := $svc.render.ports }}
            - name: {{ $port.name | quote }}
              containerPort: {{ $port.port | int }}
              protocol: TCP
            {{- end }}
          {{- with include "quikapp.env" . | trim }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          resources:
            {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.render.resources) | nindent 12 }}
          {{- with $svc.probes.liveness }}
          livenessProbe:
            {{- include "quikapp.probe" (dict "svc" $svc "probe" .) | nindent 12 }}
          {{- end }}
          {{- with $svc.probes.readiness }}
          readinessProbe:
            {{- include "quikapp.probe" (dict "svc" $svc "probe" .) | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.securityContext) | nindent 12 }}
          volumeMounts:
            {{- range $mount := $svc.render.volumeMounts }}
            - name: {{ $mount.name | quote }}
              {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" (omit $mount "name")) | nindent 14 }}
            {{- end }}
      volumes:
        {{- range $volume := $svc.render.volumes }}
        - name: {{ $volume.name | quote }}
          {{- include "quikapp.util.toYaml" (dict "ctx" $ctx "value" (omit $volume "name")) | nindent 10 }}
        {{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.env" (dict "ctx" $ "svc" $svc) }}
The env map as a container env list, ordered by name (so $(VAR) references to earlier names resolve).
A plain value is a literal; {secret: KEY}, {config: KEY} and {field: PATH} are references;
{unset: true} removes a variable a lower layer set (Helm drops nulls before the layers merge).
*/}}
{{- define "quikapp.env" -}}
{{- $global := .ctx.Values.global -}}
{{- range $name, $source := .svc.env }}
{{- if not (and (kindIs "map" $source) $source.unset) }}
- name: {{ $name | quote }}
  {{- if not (kindIs "map" $source) }}
  value: {{ $source | toString | quote }}
  {{- else if hasKey $source "secret" }}
  valueFrom:
    secretKeyRef:
      name: {{ $source.name | default $global.secretName | quote }}
      key: {{ $source.secret | quote }}
  {{- else if hasKey $source "config" }}
  valueFrom:
    configMapKeyRef:
      name: {{ $source.name | default $global.configMapName | quote }}
      key: {{ $source.config | quote }}
  {{- else if hasKey $source "field" }}
  valueFrom:
    fieldRef:
      fieldPath: {{ $source.field | quote }}
  {{- else }}
  value: {{ $source.value | toString | quote }}
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.probe" (dict "svc" $svc "probe" $svc.probes.liveness) }}
An httpGet probe on the service's http port.
*/}}
{{- define "quikapp.probe" -}}
httpGet:
  path: {{ .probe.path | quote }}
  port: {{ get .svc.ports (.probe.port | default "http") | int }}
{{- range $key := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
{{- if hasKey $.probe $key }}
{{ $key }}: {{ get $.probe $key | int }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.image" (dict "ctx" $ "svc" $svc) }}
registry/repository:tag, or @digest when a digest is pinned. The service's tag wins over the environment's.
*/}}
{{- define "quikapp.image" -}}
{{- $global := .ctx.Values.global -}}
{{- $image := .svc.image -}}
{{- $registry := $image.registry | default $global.image.registry -}}
{{- $repository := $image.repository | default .svc.name -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" $registry $repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $repository (include "quikapp.image.tag" .) -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.image.tag" (dict "ctx" $ "svc" $svc) }}
*/}}
{{- define "quikapp.image.tag" -}}
{{- .svc.image.tag | default .ctx.Values.global.image.tag | toString -}}
{{- end -}}
