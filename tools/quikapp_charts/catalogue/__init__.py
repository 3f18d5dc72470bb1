"""The service catalogue: the service table (charts/services.md), the values reference (every values
key's default, type and description), the values schemas built from it, the chart READMEs, the umbrella's
values.yaml and the dependency archives `generate` writes. Imports core and release (Chart.yaml files, archives)."""
