{{/*
Usage: {{ include "quikapp.render.stack" $ }}
Everything a stack chart deploys: for each enabled service of its catalogue, its Deployment, Service,
headless Service, HPA, PDB, Ingress, NetworkPolicy, model volume claim and the SecretProviderClass of its own secrets. The stack charts' only template.
The merged services are kept on the chart's root context under "quikapp.settings.stack", where the
umbrella's quikapp.settings.enabled finds them instead of merging them again.
*/}}
{{- define "quikapp.render.stack" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) .Values) "Chart" .Chart "Release" .Release "cache" dict -}}
{{- $found := dict "problems" list -}}
{{- include "quikapp.checks.global" (dict "global" $global "out" $found) -}}
{{- $services := list -}}
{{- range $name := keys ((.Values.catalogue | default dict).services | default dict) | sortAlpha -}}
  {{- $svc := dict -}}
  {{- include "quikapp.settings.resolve" (dict "ctx" $ctx "name" $name "out" $svc) -}}
  {{- if $svc.enabled -}}
    {{- include "quikapp.checks.service" (dict "ctx" $ctx "svc" $svc "out" $found) -}}
    {{- $services = append $services $svc -}}
  {{- end -}}
{{- end -}}
{{- include "quikapp.checks.report" $found.problems -}}
{{- $_ := set . "quikapp.settings.stack" $services -}}
{{- range $svc := $services }}
  {{- $args := dict "ctx" $ctx "svc" $svc }}
---
{{ include "quikapp.object.Deployment" $args }}
---
{{ include "quikapp.object.Service" $args }}
  {{- if $svc.clustering.enabled }}
---
{{ include "quikapp.object.Service.headless" $args }}
  {{- end }}
  {{- if $svc.autoscaling.enabled }}
---
{{ include "quikapp.object.HorizontalPodAutoscaler" $args }}
  {{- end }}
  {{- if $svc.derived.pdb }}
---
{{ include "quikapp.object.PodDisruptionBudget" $args }}
  {{- end }}
  {{- if $svc.ingress.enabled }}
---
{{ include "quikapp.object.Ingress" $args }}
  {{- end }}
  {{- if $svc.modelStorage.enabled }}
---
{{ include "quikapp.object.PersistentVolumeClaim" $args }}
  {{- end }}
  {{- if and $ctx.Values.global.keyVault.create $svc.derived.secretKeys }}
---
{{ include "quikapp.object.SecretProviderClass" $args }}
  {{- end }}
  {{- if $ctx.Values.global.networkPolicy.enabled }}
---
{{ include "quikapp.object.NetworkPolicy.allowIngress" $args }}
---
{{ include "quikapp.object.NetworkPolicy.allowEgress" $args }}
    {{- if $svc.callers }}
---
{{ include "quikapp.object.NetworkPolicy.allowCallers" $args }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.render.shared" $ }}
The objects every service shares: the ConfigMap, the ServiceAccount, the environment's ResourceQuota
and the namespace-wide NetworkPolicies. The umbrella chart's
only template besides its test and its PostSync check.
*/}}
{{- define "quikapp.render.shared" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- $found := dict "problems" list -}}
{{- include "quikapp.checks.global" (dict "global" $global "out" $found) -}}
{{- include "quikapp.checks.report" $found.problems -}}
{{ include "quikapp.object.ConfigMap" . }}
---
{{ include "quikapp.object.ServiceAccount" . }}
{{- if $global.resourceQuota }}
---
{{ include "quikapp.object.ResourceQuota" . }}
{{- end }}
{{- if $global.networkPolicy.enabled }}
  {{- $ctx := dict "Values" (dict "global" $global) "Chart" .Chart "Release" .Release }}
  {{- $policies := list "quikapp.object.NetworkPolicy.defaultDenyIngress" "quikapp.object.NetworkPolicy.defaultDenyEgress" "quikapp.object.NetworkPolicy.allowDnsEgress" "quikapp.object.NetworkPolicy.allowSmokeTestEgress" "quikapp.object.NetworkPolicy.allowIngressToGateway" }}
  {{- range $policy := $policies }}
---
{{ include $policy $ctx }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.render.smokeTest" $ }}
The umbrella's `helm test` hook (templates/tests/smoke-test.yaml).
*/}}
{{- define "quikapp.render.smokeTest" -}}
{{ include "quikapp.object.Pod.smokeTest" . }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.render.postSyncCheck" $ }}
The umbrella's Argo CD PostSync check, when global.smokeTest.postSync is true (as the Argo CD
Applications set it: a plain `helm install` would create it as an ordinary Job).
*/}}
{{- define "quikapp.render.postSyncCheck" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- if $global.smokeTest.postSync -}}
{{ include "quikapp.object.Job.postSyncCheck" . }}
{{- end -}}
{{- end -}}
