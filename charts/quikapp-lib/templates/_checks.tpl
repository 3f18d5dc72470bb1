{{/*
Usage: {{ $found := dict "problems" list }}{{ include "quikapp.checks.service" (dict "ctx" $ "svc" $svc "out" $found) }}
What a schema cannot say about one merged service: messages naming the values key, appended to the
list `out.problems`.
*/}}
{{- define "quikapp.checks.service" -}}
{{- $ctx := .ctx -}}
{{- $svc := .svc -}}
{{- $global := $ctx.Values.global -}}
{{- $key := printf "%s.services.%s" $ctx.Chart.Name $svc.name -}}
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
{{- $pinned := or $global.image.requirePinned (has $global.environment (list "staging" "production" "live")) -}}
{{- if and $pinned (not $svc.image.digest) -}}
{{- $tag := include "quikapp.settings.imageTag" . -}}
{{- if or (not $tag) (eq $tag "latest") (hasSuffix "-latest" $tag) (has $tag $global.image.mutableTags) -}}
{{- $where := ternary (printf "%s.image.tag" $key) "global.image.tag" (not (empty $svc.image.tag)) -}}
{{- $problems = append $problems (printf "%s: %q is mutable or missing; %s pins image tags (set a version or a digest)" $where $tag $global.environment) -}}
{{- end -}}
{{- end -}}
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
{{- $problems = append $problems (printf "%s.gpu.count: a GPU service needs an nvidia.com/gpu limit of at least 1" $key) -}}
{{- end -}}
{{- if not (get $svc.gpu.nodeSelector "kubernetes.io/accelerator") -}}
{{- $problems = append $problems (printf "%s.gpu.nodeSelector: a GPU service needs the kubernetes.io/accelerator node selector" $key) -}}
{{- end -}}
{{- end -}}
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
{{- range $field, $names := dict "servicePorts" $svc.servicePorts "clustering.headlessPorts" $svc.clustering.headlessPorts -}}
{{- range $name := $names -}}
{{- if not (hasKey $svc.ports $name) -}}
{{- $problems = append $problems (printf "%s.%s: %q names no port of the service (ports: %s)" $key $field $name (keys $svc.ports | sortAlpha | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := list "http" -}}
{{- if not (hasKey $svc.ports $name) -}}
{{- $problems = append $problems (printf "%s.ports.http: every service needs an http port (probes, metrics, Service)" $key) -}}
{{- end -}}
{{- end -}}
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
