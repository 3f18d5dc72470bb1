{{/*
Usage: {{ include "quikapp.shared.render" $ }}
The objects every service shares: the ConfigMap, the ServiceAccount, the environment's ResourceQuota
and the namespace-wide NetworkPolicies. The umbrella chart's only template besides its test.
*/}}
{{- define "quikapp.shared.render" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $global.configMapName }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
data:
  ENVIRONMENT: {{ $global.environment | quote }}
  {{- range $key, $value := $global.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $global.serviceAccountName }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
automountServiceAccountToken: false
{{- with $global.resourceQuota }}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quikapp-quota
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "quikapp.labels.shared" $ | nindent 4 }}
spec:
  hard:
    {{- range $key, $value := . }}
    {{ $key }}: {{ $value | toString | quote }}
    {{- end }}
{{- end }}
{{- if $global.networkPolicy.enabled }}
---
{{ include "quikapp.networkpolicy.shared" (dict "Values" (dict "global" $global) "Chart" .Chart "Release" .Release) }}
{{- end }}
{{- end -}}

{{/*
Usage: {{ include "quikapp.smoketest" $ }}
A `helm test` pod that asks every enabled service's readiness endpoint through its Service:
proof that DNS, the Services, the network policies and the pods answer together.
*/}}
{{- define "quikapp.smoketest" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
{{- $targets := list -}}
{{- range $stack := $global.stacks -}}
{{- $values := index $.Values $stack -}}
{{- if $values.enabled -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $.Release -}}
{{- range $name := keys $values.services | sortAlpha -}}
{{- $svc := include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name) | fromYaml -}}
{{- if $svc.enabled -}}
{{- $targets = append $targets (printf "http://%s:%v%s" $name $svc.ports.http ($svc.probes.readiness.path | default "/")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $test := $global.smokeTest -}}
apiVersion: v1
kind: Pod
metadata:
  name: quikapp-smoke-test
  namespace: {{ .Release.Namespace }}
  labels:
    quikapp.dev/smoke-test: "true"
    {{- include "quikapp.labels.shared" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: smoke-test
      image: {{ $test.image }}
      command: ["/bin/sh", "-c"]
      args:
        - |
          failed=0
          for url in {{ join " " $targets }}; do
            if wget -q -T {{ $test.timeoutSeconds }} -O /dev/null "$url"; then echo "ok   $url"; else echo "FAIL $url"; failed=1; fi
          done
          exit $failed
      resources:
        {{- toYaml $test.resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
{{- end -}}
