"""What each value means: the descriptions values_schema.py writes into every values.schema.json
(Artifact Hub and editors show them) and the charts' generated README.md tables are made of.

Keys are dotted paths inside a service entry (SERVICE), inside `global` (GLOBAL) and at the top of
a stack chart's values (STACK). A key of the schema without a description here fails the tests.
"""
from __future__ import annotations

SERVICE = {
    "enabled": "Render the service at all.",
    "tier": "The `tier` label (backend, realtime, ai, ...) and the network policies' caller groups.",
    "image": "The container image; registry and tag fall back to `global.image`.",
    "image.registry": "Registry of the image; empty: `global.image.registry`.",
    "image.repository": "Repository of the image; empty: the service name.",
    "image.tag": "Tag of the image; empty: `global.image.tag`.",
    "image.digest": "sha256 digest; when set it pins the image instead of the tag.",
    "image.pullPolicy": "imagePullPolicy of the container.",
    "ports": "Container ports by name (http, grpc, metrics, ...); generated from the service table.",
    "servicePorts": "Port names the ClusterIP Service exposes; empty: every port.",
    "replicas": "The replica floor: the HPA's minReplicas, or the Deployment's replicas without an HPA.",
    "autoscaling": "The HorizontalPodAutoscaler.",
    "autoscaling.enabled": "Render an HPA; it owns the count (a Deployment starts at the floor, an upgrade keeps its count).",
    "autoscaling.maxReplicas": "The HPA's ceiling; generated from the service table.",
    "autoscaling.cpuUtilization": "Target average CPU utilisation in percent; false: no CPU metric.",
    "autoscaling.memoryUtilization": "Target average memory utilisation in percent; false: no memory metric.",
    "autoscaling.podsMetrics": "Pods metrics by name and their target average value.",
    "pdb": "The PodDisruptionBudget (rendered for a floor of 2 or more).",
    "pdb.enabled": "Render a PodDisruptionBudget.",
    "pdb.minAvailable": "minAvailable; null: use maxUnavailable. Must leave room for one eviction.",
    "pdb.maxUnavailable": "maxUnavailable when minAvailable is null.",
    "env": "Environment variables by name: a literal, {secret: KEY}, {config: KEY}, {field: PATH}, {value: V} "
           "or {unset: true} to remove one a lower layer set.",
    "resources": "Container requests and limits (required in staging and live).",
    "resources.requests": "Requests by resource name.",
    "resources.limits": "Limits by resource name.",
    "probes": "Liveness and readiness HTTP probes.",
    "probes.liveness": "The liveness probe.",
    "probes.readiness": "The readiness probe.",
    "probes.*.path": "HTTP path of the probe.",
    "probes.*.port": "Port name the probe calls.",
    "probes.*.initialDelaySeconds": "Seconds before the first probe.",
    "probes.*.periodSeconds": "Seconds between probes.",
    "probes.*.timeoutSeconds": "Seconds before a probe times out.",
    "probes.*.failureThreshold": "Failures before the probe fails.",
    "probes.*.successThreshold": "Successes before the probe passes again.",
    "metrics": "Prometheus scraping (pod annotations and the policy that admits Prometheus).",
    "metrics.enabled": "Annotate the pods for scraping.",
    "metrics.port": "Port name Prometheus scrapes.",
    "metrics.path": "Path Prometheus scrapes.",
    "antiAffinity": "Spread pods over nodes: preferred or required.",
    "clustering": "Erlang distribution between the service's pods (a headless Service).",
    "clustering.enabled": "Render the headless Service and the node names for clustering.",
    "clustering.headlessPorts": "Port names the headless Service exposes.",
    "ingress": "The Ingress (ingress-nginx).",
    "ingress.enabled": "Render an Ingress.",
    "ingress.className": "ingressClassName.",
    "ingress.host": "Host name; required when enabled.",
    "ingress.path": "Path of the rule.",
    "ingress.pathType": "pathType of the rule.",
    "ingress.tlsSecret": "Secret with the TLS certificate; empty: no TLS section.",
    "ingress.websocket": "Raise nginx's proxy timeouts for long-lived WebSocket connections.",
    "ingress.websocketTimeoutSeconds": "Proxy read and send timeout for WebSocket connections.",
    "ingress.annotations": "Further Ingress annotations.",
    "gpu": "GPU scheduling: limits, node selector and toleration.",
    "gpu.enabled": "Request GPUs and schedule on GPU nodes only.",
    "gpu.count": "nvidia.com/gpu limit per pod.",
    "gpu.nodeSelector": "Node labels of the GPU nodes.",
    "gpu.tolerations": "Tolerations for the GPU nodes' taints.",
    "modelStorage": "A PersistentVolumeClaim with the models, mounted into the pods.",
    "modelStorage.enabled": "Render and mount the claim.",
    "modelStorage.claimName": "Name of the claim; empty: <service>-models-pvc.",
    "modelStorage.mountPath": "Where the models are mounted.",
    "modelStorage.size": "Requested storage.",
    "modelStorage.storageClassName": "StorageClass; empty: the cluster's default.",
    "modelStorage.accessModes": "Access modes of the claim.",
    "keyVault": "Mount the Key Vault CSI volume (which syncs quikapp-secrets).",
    "keyVault.enabled": "Mount the SecretProviderClass volume.",
    "keyVault.secretProviderClass": "Name of the SecretProviderClass.",
    "keyVault.mountPath": "Where the secrets are mounted.",
    "callers": "Services (by name) or tiers allowed to call this one on its Service ports.",
    "writablePaths": "emptyDir volumes by name and mount path (the root filesystem is read-only).",
    "podSecurityContext": "The pod's securityContext (restricted by default).",
    "securityContext": "The container's securityContext (restricted by default).",
    "*.runAsNonRoot": "Always true: the pods run as non-root.",
    "*.runAsUser": "UID the processes run as (not 0).",
    "*.runAsGroup": "GID the processes run as (not 0).",
    "podSecurityContext.fsGroup": "GID that owns the mounted volumes (not 0).",
    "podSecurityContext.supplementalGroups": "Further GIDs of the processes (not 0).",
    "podSecurityContext.fsGroupChangePolicy": "When volume ownership is changed to fsGroup.",
    "*.seccompProfile": "The seccomp profile (RuntimeDefault by default).",
    "*.seccompProfile.type": "RuntimeDefault or Localhost (never Unconfined).",
    "*.seccompProfile.localhostProfile": "The node's profile file, with type Localhost.",
    "securityContext.allowPrivilegeEscalation": "Always false.",
    "securityContext.privileged": "Always false.",
    "securityContext.readOnlyRootFilesystem": "Always true: writable paths are emptyDirs (`writablePaths`).",
    "securityContext.capabilities": "Linux capabilities: ALL dropped, none added.",
    "securityContext.capabilities.drop": "Capabilities dropped; must contain ALL.",
    "securityContext.capabilities.add": "Capabilities added; must stay empty.",
    "terminationGracePeriodSeconds": "Seconds a pod has to stop.",
    "egress": "Where the pods may connect besides DNS and the services that list them as callers.",
    "egress.internet": "HTTPS (443) to public addresses (the service table's Internet column).",
    "egress.dataStores": "Data stores reached, by name in global.networkPolicy.dataStores.",
    "ephemeralStorage": "Scratch space on the node.",
    "ephemeralStorage.request": "ephemeral-storage request, where resources name none.",
    "ephemeralStorage.limit": "ephemeral-storage limit, where resources name none.",
    "ephemeralStorage.sizeLimit": "sizeLimit of each writable path's emptyDir.",
    "podAnnotations": "Further pod annotations.",
    "nodeSelector": "Node labels the pods must run on.",
    "tolerations": "Tolerations of the pods.",
}

