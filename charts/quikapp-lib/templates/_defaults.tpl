{{/*
The one description of every values key of a service entry and of `global`: each key's default
stands under `## @param PATH TYPE DESCRIPTION` (a YAML comment, so Helm reads only the default).
`quikapp-charts generate` builds the values schemas and the README tables from these lines
(tools/quikapp_charts/catalogue/values_reference.py; TYPE is one of catalogue/values_types.py), and
fails when a key has a default but no @param line. A key without a default has its @param line alone.
*/}}

{{/*
Usage: {{ include "quikapp.defaults.service" $ | fromYaml }}
Library defaults for every service: the first layer of the merge, secure by default.
Stack charts override them under `catalogue:`, environments under `defaults:` and `services.<name>:`.
*/}}
{{- define "quikapp.defaults.service" -}}
## @param enabled boolean Render the service at all.
enabled: true
## @param tier dns-name The `tier` label (backend, realtime, ai, ...) and the network policies' caller groups.
tier: backend
## @param image object The container image; registry and tag fall back to `global.image`.
image:
  ## @param image.registry registry-or-empty Registry of the image; empty: `global.image.registry`.
  registry: ""
  ## @param image.repository repository Repository of the image; empty: the service name.
  repository: ""
  ## @param image.tag image-tag? Tag of the image; empty: `global.image.tag`.
  tag: ""
  ## @param image.digest digest? sha256 digest; when set it pins the image instead of the tag.
  digest: ""
  # Always: the kubelet asks the registry each time, so a pod cannot start from another pod's
  # cached copy of a private image without the pull credentials (a cheap manifest check).
  ## @param image.pullPolicy enum[Always,IfNotPresent,Never] imagePullPolicy of the container.
  pullPolicy: Always
## @param ports ports Container ports by name (http, grpc, metrics, ...); generated from the service table.
ports: {}
## @param servicePorts set[port-name] Port names the ClusterIP Service exposes; empty: every port.
servicePorts: []
## @param replicas integer[1,1000] The replica floor (at least 1): the HPA's minReplicas, or the Deployment's replicas without an HPA.
replicas: 1
## @param autoscaling object The HorizontalPodAutoscaler.
autoscaling:
  ## @param autoscaling.enabled boolean Render an HPA; it owns the count (a Deployment starts at the floor, an upgrade keeps its count).
  enabled: true
  ## @param autoscaling.maxReplicas integer[1,1000] The HPA's ceiling; generated from the service table.
  maxReplicas: 1
  ## @param autoscaling.cpuUtilization utilization Target average CPU utilisation in percent; false: no CPU metric.
  cpuUtilization: 70
  ## @param autoscaling.memoryUtilization utilization Target average memory utilisation in percent; false: no memory metric.
  memoryUtilization: 80
  ## @param autoscaling.podsMetrics pods-metrics Pods metrics by name and their target average value.
  podsMetrics: {}
## @param pdb object The PodDisruptionBudget (rendered for a floor of 2 or more).
pdb:
  ## @param pdb.enabled boolean Render a PodDisruptionBudget.
  enabled: false
  ## @param pdb.minAvailable int-or-percent|null minAvailable; null: use maxUnavailable. Must leave room for one eviction.
  minAvailable: null
  ## @param pdb.maxUnavailable int-or-percent maxUnavailable when minAvailable is null.
  maxUnavailable: 1
## @param rollout object The Deployment's rolling update (Kubernetes' defaults: 25% and 25%).
rollout:
  ## @param rollout.maxSurge int-or-percent Pods started above the count while rolling; 0: one stops before its replacement starts (the GPU services: no idle GPU at peak).
  maxSurge: 25%
  ## @param rollout.maxUnavailable int-or-percent Pods of the count that may be down while rolling; at least 1 where maxSurge is 0.
  maxUnavailable: 25%
## @param env env-map Environment variables by name: a literal, {secret: KEY}, {config: KEY}, {field: PATH}, {value: V} or {unset: true} to remove one a lower layer set.
env: {}
## @param resources object Container requests and limits (required in staging and live).
resources: {}
  ## @param resources.requests resource-map Requests by resource name.
  ## @param resources.limits resource-map Limits by resource name.
