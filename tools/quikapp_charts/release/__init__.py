"""Chart versions and their releases: Chart.yaml versions, release tags, release notes, the
canonical archives and the chart repository they are published to. Imports core only."""
