{{/*
Usage: {{ include "quikapp.object.HorizontalPodAutoscaler" (dict "ctx" $ "svc" $svc) }}
The environment's replica floor is the HPA's minReplicas; the Deployment's replicas field starts at that
floor and then follows the HPA (quikapp.part.Deployment.replicas).
*/}}
{{- define "quikapp.object.HorizontalPodAutoscaler" -}}
{{- $svc := .svc -}}
{{- $scaling := $svc.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" $svc "name" (printf "%s-hpa" $svc.name)) | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $svc.name | quote }}
  minReplicas: {{ $svc.replicas | int }}
  maxReplicas: {{ $scaling.maxReplicas | int }}
  metrics:
    {{- range $resource := list "cpu" "memory" }}
    {{- $target := get $scaling (printf "%sUtilization" $resource) }}
    {{- if $target }}{{/* false turns a resource metric off */}}
    - type: Resource
      resource:
        name: {{ $resource | quote }}
        target:
          type: Utilization
          averageUtilization: {{ $target | int }}
    {{- end }}
    {{- end }}
    {{- range $metric, $average := $scaling.podsMetrics }}
    - type: Pods
      pods:
        metric:
          name: {{ $metric | quote }}
        target:
          type: AverageValue
          averageValue: {{ $average | toString | quote }}
    {{- end }}
{{- end -}}
