{{/*
Usage: {{ include "quikapp.object.SecretProviderClass" (dict "ctx" $ "svc" $svc) }}
The service's own SecretProviderClass (<service>-secrets): the vault's secrets its env reads, and
no other, synced into its own Secret of the same name while a pod of the service mounts it (the
driver creates the Secret on the first mount and removes it with the last mounting pod). Key Vault
names allow no underscore: DB_HOST is the vault's db-host. Names and IDs only, never a secret value.
*/}}
{{- define "quikapp.object.SecretProviderClass" -}}
{{- $vault := .ctx.Values.global.keyVault -}}
{{- $name := include "quikapp.settings.secretName" .svc -}}
{{- $keys := .svc.derived.secretKeys -}}
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  {{- include "quikapp.part.metadata" (dict "ctx" .ctx "svc" .svc "name" $name) | nindent 2 }}
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
    - secretName: {{ $name | quote }}
      type: Opaque
      data:
        {{- range $key := $keys }}
        - objectName: {{ $key | quote }}
          key: {{ $key | quote }}
        {{- end }}
{{- end -}}
