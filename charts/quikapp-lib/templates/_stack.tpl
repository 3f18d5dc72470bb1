{{/*
Usage: {{ include "quikapp.stack.render" $ }}
Everything a stack chart deploys: for each enabled service of its catalogue, its Deployment, Service,
headless Service, HPA, PDB, Ingress, NetworkPolicy and model volume claim. The stack charts' only template.
The merged services are kept on the chart's root context under "quikapp.stack.services", where the
umbrella's quikapp.services.enabled finds them instead of merging them again.
*/}}
{{- define "quikapp.stack.render" -}}
{{- $global := dict -}}
{{- include "quikapp.global" (dict "ctx" . "out" $global) -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) .Values) "Chart" .Chart "Release" .Release "cache" dict -}}
{{- $found := dict "problems" list -}}
{{- $services := list -}}
{{- range $name := keys ((.Values.catalogue | default dict).services | default dict) | sortAlpha -}}
{{- $svc := dict -}}
{{- include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name "out" $svc) -}}
{{- if $svc.enabled -}}
{{- include "quikapp.checks.service" (dict "ctx" $ctx "svc" $svc "out" $found) -}}
{{- $services = append $services $svc -}}
{{- end -}}
{{- end -}}
{{- include "quikapp.checks.report" $found.problems -}}
{{- $_ := set . "quikapp.stack.services" $services -}}
{{- range $svc := $services }}
{{- $args := dict "ctx" $ctx "svc" $svc }}
---
{{ include "quikapp.deployment" $args }}
---
{{ include "quikapp.service" $args }}
{{- if $svc.clustering.enabled }}
---
{{ include "quikapp.service.headless" $args }}
{{- end }}
{{- if $svc.autoscaling.enabled }}
---
{{ include "quikapp.hpa" $args }}
{{- end }}
{{- if $svc.render.pdb }}
---
{{ include "quikapp.pdb" $args }}
{{- end }}
{{- if $svc.ingress.enabled }}
---
{{ include "quikapp.ingress" $args }}
{{- end }}
{{- if $svc.modelStorage.enabled }}
---
{{ include "quikapp.pvc" $args }}
{{- end }}
{{- if $ctx.Values.global.networkPolicy.enabled }}
---
{{ include "quikapp.networkpolicy.service" $args }}
---
{{ include "quikapp.networkpolicy.egress" $args }}
{{- if $svc.callers }}
---
{{ include "quikapp.networkpolicy.callers" $args }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
