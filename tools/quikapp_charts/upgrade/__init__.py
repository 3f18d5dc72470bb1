"""Upgrades of a running release: what one would do (plan), and getting a release out of a pending
state that an interrupted helm left (recover). Above cluster, netpol, capacity and checks."""
