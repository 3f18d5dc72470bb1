{{/*
Usage: {{ include "quikapp.defaults.service" $ | fromYaml }}
Library defaults for every service: the first layer of the merge, secure by default.
Stack charts override them under `catalogue:`, environments under `defaults:` and `services.<name>:`.
*/}}
{{- define "quikapp.defaults.service" -}}
enabled: true
tier: backend
image:
  registry: ""
  repository: ""
  tag: ""
  digest: ""
  # Always: the kubelet asks the registry each time, so a pod cannot start from another pod's
  # cached copy of a private image without the pull credentials (a cheap manifest check).
  pullPolicy: Always
ports: {}
# Container port names the ClusterIP Service exposes; empty means all of them.
servicePorts: []
replicas: 1
autoscaling:
  enabled: true
  maxReplicas: 1
  cpuUtilization: 70
  memoryUtilization: 80
  podsMetrics: {}
pdb:
  enabled: false
  minAvailable: null
  maxUnavailable: 1
env: {}
resources: {}
probes:
  liveness: {}
  readiness: {}
metrics:
  enabled: true
  port: http
  path: /metrics
antiAffinity: preferred
clustering:
  enabled: false
  headlessPorts: []
ingress:
  enabled: false
  className: nginx
  host: ""
  path: /
  pathType: Prefix
  tlsSecret: ""
  # WebSocket traffic: long-lived connections need nginx's proxy timeouts raised.
  websocket: false
  websocketTimeoutSeconds: 3600
  annotations: {}
gpu:
  enabled: false
  count: 1
  nodeSelector:
    kubernetes.io/accelerator: nvidia-tesla-v100
  tolerations:
    - key: nvidia.com/gpu
      operator: Exists
      effect: NoSchedule
modelStorage:
  enabled: false
  claimName: ""
  mountPath: /models
  size: 100Gi
  storageClassName: ""
  accessModes: [ReadWriteMany]
keyVault:
  enabled: false
  secretProviderClass: azure-kv-secrets
  mountPath: /mnt/secrets
# Callers allowed by the service's NetworkPolicy, by `app` label, on every port the Service exposes.
callers: []
# Where the pods may go besides DNS and the services they call: data stores named in
# global.networkPolicy.dataStores, and HTTPS to the internet (the catalogue's Internet column).
egress:
  internet: false
  dataStores: []
writablePaths:
  tmp: /tmp
podSecurityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
terminationGracePeriodSeconds: 30
# Scratch space on the node: the container's ephemeral-storage request and limit (its logs and
# writable paths), where the resources name none, and the sizeLimit of each writable path.
ephemeralStorage:
  request: 128Mi
  limit: 1Gi
  sizeLimit: 256Mi
podAnnotations: {}
nodeSelector: {}
tolerations: []
{{- end -}}

{{/*
Usage: {{ include "quikapp.defaults.global" $ | fromYaml }}
Defaults of the `global:` values every chart shares; values/<env>.yaml overrides them.
*/}}
{{- define "quikapp.defaults.global" -}}
# ENVIRONMENT in quikapp-config; also names the environment in error messages.
environment: local
# Where every object goes (quikapp.namespace); empty: the release namespace.
namespace: ""
stacks: [spring-boot, nestjs, elixir, go, python]
image:
  registry: quikapp.azurecr.io
  tag: latest
  # staging and live: refuse mutable tags (latest, *-latest, and these).
  requirePinned: false
  mutableTags: [latest, main, master, edge, dev]
# staging and live: spread every service's pods across zones (topology.kubernetes.io/zone).
zoneSpread: false
# When set, every service runs this many replicas whatever its floor (local: 1).
replicaOverride: 0
# staging and live: every service must state cpu and memory requests and limits.
requireExplicitResources: false
secretName: quikapp-secrets
# The Key Vault behind quikapp-secrets: a SecretProviderClass in the release's namespace (the
# auth-service pods mount it, which syncs the vault's secrets into quikapp-secrets).
keyVault:
  create: true
  className: azure-kv-secrets
  vaultName: quikapp-kv
  # The Azure tenant and the workload identity's client ID that read the vault.
  tenantId: ""
  clientId: ""
configMapName: quikapp-config
serviceAccountName: quikapp-service
# quikapp-config entries besides ENVIRONMENT.
config:
  LOG_LEVEL: info
  KAFKA_BROKERS: ""
# spec.hard of the environment's ResourceQuota; empty renders none.
resourceQuota: {}
# Ingress and egress are closed for every pod of the namespace unless a policy opens them.
networkPolicy:
  enabled: true
  dnsNamespace: kube-system
  # Pods outside the namespace that reach in: the namespace and the pods' labels, both.
  ingressController:
    namespace: ingress-nginx
    podLabels:
      app.kubernetes.io/name: ingress-nginx
      app.kubernetes.io/component: controller
  prometheus:
    namespace: monitoring
    podLabels:
      app.kubernetes.io/name: prometheus
  gatewayPort: 3000
  # What a service's egress.dataStores may name: in-cluster stores by namespace, managed ones
  # (Azure Cache for Redis, Event Hubs' Kafka endpoint) by the CIDR of their private endpoints.
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
  # egress.internet opens HTTPS (443) to every address except these: private, carrier-grade NAT and
  # link-local ranges (the cloud metadata endpoint 169.254.169.254 among them).
  internet:
    except: [10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16]
smokeTest:
  # Also render the check as an Argo CD PostSync hook Job (the Argo CD Applications set it).
  postSync: false
  image: docker.io/library/busybox:1.37.0
  timeoutSeconds: 5
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 32Mi}
{{- end -}}