GLOBAL = {
    "environment": "The environment's name: ENVIRONMENT in quikapp-config and the name in error messages.",
    "namespace": "Namespace of every object; empty: the release namespace.",
    "stacks": "The stacks the environment runs.",
    "image": "Image defaults of every service.",
    "image.registry": "Registry of every image without its own.",
    "image.tag": "Tag of every image without its own (the QuikApp release).",
    "image.requirePinned": "Refuse mutable tags (staging and live).",
    "image.mutableTags": "Tags that count as mutable besides latest and *-latest.",
    "replicaOverride": "When above 0, every service runs this many replicas whatever its floor.",
    "zoneSpread": "Spread every service's pods across zones (staging and live).",
    "requireExplicitResources": "Every service must state CPU and memory requests and limits.",
    "secretName": "The Secret the services' {secret: KEY} env vars read.",
    "keyVault": "The Azure Key Vault behind quikapp-secrets.",
    "keyVault.create": "Render the SecretProviderClass.",
    "keyVault.className": "Name of the SecretProviderClass.",
    "keyVault.vaultName": "Name of the Key Vault.",
    "keyVault.tenantId": "Azure tenant ID of the vault.",
    "keyVault.clientId": "Client ID of the workload identity that reads the vault.",
    "configMapName": "The ConfigMap the services' {config: KEY} env vars read.",
    "serviceAccountName": "The ServiceAccount the pods run as.",
    "config": "quikapp-config entries besides ENVIRONMENT.",
    "config.LOG_LEVEL": "Log level of every service.",
    "config.KAFKA_BROKERS": "Kafka bootstrap servers, host:port,...",
    "config.ENVIRONMENT": "Not settable: comes from global.environment.",
    "resourceQuota": "spec.hard of the namespace's ResourceQuota; empty: none.",
    "networkPolicy": "The network policies: default-deny plus what the services need.",
    "networkPolicy.enabled": "Render the network policies.",
    "networkPolicy.ingressController": "The ingress controller's pods, which reach services with an Ingress.",
    "networkPolicy.ingressController.namespace": "Namespace of the ingress controller.",
    "networkPolicy.ingressController.podLabels": "Labels of the controller's pods (all required).",
    "networkPolicy.prometheus": "Prometheus's pods, which reach the metrics ports.",
    "networkPolicy.prometheus.namespace": "Namespace of Prometheus.",
    "networkPolicy.prometheus.podLabels": "Labels of Prometheus's pods (all required).",
    "networkPolicy.dataStores": "Data stores by name: in-cluster by namespace, managed ones by CIDR, with their ports.",
    "networkPolicy.internet": "What egress.internet opens: HTTPS to every address but these.",
    "networkPolicy.internet.except": "CIDRs never reached as internet (private, link-local: the metadata address).",
    "networkPolicy.dnsNamespace": "Namespace of cluster DNS.",
    "networkPolicy.gatewayPort": "Port of backend-gateway the ingress controller reaches.",
    "smokeTest": "The `helm test` pod.",
    "smokeTest.postSync": "Also render the check as an Argo CD PostSync hook Job (the Argo CD Applications set it).",
    "smokeTest.image": "Image of the test pod.",
    "smokeTest.timeoutSeconds": "Seconds each call of the test may take.",
    "smokeTest.resources": "Requests and limits of the test pod.",
    "smokeTest.resources.requests": "Requests by resource name.",
    "smokeTest.resources.limits": "Limits by resource name.",
}

