"""The ground floor: paths of the repository, errors and exit codes, the console, atomic file
writes, the one runner of external tools and of git, helm and its result cache, rendering an
environment, the YAML loaders and the inventory of a render (replica floors, HPA ranges, GPUs),
Kubernetes resource names and quantities, the report templates. Imports nothing else of the package."""
