{{/*
Usage: {{ include "quikapp.settings.derive" (dict "svc" $svc "out" $derived "keyVault" $global.keyVault.create) }}
What the templates render from a merged service, decided once: the pod's node selector, tolerations
and container resources with the GPU settings applied, its volumes and mounts (writable paths, the
Key Vault CSI volume of the service's own SecretProviderClass, when global.keyVault.create and its env
reads a secret: mounting it is what syncs the service's Secret, the model claim), its container ports as a list of {name, port} ordered by
port number (the Deployment, Services and NetworkPolicies list them in that order), and whether it
gets a PodDisruptionBudget (enabled, with a floor of 2 or more: a budget over one pod would forbid
every eviction), and the keys its env reads from its own Secret (secretKeys).
*/}}
{{- define "quikapp.settings.derive" -}}
{{- $svc := .svc -}}
{{- /* Shallow copies (omit) where a map is changed: the service's maps are shared, read-only. */ -}}
{{- $nodeSelector := omit ($svc.nodeSelector | default dict) -}}
{{- $tolerations := $svc.tolerations -}}
{{- $resources := omit ($svc.resources | default dict) -}}
{{- range $kind := list "requests" "limits" -}}
  {{- if hasKey $resources $kind -}}
    {{- $_ := set $resources $kind (omit (get $resources $kind | default dict)) -}}
  {{- end -}}
{{- end -}}
{{- if $svc.gpu.enabled -}}
  {{- $nodeSelector = merge $nodeSelector $svc.gpu.nodeSelector -}}
  {{- $tolerations = concat $svc.tolerations $svc.gpu.tolerations -}}
  {{- range $kind := list "requests" "limits" -}}
    {{- $_ := set $resources $kind (merge (get $resources $kind | default dict) (dict (include "quikapp.settings.gpuResource" .) $svc.gpu.count)) -}}
  {{- end -}}
{{- end -}}
{{- range $kind, $amount := dict "requests" $svc.ephemeralStorage.request "limits" $svc.ephemeralStorage.limit -}}
  {{- $amounts := get $resources $kind | default dict -}}
  {{- if not (hasKey $amounts "ephemeral-storage") -}}
    {{- $_ := set $amounts "ephemeral-storage" $amount -}}
  {{- end -}}
  {{- $_ := set $resources $kind $amounts -}}
{{- end -}}
{{- $volumes := list -}}
{{- $mounts := list -}}
{{- range $volume, $path := $svc.writablePaths -}}
  {{- $volumes = append $volumes (dict "name" $volume "emptyDir" (dict "sizeLimit" $svc.ephemeralStorage.sizeLimit)) -}}
  {{- $mounts = append $mounts (dict "name" $volume "mountPath" $path) -}}
{{- end -}}
{{- $secretKeys := include "quikapp.settings.secretKeys" $svc | fromYamlArray -}}
{{- if and .keyVault $secretKeys -}}
  {{- $csi := dict "driver" "secrets-store.csi.k8s.io" "readOnly" true "volumeAttributes" (dict "secretProviderClass" (include "quikapp.settings.secretName" $svc)) -}}
  {{- $volumes = append $volumes (dict "name" "secrets-store" "csi" $csi) -}}
  {{- $mounts = append $mounts (dict "name" "secrets-store" "mountPath" $svc.keyVault.mountPath "readOnly" true) -}}
{{- end -}}
{{- if $svc.modelStorage.enabled -}}
  {{- $claim := include "quikapp.settings.modelClaimName" $svc -}}
  {{- $volumes = append $volumes (dict "name" "model-storage" "persistentVolumeClaim" (dict "claimName" $claim)) -}}
  {{- $mounts = append $mounts (dict "name" "model-storage" "mountPath" $svc.modelStorage.mountPath) -}}
{{- end -}}
{{- $byNumber := dict -}}
{{- range $name, $port := $svc.ports -}}
  {{- $_ := set $byNumber (printf "%05d-%s" (int $port) $name) (dict "name" $name "port" (int $port)) -}}
{{- end -}}
{{- $ports := list -}}
{{- range $key := keys $byNumber | sortAlpha -}}
  {{- $ports = append $ports (get $byNumber $key) -}}
{{- end -}}
{{- $pdb := and $svc.pdb.enabled (ge (int $svc.replicas) 2) -}}
{{- range $key, $value := dict "nodeSelector" $nodeSelector "tolerations" $tolerations "resources" $resources "volumes" $volumes "volumeMounts" $mounts "ports" $ports "pdb" $pdb "secretKeys" $secretKeys -}}
  {{- $_ := set $.out $key $value -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.settings.modelClaimName" $svc }}
ml-service -> ml-models-pvc, as the design names it.
*/}}
{{- define "quikapp.settings.modelClaimName" -}}
{{- .modelStorage.claimName | default (printf "%s-models-pvc" (trimSuffix "-service" .name)) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.settings.imageTag" (dict "ctx" $ "svc" $svc) }}
The image tag: the service's, else the environment's (global.image.tag).
*/}}
{{- define "quikapp.settings.imageTag" -}}
{{- .svc.image.tag | default .ctx.Values.global.image.tag | toString -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.settings.gpuResource" . }}
The extended resource a GPU service requests and limits (NVIDIA's device plugin), named here only:
the key of quikapp.defaults.service's gpu.tolerations is a value of its own.
*/}}
{{- define "quikapp.settings.gpuResource" -}}
nvidia.com/gpu
{{- end -}}

{{/*
Usage: {{ if include "quikapp.settings.protected" $global }}
"true" when global.environment is a protected environment (quikapp.defaults.pinnedEnvironments:
staging, and live, which calls itself production): its values cannot switch off the network
policies, the ResourceQuota, the PodDisruptionBudgets, explicit resources or pinned images.
Keyed on global.environment alone, as deploy/environments.yaml's production tier is.
*/}}
{{- define "quikapp.settings.protected" -}}
{{- if has (toString .environment) (include "quikapp.defaults.pinnedEnvironments" . | fromYamlArray) -}}true{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.settings.secretName" $svc }}
The service's own Secret, and the SecretProviderClass that syncs it: <service>-secrets.
*/}}
{{- define "quikapp.settings.secretName" -}}
{{- printf "%s-secrets" .name -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.settings.secretKeys" $svc | fromYamlArray }}
The keys the service's env reads with {secret: KEY}, sorted, each once.
*/}}
{{- define "quikapp.settings.secretKeys" -}}
{{- $keys := list -}}
{{- range $name, $source := .env -}}
  {{- if and (kindIs "map" $source) (hasKey $source "secret") (not $source.unset) -}}
    {{- $keys = append $keys (toString $source.secret) -}}
  {{- end -}}
{{- end -}}
{{- toYaml ($keys | uniq | sortAlpha) -}}
{{- end -}}
