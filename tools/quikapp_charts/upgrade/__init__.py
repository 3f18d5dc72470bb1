"""Upgrades of a running release: what one would do before it runs (plan) and getting a release out
of the pending state an interrupted helm left (recover). Imports core, release, catalogue, cluster,
netpol, capacity and checks."""
