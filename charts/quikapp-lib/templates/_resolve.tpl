{{/*
Usage: {{ include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) }}
Merges src into dst key by key, maps into maps, anything else replacing what dst has. Unlike
sprig's mergeOverwrite it keeps false, 0 and "" from src. Nothing is copied: a nested map of dst
is replaced by a merged shallow copy (omit) rather than changed, and src's values are shared.
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
Usage: {{ include "quikapp.util.toYaml" (dict "ctx" $ctx "value" $svc.securityContext) | nindent 12 }}
toYaml of value, kept in the chart's `cache` dict of $ctx (see quikapp.service.layers) under its
JSON, so a value the services of a stack share (security contexts, the config map's checksum, the
scratch volume and its mount) is turned into YAML once per chart: toYaml goes to JSON, then parses
and writes it again as YAML, several times the cost of the toJson that finds it. Without a cache in
$ctx, plain toYaml.
*/}}
{{- define "quikapp.util.toYaml" -}}
{{- $cache := .ctx.cache -}}
{{- if kindIs "map" $cache -}}
{{- $key := printf "toYaml %s" (toJson .value) -}}
{{- if not (hasKey $cache $key) -}}
{{- $_ := set $cache $key (toYaml .value) -}}
{{- end -}}
{{- get $cache $key -}}
{{- else -}}
{{- toYaml .value -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ $layers := dict }}{{ include "quikapp.service.layers" (dict "ctx" $ctx "name" $name "out" $layers) }}
The layers of one service's settings, the last winning: library defaults -> the chart's
catalogue.defaults -> catalogue.gpuDefaults (GPU services) -> catalogue.services.<name> -> the
environment's defaults -> gpuDefaults (GPU services) -> services.<name>.
The chart's layers live under `catalogue:` and the environment's at the top of the stack's values,
so Helm's coalescing of values/<env>.yaml into the chart's values never puts an environment layer
below a chart layer. A service is a GPU service when the last layer that says so says gpu.enabled.
`out.base` is the first three merged (read-only: they are the same for every service of the chart,
so with a `cache` dict in $ctx they are merged once per chart, and once more for GPU services);
`out.own` lists the service's own layers after them, in order.
*/}}
{{- define "quikapp.service.layers" -}}
{{- $ctx := .ctx -}}
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
{{- $_ := set .out "base" (get $cache $baseKey) -}}
{{- $_ := set .out "own" (ternary (list $chartService $envDefaults $envGpu $envService) (list $chartService $envDefaults $envService) $gpu) -}}
{{- end -}}

{{/*
Usage: {{ $svc := dict }}{{ include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name "out" $svc) }}
One service's settings, its layers (quikapp.service.layers) merged once into `out`, with its
render settings (quikapp.service.render) under `render` unless "skipRender" is true. Filled in
place, not returned as YAML: a toYaml/fromYaml round trip per service was most of a render's cost.
Its nested maps are shared with the layers, so read-only (quikapp.util.mergeLayer).
*/}}
{{- define "quikapp.service.resolve" -}}
{{- $svc := .out -}}
{{- $layers := dict -}}
{{- include "quikapp.service.layers" (dict "ctx" .ctx "name" .name "out" $layers) -}}
{{- range $key, $value := $layers.base -}}
{{- $_ := set $svc $key $value -}}
{{- end -}}
{{- range $layer := $layers.own -}}
{{- include "quikapp.util.mergeLayer" (dict "dst" $svc "src" $layer) -}}
{{- end -}}
{{- with .ctx.Values.global.replicaOverride -}}
{{- $_ := set $svc "replicas" . -}}
{{- end -}}
{{- $_ := set $svc "name" .name -}}
{{- if not .skipRender -}}
{{- $render := dict -}}
{{- include "quikapp.service.render" (dict "svc" $svc "out" $render) -}}
{{- $_ := set $svc "render" $render -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.service.render" (dict "svc" $svc "out" $render) }}
What the templates render from a merged service, decided once: the pod's node selector, tolerations
and container resources with the GPU settings applied, its volumes and mounts (writable paths, the
Key Vault CSI volume, the model claim), its container ports as a list of {name, port} ordered by
port number (the Deployment, Services and NetworkPolicies list them in that order), and whether it
gets a PodDisruptionBudget (enabled, with a floor of 2 or more: a budget over one pod would forbid
every eviction).
*/}}
{{- define "quikapp.service.render" -}}
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
Usage: {{ $enabled := dict }}{{ include "quikapp.services.enabled" (dict "ctx" $ "global" $global "out" $enabled) }}{{ range $svc := $enabled.services }}
From the umbrella: every enabled service of every enabled stack as its stack chart merged it, as
the list `out.services`; `out.names` lists their names. "global" is the caller's quikapp.global, if
it has one. Helm renders the stack charts' templates before the umbrella's, and quikapp.stack.render
keeps each stack's services on the stack chart's root context ($.Subcharts.<stack>), so they are
read from there; a stack found without them is resolved here (without `render`). Once per render:
the lists are kept on the root context under "quikapp.services.enabled" for the chart's other
template files (the test pod, the PostSync Job, the SecretProviderClass and NOTES.txt all read
them), like quikapp.global's merge. The services are shared, so read-only.
*/}}
{{- define "quikapp.services.enabled" -}}
{{- $root := .ctx -}}
{{- $resolved := get $root "quikapp.services.enabled" -}}
{{- if not $resolved -}}
{{- $global := .global -}}
{{- if not $global -}}
{{- $global = dict -}}
{{- include "quikapp.global" (dict "ctx" $root "out" $global) -}}
{{- end -}}
{{- $services := list -}}
{{- $names := list -}}
{{- range $stack := $global.stacks -}}
{{- $values := index $root.Values $stack -}}
{{- if $values.enabled -}}
{{- $rendered := get (get $root "Subcharts" | default dict) $stack | default dict -}}
{{- if hasKey $rendered "quikapp.stack.services" -}}
{{- range $svc := get $rendered "quikapp.stack.services" -}}
{{- $services = append $services $svc -}}
{{- $names = append $names $svc.name -}}
{{- end -}}
{{- else -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" $stack) "Release" $root.Release "cache" dict -}}
{{- range $name := keys (($values.catalogue | default dict).services | default dict) | sortAlpha -}}
{{- $svc := dict -}}
{{- include "quikapp.service.resolve" (dict "ctx" $ctx "name" $name "out" $svc "skipRender" true) -}}
{{- if $svc.enabled -}}
{{- $services = append $services $svc -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $resolved = dict "services" $services "names" $names -}}
{{- $_ := set $root "quikapp.services.enabled" $resolved -}}
{{- end -}}
{{- $_ := set .out "services" $resolved.services -}}
{{- $_ := set .out "names" $resolved.names -}}
{{- end -}}
