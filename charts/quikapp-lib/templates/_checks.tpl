{{/*
Usage: {{ $found := dict "problems" list }}{{ include "quikapp.checks.service" (dict "ctx" $ "svc" $svc "out" $found) }}
What a schema cannot say about one merged service: messages naming the values key, appended to the
list `out.problems`, in the order of the checks below.
*/}}
{{- define "quikapp.checks.service" -}}
{{- $args := dict "ctx" .ctx "svc" .svc "key" (printf "%s.services.%s" .ctx.Chart.Name .svc.name) "out" .out -}}
{{- $checks := list "quikapp.checks.scaling" "quikapp.checks.image" "quikapp.checks.resources" "quikapp.checks.ports" "quikapp.checks.egress" "quikapp.checks.servicePorts" "quikapp.checks.names" -}}
{{- range $check := $checks -}}
  {{- include $check $args -}}
{{- end -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.scaling" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
The replica floor within the HPA's range, and a PodDisruptionBudget that allows an eviction.
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
{{- $_ := set .out "problems" (concat .out.problems $problems) -}}
{{- end -}}

{{/*
Usage: {{ include "quikapp.checks.image" (dict "ctx" $ "svc" $svc "key" $key "out" $found) }}
A pinned tag or a digest where global.image.requirePinned is set or the environment is one of
quikapp.defaults.pinnedEnvironments.
*/}}
{{- define "quikapp.checks.image" -}}
{{- $svc := .svc -}}
{{- $global := .ctx.Values.global -}}
{{- $key := .key -}}
{{- $problems := list -}}
{{- $pinned := or $global.image.requirePinned (has $global.environment (include "quikapp.defaults.pinnedEnvironments" . | fromYamlArray)) -}}
{{- if and $pinned (not $svc.image.digest) -}}
  {{- $tag := include "quikapp.settings.imageTag" . -}}
  {{- if or (not $tag) (eq $tag "latest") (hasSuffix "-latest" $tag) (has $tag $global.image.mutableTags) -}}
    {{- $where := ternary (printf "%s.image.tag" $key) "global.image.tag" (not (empty $svc.image.tag)) -}}
    {{- $problems = append $problems (printf "%s: %q is mutable or missing; %s pins image tags (set a version or a digest)" $where $tag $global.environment) -}}
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
Usage: {{ include "quikapp.checks.report" $problems }}
Fails once with every problem found, so one run shows all of them.
*/}}
{{- define "quikapp.checks.report" -}}
{{- $problems := uniq . -}}
{{- if $problems -}}
  {{- fail (printf "\n%d problem(s) in the values:\n  - %s" (len $problems) (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
