"""The local Kubernetes cluster behind `quikapp-charts cluster`, with fake CPU and GPU nodes.

The local provider (kwok.py) runs a real control plane (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, all built by `make cluster-tools`) through
`kwokctl --runtime binary`, bound to 127.0.0.1, with its state in .cache/kwok and its kubeconfig in
.cache/kubeconfig. Nodes are kwok fake Node objects: the scheduler, quotas, admission and
controllers are real; containers are not. The kind provider (kind.py, needs Docker) builds the same
shape from kind worker nodes.

GPU mock (nodes.py): GPU nodes are labelled kubernetes.io/accelerator=nvidia-tesla-v100, tainted
nvidia.com/gpu=present:NoSchedule and advertise nvidia.com/gpu in capacity and allocatable.
Storage mock (storage.py): a default StorageClass `quikapp-models`, and before each install one
static PersistentVolume pre-bound to every PersistentVolumeClaim the release renders, so claims bind
whatever class an environment names (the real kube-controller-manager binds them).
Secrets: the Secrets Store CSI driver's SecretProviderClass CRD and CSIDriver object, from the
driver's Go module, and a stand-in for its Secret sync and the kubelet's Secret check
(secrets_driver.py, a process beside kwok's): a class's Secret exists while a pod mounting it does,
and a pod whose Secret is missing waits in CreateContainerConfigError.

Modules, bottom up: config (names, files, node shapes, saved state), kube (running kubectl and
helm against the cluster), api (one kept-alive API client, for many requests), processes (the
control plane's pids and ports), nodes, storage, secrets_driver, kwok, kind, status, install, platform (what an
environment needs installed beside it), lifecycle (up and down). The click commands are
quikapp_charts.commands.cluster. Imports core only.
"""
