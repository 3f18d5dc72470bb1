"""What is checked about rendered objects and their targets: Kubernetes schemas, preflight checks of
a target cluster, the object diff engine, and the data stores environments must not share. Imports core, cluster and capacity."""