## @param probes object Liveness and readiness HTTP probes.
probes:
  ## @param probes.liveness object The liveness probe.
  liveness: {}
  ## @param probes.readiness object The readiness probe.
  readiness: {}
  ## @param probes.*.path http-path HTTP path of the probe.
  ## @param probes.*.port port-name Port name the probe calls.
  ## @param probes.*.initialDelaySeconds integer[0,3600] Seconds before the first probe.
  ## @param probes.*.periodSeconds integer[1,3600] Seconds between probes.
  ## @param probes.*.timeoutSeconds integer[1,3600] Seconds before a probe times out.
  ## @param probes.*.failureThreshold integer[1,100] Failures before the probe fails.
  ## @param probes.*.successThreshold integer[1,100] Successes before the probe passes again.
## @param metrics object Prometheus scraping (pod annotations and the policy that admits Prometheus).
metrics:
  ## @param metrics.enabled boolean Annotate the pods for scraping.
  enabled: true
  ## @param metrics.port port-name Port name Prometheus scrapes.
  port: http
  ## @param metrics.path http-path Path Prometheus scrapes.
  path: /metrics
## @param antiAffinity enum[preferred,required] Spread pods over nodes: preferred or required.
antiAffinity: preferred
## @param clustering object Erlang distribution between the service's pods (a headless Service).
clustering:
  ## @param clustering.enabled boolean Render the headless Service and the node names for clustering.
  enabled: false
  ## @param clustering.headlessPorts set[port-name] Port names the headless Service exposes.
  headlessPorts: []
## @param ingress object The Ingress (ingress-nginx).
ingress:
  ## @param ingress.enabled boolean Render an Ingress.
  enabled: false
  ## @param ingress.className dns-name ingressClassName.
  className: nginx
  ## @param ingress.host hostname? Host name; required when enabled.
  host: ""
  ## @param ingress.path http-path Path of the rule.
  path: /
  ## @param ingress.pathType enum[Prefix,Exact,ImplementationSpecific] pathType of the rule.
  pathType: Prefix
  ## @param ingress.tlsSecret dns-name? Secret with the TLS certificate; empty: no TLS section.
  tlsSecret: ""
  # WebSocket traffic: long-lived connections need nginx's proxy timeouts raised.
  ## @param ingress.websocket boolean Raise nginx's proxy timeouts for long-lived WebSocket connections.
  websocket: false
  ## @param ingress.websocketTimeoutSeconds integer[1,86400] Proxy read and send timeout for WebSocket connections.
  websocketTimeoutSeconds: 3600
  ## @param ingress.annotations annotations Further Ingress annotations, from quikapp.defaults.ingressAnnotations only (no snippets; mirror and auth URLs to in-cluster Services only).
  annotations: {}
## @param gpu object GPU scheduling: limits, node selector and toleration.
gpu:
  ## @param gpu.enabled boolean Request GPUs and schedule on GPU nodes only.
  enabled: false
  ## @param gpu.count integer[0,16] nvidia.com/gpu limit per pod.
  count: 1
  ## @param gpu.nodeSelector node-selector Node labels of the GPU nodes.
  nodeSelector:
    kubernetes.io/accelerator: nvidia-tesla-v100
  ## @param gpu.tolerations tolerations Tolerations for the GPU nodes' taints.
  tolerations:
    - key: nvidia.com/gpu
      operator: Exists
      effect: NoSchedule
## @param modelStorage object A PersistentVolumeClaim with the models, mounted into the pods.
modelStorage:
  ## @param modelStorage.enabled boolean Render and mount the claim.
  enabled: false
  ## @param modelStorage.claimName dns-name? Name of the claim; empty: <service>-models-pvc.
  claimName: ""
  ## @param modelStorage.mountPath mount-path Where the models are mounted.
  mountPath: /models
  ## @param modelStorage.size quantity-string Requested storage.
  size: 100Gi
  ## @param modelStorage.storageClassName dns-name? StorageClass; empty: the cluster's default.
  storageClassName: ""
  ## @param modelStorage.accessModes access-modes Access modes of the claim.
  accessModes: [ReadWriteMany]
