"""The service catalogue: the service table (charts/services.md), the values schema and the
documentation of every values key, the chart READMEs and the dependency archives `generate` writes.
Imports core only."""
