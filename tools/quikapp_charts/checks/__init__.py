"""What is checked about rendered objects: Kubernetes schemas, the inventory of workloads (replica
floors, HPA ranges, GPUs), preflight checks of a target cluster, and the object diff engine.
Imports core and catalogue."""