# A service whose env reads {secret: KEY} gets its own SecretProviderClass and Secret, both named
# <service>-secrets, holding only those keys; its pods mount the class, which syncs the Secret.
## @param keyVault object The Key Vault CSI volume of the service's own secrets (mounted when its env reads any).
keyVault:
  ## @param keyVault.mountPath mount-path Where the service's secrets are mounted.
  mountPath: /mnt/secrets
## @param callers set[dns-name] Services (by name) or tiers allowed to call this one on its Service ports.
callers: []
## @param egress object Where the pods may connect besides DNS and the services that list them as callers.
egress:
  ## @param egress.internet boolean HTTPS (443) to public addresses (the service table's Internet column).
  internet: false
  ## @param egress.dataStores set[dns-name] Data stores reached, by name in global.networkPolicy.dataStores.
  dataStores: []
## @param writablePaths writable-paths emptyDir volumes by name and mount path (the root filesystem is read-only).
writablePaths:
  tmp: /tmp
# Pod Security "restricted", and nothing a values file could use to loosen it: no privileged mode,
# no privilege escalation, no added capability, no root, no host namespaces or paths (no key for
# either), no sysctls.
## @param podSecurityContext object The pod's securityContext (restricted by default).
podSecurityContext:
  ## @param podSecurityContext.runAsNonRoot const:true Always true: the pods run as non-root.
  runAsNonRoot: true
  ## @param podSecurityContext.runAsUser non-root-id UID the processes run as (not 0).
  runAsUser: 10001
  ## @param podSecurityContext.runAsGroup non-root-id GID the processes run as (not 0).
  runAsGroup: 10001
  ## @param podSecurityContext.fsGroup non-root-id GID that owns the mounted volumes (not 0).
  fsGroup: 10001
  ## @param podSecurityContext.seccompProfile object[required:type] The seccomp profile (RuntimeDefault by default).
  seccompProfile:
    ## @param podSecurityContext.seccompProfile.type enum[RuntimeDefault,Localhost] RuntimeDefault or Localhost (never Unconfined).
    type: RuntimeDefault
  # AppArmor by the pod's field, never by annotation (podAnnotations refuses the AppArmor keys).
  ## @param podSecurityContext.appArmorProfile object[required:type] The AppArmor profile (RuntimeDefault by default).
  appArmorProfile:
    ## @param podSecurityContext.appArmorProfile.type enum[RuntimeDefault,Localhost] RuntimeDefault or Localhost (never Unconfined).
    type: RuntimeDefault
    ## @param podSecurityContext.appArmorProfile.localhostProfile seccomp-file The node's profile name, with type Localhost.
  ## @param podSecurityContext.supplementalGroups list[non-root-id] Further GIDs of the processes (not 0).
  ## @param podSecurityContext.fsGroupChangePolicy enum[OnRootMismatch,Always] When volume ownership is changed to fsGroup.
    ## @param podSecurityContext.seccompProfile.localhostProfile seccomp-file The node's profile file, with type Localhost.
## @param securityContext object The container's securityContext (restricted by default).
securityContext:
  ## @param securityContext.allowPrivilegeEscalation const:false Always false.
  allowPrivilegeEscalation: false
  ## @param securityContext.readOnlyRootFilesystem const:true Always true: writable paths are emptyDirs (`writablePaths`).
  readOnlyRootFilesystem: true
  ## @param securityContext.runAsNonRoot const:true Always true: the pods run as non-root.
  runAsNonRoot: true
  ## @param securityContext.capabilities object[required:drop] Linux capabilities: ALL dropped, none added.
  capabilities:
    ## @param securityContext.capabilities.drop capabilities-drop Capabilities dropped; must contain ALL.
    drop: [ALL]
    ## @param securityContext.capabilities.add no-items Capabilities added; must stay empty.
  ## @param securityContext.seccompProfile object[required:type] The seccomp profile (RuntimeDefault by default).
  seccompProfile:
    ## @param securityContext.seccompProfile.type enum[RuntimeDefault,Localhost] RuntimeDefault or Localhost (never Unconfined).
    type: RuntimeDefault
  ## @param securityContext.privileged const:false Always false.
  ## @param securityContext.runAsUser non-root-id UID the processes run as (not 0).
  ## @param securityContext.runAsGroup non-root-id GID the processes run as (not 0).
    ## @param securityContext.seccompProfile.localhostProfile seccomp-file The node's profile file, with type Localhost.
