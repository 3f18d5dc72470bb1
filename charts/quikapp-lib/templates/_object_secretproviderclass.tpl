{{/*
Usage: {{ include "quikapp.object.SecretProviderClass" $ }}
The namespaced SecretProviderClass the Key Vault CSI volumes mount. Mounting it syncs every
quikapp-secrets key that a service's env reads from the vault into that Secret (Key Vault names
allow no underscore: DB_HOST is the vault's db-host). Names and IDs only, never a secret value.
*/}}
{{- define "quikapp.object.SecretProviderClass" -}}
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- $vault := $global.keyVault -}}
{{- $keys := list -}}
{{- $enabled := dict -}}
{{- include "quikapp.settings.enabled" (dict "ctx" . "global" $global "out" $enabled) -}}
{{- range $svc := $enabled.services -}}
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
  name: {{ $vault.className | quote }}
  namespace: {{ include "quikapp.part.namespace" . | quote }}
  labels:
    {{- include "quikapp.part.labels.shared" . | nindent 4 }}
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
          objectName: {{ $key | lower | replace "_" "-" | quote }}
          objectType: secret
          objectAlias: {{ $key | quote }}
      {{- end }}
  secretObjects:
    - secretName: {{ $global.secretName | quote }}
      type: Opaque
      data:
        {{- range $key := $keys }}
        - objectName: {{ $key | quote }}
          key: {{ $key | quote }}
        {{- end }}
{{- end -}}
