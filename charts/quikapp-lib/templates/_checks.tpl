{{/*
Usage: {{ $found := dict "problems" list }}{{ include "quikapp.checks.service" (dict "ctx" $ "svc" $svc "out" $found) }}
What a schema cannot say about one merged service: messages naming the values key, appended to the
list `out.problems`, in the order of the checks below.
*/}}
{{- define "quikapp.checks.service" -}}
{{- $args := dict "ctx" .ctx "svc" .svc "key" (printf "%s.services.%s" .ctx.Chart.Name .svc.name) "out" .out -}}
{{- $checks := list "quikapp.checks.scaling" "quikapp.checks.image" "quikapp.checks.resources" "quikapp.checks.ports" "quikapp.checks.egress" "quikapp.checks.servicePorts" "quikapp.checks.names" "quikapp.checks.annotations" "quikapp.checks.secrets" "quikapp.checks.protected" -}}
{{- range $check := $checks -}}
  {{- include $check $args -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.scaling" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
The replica floor within the HPA's range, a PodDisruptionBudget that allows an eviction, and a rollout with room to move.
*/}}
{{- define "quikapp.checks.scaling" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $replicas := int $svc.replicas -}}
{{- if and $svc.autoscaling.enabled (gt $replicas (int $svc.autoscaling.maxReplicas)) -}}
  {{- $problems = append $problems (printf "%s.replicas: %d is above autoscaling.maxReplicas %d (HPA min above max)" $key $replicas (int $svc.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if $svc.derived.pdb -}}
  {{- if and $svc.pdb.minAvailable (ge (int $svc.pdb.minAvailable) $replicas) -}}
    {{- $problems = append $problems (printf "%s.pdb.minAvailable: %d with %d replicas forbids every eviction" $key (int $svc.pdb.minAvailable) $replicas) -}}
  {{- else if and (not $svc.pdb.minAvailable) (lt (int $svc.pdb.maxUnavailable) 1) -}}
    {{- $problems = append $problems (printf "%s.pdb.maxUnavailable: %d forbids every eviction" $key (int $svc.pdb.maxUnavailable)) -}}
  {{- end -}}
{{- end -}}
{{- if and (eq (toString $svc.rollout.maxSurge) "0" "0%") (eq (toString $svc.rollout.maxUnavailable) "0" "0%") -}}
  {{- $problems = append $problems (printf "%s.rollout: maxSurge and maxUnavailable both 0 leave a rollout no room" $key) -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.image" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
Where global.image.requirePinned is set or the environment is protected (quikapp.defaults.pinnedEnvironments):
a digest, or a version tag (quikapp.util.isVersionTag). An allow-list: any other tag is refused.
*/}}
{{- define "quikapp.checks.image" -}}
{{- $svc := .svc -}}
{{- $global := .ctx.Values.global -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $pinned := or $global.image.requirePinned (include "quikapp.settings.protected" $global) -}}
{{- if and $pinned (not $svc.image.digest) -}}
  {{- $tag := include "quikapp.settings.imageTag" . -}}
  {{- if not (include "quikapp.util.isVersionTag" $tag) -}}
    {{- $where := ternary (printf "%s.image.tag" $key) "global.image.tag" (not (empty $svc.image.tag)) -}}
    {{- $problems = append $problems (printf "%s: %q is not a version (x.y.z) or missing; %s pins image tags (set a version or a digest)" $where $tag $global.environment) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.resources" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
cpu and memory requests and limits where the environment requires them; a GPU service's count and
node selector.
*/}}
{{- define "quikapp.checks.resources" -}}
{{- $svc := .svc -}}
{{- $global := .ctx.Values.global -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- if $global.requireExplicitResources -}}
  {{- range $kind := list "requests" "limits" -}}
    {{- range $resource := list "cpu" "memory" -}}
      {{- if not (get (get $svc.resources $kind | default dict) $resource) -}}
        {{- $problems = append $problems (printf "%s.resources.%s.%s: required in %s" $key $kind $resource $global.environment) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- if $svc.gpu.enabled -}}
  {{- if lt (int $svc.gpu.count) 1 -}}
    {{- $problems = append $problems (printf "%s.gpu.count: a GPU service needs an %s limit of at least 1" $key (include "quikapp.settings.gpuResource" .)) -}}
  {{- end -}}
  {{- if not (get $svc.gpu.nodeSelector "kubernetes.io/accelerator") -}}
    {{- $problems = append $problems (printf "%s.gpu.nodeSelector: a GPU service needs the kubernetes.io/accelerator node selector" $key) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.ports" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
No port number twice; the probes' and metrics' ports name ports of the service.
*/}}
{{- define "quikapp.checks.ports" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $seen := dict -}}
{{- range $name, $port := $svc.ports -}}
  {{- $number := toString $port -}}
  {{- if hasKey $seen $number -}}
    {{- $problems = append $problems (printf "%s.ports.%s: port %s is already used by ports.%s" $key $name $number (get $seen $number)) -}}
  {{- end -}}
  {{- $_ := set $seen $number $name -}}
{{- end -}}
{{- $named := dict "probes.liveness.port" (dig "liveness" "port" "http" $svc.probes) "probes.readiness.port" (dig "readiness" "port" "http" $svc.probes) -}}
{{- if $svc.metrics.enabled -}}
  {{- $_ := set $named "metrics.port" $svc.metrics.port -}}
{{- end -}}
{{- range $field, $name := $named -}}
  {{- if and (hasKey $svc.ports "http") (not (hasKey $svc.ports $name)) -}}
    {{- $problems = append $problems (printf "%s.%s: %q names no port of the service (ports: %s)" $key $field $name (keys $svc.ports | sortAlpha | join ", ")) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.egress" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
egress.dataStores names known stores, whose CIDRs are neither link-local nor wider than /8.
*/}}
{{- define "quikapp.checks.egress" -}}
{{- $svc := .svc -}}
{{- $global := .ctx.Values.global -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- range $store := $svc.egress.dataStores -}}
  {{- if not (hasKey $global.networkPolicy.dataStores $store) -}}
    {{- $problems = append $problems (printf "%s.egress.dataStores: %q is not in global.networkPolicy.dataStores (%s)" $key $store (keys $global.networkPolicy.dataStores | sortAlpha | join ", ")) -}}
  {{- else -}}
    {{- range $cidr := (get $global.networkPolicy.dataStores $store).cidrs | default list -}}
      {{- if or (hasPrefix "169.254." $cidr) (lt (int (last (splitList "/" $cidr))) 8) -}}
        {{- $problems = append $problems (printf "global.networkPolicy.dataStores.%s.cidrs: %s is link-local (cloud metadata) or wider than /8; name the store's own addresses" $store $cidr) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.servicePorts" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
servicePorts and clustering.headlessPorts name ports of the service, which has an http port.
*/}}
{{- define "quikapp.checks.servicePorts" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- range $field, $names := dict "servicePorts" $svc.servicePorts "clustering.headlessPorts" $svc.clustering.headlessPorts -}}
  {{- range $name := $names -}}
    {{- if not (hasKey $svc.ports $name) -}}
      {{- $problems = append $problems (printf "%s.%s: %q names no port of the service (ports: %s)" $key $field $name (keys $svc.ports | sortAlpha | join ", ")) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- if not (hasKey $svc.ports "http") -}}
  {{- $problems = append $problems (printf "%s.ports.http: every service needs an http port (probes, metrics, Service)" $key) -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.names" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
Object names within Kubernetes' 63 characters.
*/}}
{{- define "quikapp.checks.names" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $names := list (printf "%s-allow-ingress" $svc.name) (printf "%s-headless" $svc.name) -}}
{{- if $svc.modelStorage.enabled -}}
  {{- $names = append $names (include "quikapp.settings.modelClaimName" $svc) -}}
{{- end -}}
{{- range $name := $names -}}
  {{- if gt (len $name) 63 -}}
    {{- $problems = append $problems (printf "%s: object name %s is longer than 63 characters" $key $name) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.annotations" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
Ingress annotations from the allow-list only (quikapp.defaults.ingressAnnotations): no snippet, and
traffic mirroring and external auth only to an in-cluster Service (a host ending in .svc or
.svc.cluster.local). Pod annotations never set AppArmor or seccomp (podSecurityContext does), nor
the keys the chart writes itself (prometheus.io/*, checksum/*).
*/}}
{{- define "quikapp.checks.annotations" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $allowed := include "quikapp.defaults.ingressAnnotations" . | fromYamlArray -}}
{{- if $svc.ingress.enabled -}}
  {{- range $name, $value := $svc.ingress.annotations -}}
    {{- $where := printf "%s.ingress.annotations.%s" $key $name -}}
    {{- if contains "snippet" $name -}}
      {{- $problems = append $problems (printf "%s: snippets inject raw nginx configuration (ingress-nginx rates them Critical); refused" $where) -}}
    {{- else if not (has $name $allowed) -}}
      {{- $problems = append $problems (printf "%s: not an annotation the charts support (quikapp.defaults.ingressAnnotations lists them)" $where) -}}
    {{- else if or (hasSuffix "/mirror-target" $name) (hasSuffix "/auth-url" $name) -}}
      {{- $host := regexReplaceAll "^https?://([^/:?#$]*).*$" (toString $value) "${1}" -}}
      {{- if or (not (regexMatch "^https?://" (toString $value))) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\.svc(\\.cluster\\.local)?$" $host)) -}}
        {{- $problems = append $problems (printf "%s: only to an in-cluster Service (http(s)://NAME.NAMESPACE.svc[.cluster.local]/...): requests and their credentials would leave the cluster" $where) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- range $name, $value := $svc.podAnnotations -}}
  {{- $domain := first (splitList "/" $name) -}}
  {{- if and (contains "/" $name) (or (contains "apparmor" $domain) (contains "seccomp" $domain)) -}}
    {{- $problems = append $problems (printf "%s.podAnnotations.%s: AppArmor and seccomp are set by podSecurityContext (appArmorProfile, seccompProfile), never by annotation" $key $name) -}}
  {{- else if or (hasPrefix "prometheus.io/" $name) (hasPrefix "checksum/" $name) -}}
    {{- $problems = append $problems (printf "%s.podAnnotations.%s: written by the chart (metrics.*, the config checksum); a second value would make the key ambiguous" $key $name) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.secrets" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
A service reads secrets from its own Secret only: {secret: KEY} names no other Secret.
*/}}
{{- define "quikapp.checks.secrets" -}}
{{- $svc := .svc -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- range $name, $source := $svc.env -}}
  {{- if and (kindIs "map" $source) (hasKey $source "secret") (not $source.unset) (hasKey $source "name") (ne (toString $source.name) (include "quikapp.settings.secretName" $svc)) -}}
    {{- $problems = append $problems (printf "%s.env.%s.name: a service reads only its own Secret %s; leave name out" $key $name (include "quikapp.settings.secretName" $svc)) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.protected" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
In a protected environment (quikapp.settings.protected) every service keeps its PodDisruptionBudget.
*/}}
{{- define "quikapp.checks.protected" -}}
{{- $global := .ctx.Values.global -}}
{{- if and (include "quikapp.settings.protected" $global) (not .svc.pdb.enabled) -}}
  {{- $_ := set .out "problems" (append .out.problems (printf "%s.pdb.enabled: false is refused in %s (a protected environment keeps its PodDisruptionBudgets)" .key $global.environment)) -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.global" (dict "global" $global "out" $found) }}
What protects a protected environment (quikapp.settings.protected) and its values cannot switch off:
the network policies, the ResourceQuota, explicit resources, the replica floors (no replicaOverride),
a pinned smoke-test image. The smoke
test's image is pinned wherever the services' are.
*/}}
{{- define "quikapp.checks.global" -}}
{{- $global := .global -}}
{{- $env := $global.environment -}}
{{- $problems := list -}}
{{- if include "quikapp.settings.protected" $global -}}
  {{- if not $global.networkPolicy.enabled -}}
    {{- $problems = append $problems (printf "global.networkPolicy.enabled: false is refused in %s (a protected environment keeps its network policies)" $env) -}}
  {{- end -}}
  {{- range $quota := list "requests.cpu" "requests.memory" "limits.cpu" "limits.memory" "pods" -}}
    {{- if not (hasKey $global.resourceQuota $quota) -}}
      {{- $problems = append $problems (printf "global.resourceQuota.%s: required in %s (a protected environment keeps its ResourceQuota)" $quota $env) -}}
    {{- end -}}
  {{- end -}}
  {{- if gt (int $global.replicaOverride) 0 -}}
    {{- $problems = append $problems (printf "global.replicaOverride: %d is refused in %s (it would run every service below its floor and drop its PodDisruptionBudget)" (int $global.replicaOverride) $env) -}}
  {{- end -}}
  {{- if not $global.requireExplicitResources -}}
    {{- $problems = append $problems (printf "global.requireExplicitResources: false is refused in %s (a protected environment states every request and limit)" $env) -}}
  {{- end -}}
{{- end -}}
{{- if or $global.image.requirePinned (include "quikapp.settings.protected" $global) -}}
  {{- $image := toString $global.smokeTest.image -}}
  {{- $tag := regexReplaceAll "^.*:" (last (splitList "/" $image)) "" -}}
  {{- if and (not (regexMatch "@sha256:[a-f0-9]{64}$" $image)) (or (not (contains ":" (last (splitList "/" $image)))) (not (include "quikapp.util.isVersionTag" $tag))) -}}
    {{- $problems = append $problems (printf "global.smokeTest.image: %q has no version tag (x.y.z) or digest; %s pins images" $image $env) -}}
  {{- end -}}
{{- end -}}
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.report" $problems }}
Fails once with every problem found, so one run shows all of them.
*/}}
{{- define "quikapp.checks.report" -}}
{{- $problems := uniq . -}}
{{- if $problems -}}
  {{- fail (printf "\n%d problem(s) in the values:\n  - %s" (len $problems) (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