## @param terminationGracePeriodSeconds integer[0,3600] Seconds a pod has to stop.
terminationGracePeriodSeconds: 30
## @param ephemeralStorage object Scratch space on the node.
ephemeralStorage:
  ## @param ephemeralStorage.request quantity-string ephemeral-storage request, where resources name none.
  request: 128Mi
  ## @param ephemeralStorage.limit quantity-string ephemeral-storage limit, where resources name none.
  limit: 1Gi
  ## @param ephemeralStorage.sizeLimit quantity-string sizeLimit of each writable path's emptyDir.
  sizeLimit: 256Mi
## @param podAnnotations pod-annotations Further pod annotations (no AppArmor or seccomp keys: those are podSecurityContext fields).
podAnnotations: {}
## @param nodeSelector node-selector Node labels the pods must run on.
nodeSelector: {}
## @param tolerations tolerations Tolerations of the pods.
tolerations: []
{{- end -}}

{{/*
Usage: {{ include "quikapp.defaults.global" $ | fromYaml }}
Defaults of the `global:` values every chart shares; values/<env>.yaml overrides them.
*/}}
{{- define "quikapp.defaults.global" -}}
## @param environment dns-name The environment's name: ENVIRONMENT in quikapp-config and the name in error messages.
environment: local
## @param namespace dns-name? Namespace of every object; empty: the release namespace.
namespace: ""
## @param stacks stack-names The stacks the environment runs.
stacks: [spring-boot, nestjs, elixir, go, python]
## @param image object Image defaults of every service.
image:
  ## @param image.registry registry Registry of every image without its own.
  registry: quikapp.azurecr.io
  ## @param image.tag image-tag Tag of every image without its own (the QuikApp release).
  tag: latest
  ## @param image.requirePinned boolean Require a version tag (x.y.z, semver) or a digest; always on in the protected environments (staging, live).
  requirePinned: false
## @param zoneSpread boolean Spread every service's pods across zones (staging and live).
zoneSpread: false
## @param replicaOverride integer[0,100] When above 0, every service runs this many replicas whatever its floor (refused in the protected environments).
replicaOverride: 0
## @param requireExplicitResources boolean Every service must state CPU and memory requests and limits.
requireExplicitResources: false
# The Key Vault behind the services' secrets: per service that reads any, a SecretProviderClass
# <service>-secrets syncing only its keys into its own Secret <service>-secrets while its pods run.
## @param keyVault object The Azure Key Vault behind every service's own Secret.
keyVault:
  ## @param keyVault.create boolean Render each service's SecretProviderClass and mount it (false: the <service>-secrets Secrets are made another way).
  create: true
  ## @param keyVault.vaultName vault-name Name of the Key Vault.
  vaultName: quikapp-kv
  ## @param keyVault.tenantId uuid? Azure tenant ID of the vault.
  tenantId: ""
  ## @param keyVault.clientId uuid? Client ID of the workload identity that reads the vault.
  clientId: ""
