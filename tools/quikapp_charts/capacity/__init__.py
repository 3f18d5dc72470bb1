"""What an environment asks of a cluster: the demand of its rendered workloads against its quota,
node pools, the real kube-scheduler's placement on the local cluster, and the report.
Imports core and cluster."""
