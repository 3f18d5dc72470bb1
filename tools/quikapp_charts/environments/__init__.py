"""The environments as Argo CD runs them: deploy/environments.yaml (where each runs and which chart
version), the checks of the environments against each other and their clusters, and promotion.
Imports core, release, capacity and checks."""