## @param configMapName dns-name The ConfigMap the services' {config: KEY} env vars read.
configMapName: quikapp-config
## @param serviceAccountName dns-name The ServiceAccount the pods run as.
serviceAccountName: quikapp-service
## @param priorityClassName dns-name? PriorityClass of every service's pods (quikapp-production or quikapp-non-production, set by the Argo CD Applications from the environment's tier); empty: none.
priorityClassName: ""
## @param config config-entries quikapp-config entries besides ENVIRONMENT.
config:
  ## @param config.LOG_LEVEL enum[debug,info,warn,error] Log level of every service.
  LOG_LEVEL: info
  ## @param config.KAFKA_BROKERS brokers? Kafka bootstrap servers, host:port,...
  KAFKA_BROKERS: ""
  ## @param config.ENVIRONMENT never Not settable: comes from global.environment.
## @param resourceQuota resource-quota spec.hard of the namespace's ResourceQuota; empty: none.
resourceQuota: {}
# Ingress and egress are closed for every pod of the namespace unless a policy opens them.
## @param networkPolicy object The network policies: default-deny plus what the services need.
networkPolicy:
  ## @param networkPolicy.enabled boolean Render the network policies (always true in the protected environments).
  enabled: true
  ## @param networkPolicy.dnsNamespace dns-name Namespace of cluster DNS.
  dnsNamespace: kube-system
  # Pods outside the namespace that reach in: the namespace and the pods' labels, both.
  ## @param networkPolicy.ingressController object The ingress controller's pods, which reach services with an Ingress.
  ingressController:
    ## @param networkPolicy.ingressController.namespace dns-name Namespace of the ingress controller.
    namespace: ingress-nginx
    ## @param networkPolicy.ingressController.podLabels node-selector Labels of the controller's pods (all required).
    podLabels:
      app.kubernetes.io/name: ingress-nginx
      app.kubernetes.io/component: controller
  ## @param networkPolicy.prometheus object Prometheus's pods, which reach the metrics ports.
  prometheus:
    ## @param networkPolicy.prometheus.namespace dns-name Namespace of Prometheus.
    namespace: monitoring
    ## @param networkPolicy.prometheus.podLabels node-selector Labels of Prometheus's pods (all required).
    podLabels:
      app.kubernetes.io/name: prometheus
  ## @param networkPolicy.gatewayPort port Port of backend-gateway the ingress controller reaches.
  gatewayPort: 3000
  # What a service's egress.dataStores may name: in-cluster stores by namespace, managed ones
  # (Azure Cache for Redis, Event Hubs' Kafka endpoint) by the CIDR of their private endpoints.
  ## @param networkPolicy.dataStores data-stores Data stores by name: in-cluster by namespace, managed ones by CIDR, with their ports.
  dataStores:
    database:
      namespace: database
      ports: [3306, 5432, 27017]
    redis:
      cidrs: [10.240.16.0/24]
      ports: [6379, 6380]
    kafka:
      cidrs: [10.240.17.0/24]
      ports: [9092]
  # egress.internet opens HTTPS (443) to every address except the fixed floor
  # (quikapp.defaults.internetExceptFloor: private, carrier-grade NAT and link-local ranges, the
  # metadata endpoint 169.254.169.254 among them) and these, which add to it and never replace it.
  ## @param networkPolicy.internet object What egress.internet opens: HTTPS to every address but the fixed floor and these.
  internet:
    ## @param networkPolicy.internet.except set[cidr] CIDRs excepted besides the fixed floor (private, CGNAT and link-local ranges).
    except: []
    ## @param networkPolicy.internet.apiServer set[cidr] The API server's public endpoint addresses, excepted too (its in-cluster address is in the floor's 10.0.0.0/8).
    apiServer: []
## @param smokeTest object The `helm test` pod.
smokeTest:
  ## @param smokeTest.postSync boolean Also render the check as an Argo CD PostSync hook Job (the Argo CD Applications set it).
  postSync: false
  ## @param smokeTest.image smoke-test-image Image of the test pod (a version tag or a digest where images are pinned).
  image: docker.io/library/busybox:1.37.0
  ## @param smokeTest.timeoutSeconds integer[1,300] Seconds each call of the test may take.
  timeoutSeconds: 5
  ## @param smokeTest.resources object Requests and limits of the test pod.
  resources:
    ## @param smokeTest.resources.requests resource-map Requests by resource name.
    requests: {cpu: 10m, memory: 16Mi, ephemeral-storage: 16Mi}
    ## @param smokeTest.resources.limits resource-map Limits by resource name.
    limits: {cpu: 100m, memory: 32Mi, ephemeral-storage: 64Mi}
{{- end -}}

