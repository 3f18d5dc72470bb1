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
{{- if $global.keyVault.create }}
---
{{ include "quikapp.secretproviderclass" . }}
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
{{- range $svc := include "quikapp.services.enabled" . | fromYamlArray -}}
{{- $targets = append $targets (printf "http://%s:%v%s" $svc.name $svc.ports.http ($svc.probes.readiness.path | default "/")) -}}
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


{{/*
Usage: {{ range $svc := include "quikapp.services.enabled" $ | fromYamlArray }}
From the umbrella: every enabled service of every enabled stack, merged as its stack chart merges it.
*/}}
{{- define "quikapp.services.enabled" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
{{- $services := list -}}
{{- range $stack := $global.stacks -}}
{{- $values := index $.Values $stack -}}
{{- if $values.enabled -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $.Release -}}
{{- range $name := keys $values.services | sortAlpha -}}
{{- $svc := include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name) | fromYaml -}}
{{- if $svc.enabled -}}
{{- $services = append $services $svc -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $services -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.secretproviderclass" $ }}
The namespaced SecretProviderClass the Key Vault CSI volumes mount. Mounting it syncs every
quikapp-secrets key that a service's env reads from the vault into that Secret (Key Vault names
allow no underscore: DB_HOST is the vault's db-host). Names and IDs only, never a secret value.
*/}}
{{- define "quikapp.secretproviderclass" -}}
{{- $global := include "quikapp.global" . | fromYaml -}}
{{- $vault := $global.keyVault -}}
{{- $keys := list -}}
{{- range $svc := include "quikapp.services.enabled" . | fromYamlArray -}}
{{- range $name, $source := $svc.env -}}
{{- if and (kindIs "map" $source) (hasKey $source "secret") (not $source.unset) (eq ($source.name | default $global.secretName) $global.secretName) -}}
{{- $keys = append $keys $source.secret -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $keys = $keys | uniq | sortAlpha -}}
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: {{ $vault.className }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "quikapp.labels.shared" . | nindent 4 }}
spec:
  provider: azure
  parameters:
    usePodIdentity: "false"
    keyvaultName: {{ $vault.vaultName | quote }}
    {{- with $vault.tenantId }}
    tenantId: {{ . | quote }}
    {{- end }}
    {{- with $vault.clientId }}
    clientID: {{ . | quote }}
    {{- end }}
    objects: |
      array:
      {{- range $key := $keys }}
        - |
          objectName: {{ $key | lower | replace "_" "-" }}
          objectType: secret
          objectAlias: {{ $key }}
      {{- end }}
  secretObjects:
    - secretName: {{ $global.secretName }}
      type: Opaque
      data:
        {{- range $key := $keys }}
        - objectName: {{ $key }}
          key: {{ $key }}
        {{- end }}
{{- end -}}
