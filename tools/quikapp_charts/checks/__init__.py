"""What is checked about rendered objects and their targets: Kubernetes schemas, preflight checks of
a target cluster, and the object diff engine. Imports core, cluster and capacity."""