{{/*
Usage: {{ include "quikapp.defaults.pinnedEnvironments" . | fromYamlArray }}
The global.environment values whose images must be pinned (a version or a digest) whatever
global.image.requirePinned says (live calls itself production); the values schema reads the same list.
*/}}
{{- define "quikapp.defaults.pinnedEnvironments" -}}
[staging, production, live]
{{- end -}}

{{/*
Usage: {{ include "quikapp.defaults.internetExceptFloor" . | fromYamlArray }}
What egress.internet never opens, whatever global.networkPolicy.internet says (its lists add to
this): the private ranges (the cluster's pods, Services and API server among them), carrier-grade
NAT and link-local (the cloud metadata endpoint 169.254.169.254).
*/}}
{{- define "quikapp.defaults.internetExceptFloor" -}}
[10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16]
{{- end -}}

{{/*
Usage: {{ include "quikapp.defaults.ingressAnnotations" . | fromYamlArray }}
The annotations an Ingress may carry: the ingress-nginx ones the charts support and cert-manager's
issuer. No snippet (ingress-nginx rates them Critical: raw nginx configuration);
mirror-target and auth-url only to an in-cluster Service host (quikapp.checks.annotations).
*/}}
{{- define "quikapp.defaults.ingressAnnotations" -}}
- nginx.ingress.kubernetes.io/limit-rps
- nginx.ingress.kubernetes.io/limit-rpm
- nginx.ingress.kubernetes.io/limit-connections
- nginx.ingress.kubernetes.io/limit-burst-multiplier
- nginx.ingress.kubernetes.io/limit-whitelist
- nginx.ingress.kubernetes.io/proxy-body-size
- nginx.ingress.kubernetes.io/proxy-buffer-size
- nginx.ingress.kubernetes.io/proxy-connect-timeout
- nginx.ingress.kubernetes.io/proxy-read-timeout
- nginx.ingress.kubernetes.io/proxy-send-timeout
- nginx.ingress.kubernetes.io/proxy-next-upstream-tries
- nginx.ingress.kubernetes.io/client-body-buffer-size
- nginx.ingress.kubernetes.io/ssl-redirect
- nginx.ingress.kubernetes.io/force-ssl-redirect
- nginx.ingress.kubernetes.io/hsts
- nginx.ingress.kubernetes.io/hsts-max-age
- nginx.ingress.kubernetes.io/hsts-include-subdomains
- nginx.ingress.kubernetes.io/backend-protocol
- nginx.ingress.kubernetes.io/enable-cors
- nginx.ingress.kubernetes.io/cors-allow-origin
- nginx.ingress.kubernetes.io/cors-allow-methods
- nginx.ingress.kubernetes.io/cors-allow-headers
- nginx.ingress.kubernetes.io/cors-allow-credentials
- nginx.ingress.kubernetes.io/cors-expose-headers
- nginx.ingress.kubernetes.io/cors-max-age
- nginx.ingress.kubernetes.io/affinity
- nginx.ingress.kubernetes.io/session-cookie-name
- nginx.ingress.kubernetes.io/session-cookie-max-age
- nginx.ingress.kubernetes.io/whitelist-source-range
- nginx.ingress.kubernetes.io/denylist-source-range
- nginx.ingress.kubernetes.io/use-regex
- nginx.ingress.kubernetes.io/rewrite-target
- nginx.ingress.kubernetes.io/app-root
- nginx.ingress.kubernetes.io/mirror-target
- nginx.ingress.kubernetes.io/mirror-request-body
- nginx.ingress.kubernetes.io/auth-url
- nginx.ingress.kubernetes.io/auth-method
- nginx.ingress.kubernetes.io/auth-response-headers
- cert-manager.io/cluster-issuer
- cert-manager.io/issuer
{{- end -}}