STACK = {
    "enabled": "Install this stack (the umbrella's dependency condition).",
    "global": "Shared values, set in the umbrella's `global` (see there).",
    "catalogue": "The chart's own layers of every service's settings; environment files never write it.",
    "catalogue.defaults": "The stack's settings of every service, over the library's defaults.",
    "catalogue.gpuDefaults": "The stack's settings of every GPU service, over `catalogue.defaults`.",
    "catalogue.services": "The stack's services by name (the services table above; generated from charts/services.md).",
    "defaults": "An environment's settings of every service of the stack, over the whole catalogue.",
    "gpuDefaults": "An environment's settings of every GPU service of the stack, over `defaults`.",
    "services": "An environment's settings of single services by name, over everything else.",
    "quikapp-lib": "Values of the library chart (none are read).",
}


def lookup(table: dict[str, str], path: str) -> str | None:
    """The description of a dotted path; `*` in a table key stands for one path segment."""
    if path in table:
        return table[path]
    parts = path.split(".")
    for key, text in table.items():
        pattern = key.split(".")
        if len(pattern) == len(parts) and all(p in ("*", part) for p, part in zip(pattern, parts, strict=True)):
            return text
    return None


def _describe(schema: dict, table: dict[str, str], prefix: str = "") -> dict:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    described = {}
    for key, sub in properties.items():
        path = f"{prefix}{key}"
        text = lookup(table, path)
        sub = _describe(sub, table, path + ".") if isinstance(sub, dict) else sub
        described[key] = {"description": text, **sub} if text else sub
    return {**schema, "properties": described}


def describe_service(schema: dict) -> dict:
    return _describe(schema, SERVICE)


def describe_global(schema: dict) -> dict:
    return _describe(schema, GLOBAL)


def describe_stack(schema: dict) -> dict:
    """A stack chart's values: its own keys (the entries of services are $refs and stay bare)."""
    return _describe(schema, {key: text for key, text in STACK.items()})


def undescribed(schema: dict, table: dict[str, str], prefix: str = "") -> list[str]:
    """Keys of a schema without a description in table."""
    missing = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        if lookup(table, path) is None:
            missing.append(path)
        if isinstance(sub, dict):
            missing += undescribed(sub, table, path + ".")
    return missing
