{{/*
Usage: {{ include "quikapp.util.deepMerge" (dict "dst" $copy "src" $override) }}
Merges src into dst in place, key by key. Unlike sprig's mergeOverwrite it keeps false, 0 and "" from src.
*/}}
{{- define "quikapp.util.deepMerge" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) -}}
{{- include "quikapp.util.deepMerge" (dict "dst" (get $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key (deepCopy $value) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) }}
Merges src into dst like quikapp.util.deepMerge, without copying what it merges: a nested map of
dst is replaced by a merged shallow copy (omit) rather than changed, and src's values are shared.
Neither src nor a map that dst shares with the defaults or an earlier layer ever changes; dst's
nested maps are read-only (copy one before changing it). Deep copies were a service's largest cost.
*/}}
{{- define "quikapp.util.mergeLayer" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- $current := get $dst $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $merged := omit $current -}}
{{- include "quikapp.util.mergeLayer" (dict "dst" $merged "src" $value) -}}
{{- $_ := set $dst $key $merged -}}
{{- else -}}
{{- $_ := set $dst $key $value -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ $svc := dict }}{{ include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name "out" $svc) }}
One service's settings, merged once into `out`, the last layer winning: library defaults -> the chart's
catalogue.defaults -> catalogue.gpuDefaults (GPU services) -> catalogue.services.<name> -> the
environment's defaults -> gpuDefaults (GPU services) -> services.<name>.
The chart's layers live under `catalogue:` and the environment's at the top of the stack's values,
so Helm's coalescing of values/<env>.yaml into the chart's values never puts an environment layer
below a chart layer. A service is a GPU service when the last layer that says so says gpu.enabled.
Filled in place, not returned as YAML: a toYaml/fromYaml round trip per service was most of a
render's cost. Its nested maps are shared with the layers, so read-only (quikapp.util.mergeLayer).
The first layers are the same for every service of the chart: with a `cache` dict in $ctx, they are
merged once per chart (and once more for GPU services) instead of once per service.
*/}}
{{- define "quikapp.service.resolve" -}}
{{- $ctx := .ctx -}}
{{- $svc := .out -}}
{{- $catalogue := $ctx.Values.catalogue | default dict -}}
{{- $chartDefaults := $catalogue.defaults | default dict -}}
{{- $chartGpu := $catalogue.gpuDefaults | default dict -}}
{{- $chartService := get ($catalogue.services | default dict) .name | default dict -}}
{{- $envDefaults := $ctx.Values.defaults | default dict -}}
{{- $envGpu := $ctx.Values.gpuDefaults | default dict -}}
{{- $envService := get ($ctx.Values.services | default dict) .name | default dict -}}
{{- $gpu := false -}}
{{- range $layer := list $chartDefaults $chartService $envDefaults $envService -}}
{{- $said := dig "gpu" "enabled" "" $layer -}}
{{- if kindIs "bool" $said -}}
{{- $gpu = $said -}}
{{- end -}}
{{- end -}}
{{- $cache := dict -}}
{{- if hasKey $ctx "cache" -}}
{{- $cache = $ctx.cache -}}
{{- end -}}
{{- $baseKey := ternary "gpuBase" "base" $gpu -}}
{{- if not (hasKey $cache $baseKey) -}}
{{- $base := include "quikapp.defaults.service" $ctx | fromYaml -}}
{{- range $layer := ternary (list $chartDefaults $chartGpu) (list $chartDefaults) $gpu -}}
{{- include "quikapp.util.mergeLayer" (dict "dst" $base "src" $layer) -}}
{{- end -}}
{{- $_ := set $cache $baseKey $base -}}
{{- end -}}
{{- range $key, $value := get $cache $baseKey -}}
{{- $_ := set $svc $key $value -}}
{{- end -}}
{{- range $layer := ternary (list $chartService $envDefaults $envGpu $envService) (list $chartService $envDefaults $envService) $gpu -}}
{{- include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) -}}
{{- end -}}
{{- with $ctx.Values.global.replicaOverride -}}
{{- $_ := set $svc "replicas" . -}}
{{- end -}}
{{- $_ := set $svc "name" .name -}}
{{- $render := dict -}}
{{- include "quikapp.service.render" (dict "svc" $svc "out" $render) -}}
{{- $_ := set $svc "render" $render -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.service.render" (dict "svc" $svc "out" $render) }}
What the templates render from a merged service, decided once: the pod's node selector, tolerations
and container resources with the GPU settings applied, its volumes and mounts (writable paths, the
Key Vault CSI volume, the model claim), its container ports as a list of {name, port} ordered by
port number (the Deployment, Services and NetworkPolicies list them in that order), and whether it gets a PodDisruptionBudget (enabled, with a
floor of 2 or more: a budget over one pod would forbid every eviction).
*/}}
{{- define "quikapp.service.render" -}}
{{- $svc := .svc -}}
{{- $nodeSelector := deepCopy $svc.nodeSelector -}}
{{- $tolerations := $svc.tolerations -}}
{{- $resources := deepCopy $svc.resources -}}
{{- if $svc.gpu.enabled -}}
{{- $nodeSelector = merge $nodeSelector $svc.gpu.nodeSelector -}}
{{- $tolerations = concat $svc.tolerations $svc.gpu.tolerations -}}
{{- range $kind := list "requests" "limits" -}}
{{- $_ := set $resources $kind (merge (get $resources $kind | default dict) (dict "nvidia.com/gpu" $svc.gpu.count)) -}}
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
{{- if $svc.keyVault.enabled -}}
{{- $csi := dict "driver" "secrets-store.csi.k8s.io" "readOnly" true "volumeAttributes" (dict "secretProviderClass" $svc.keyVault.secretProviderClass) -}}
{{- $volumes = append $volumes (dict "name" "secrets-store" "csi" $csi) -}}
{{- $mounts = append $mounts (dict "name" "secrets-store" "mountPath" $svc.keyVault.mountPath "readOnly" true) -}}
{{- end -}}
{{- if $svc.modelStorage.enabled -}}
{{- $claim := include "quikapp.modelStorage.claimName" $svc -}}
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
{{- range $key, $value := dict "nodeSelector" $nodeSelector "tolerations" $tolerations "resources" $resources "volumes" $volumes "volumeMounts" $mounts "ports" $ports "pdb" $pdb -}}
{{- $_ := set $.out $key $value -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ $enabled := dict }}{{ include "quikapp.services.enabled" (dict "ctx" $ "out" $enabled) }}{{ range $svc := $enabled.services }}
From the umbrella: every enabled service of every enabled stack, merged as its stack chart merges it,
as the list `out.services`. Resolve once per template file and render everything from that list.
*/}}
{{- define "quikapp.services.enabled" -}}
{{- $root := .ctx -}}
{{- $global := include "quikapp.global" $root | fromYaml -}}
{{- $services := list -}}
{{- range $stack := $global.stacks -}}
{{- $values := index $root.Values $stack -}}
{{- if $values.enabled -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $root.Release "cache" dict -}}
{{- range $name := keys (($values.catalogue | default dict).services | default dict) | sortAlpha -}}
{{- $svc := dict -}}
{{- include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name "out" $svc) -}}
{{- if $svc.enabled -}}
{{- $services = append $services $svc -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set .out "services" $services -}}
{{- end -}}
