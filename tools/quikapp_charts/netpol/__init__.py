"""NetworkPolicy reachability: the policies of a namespace asked about connections, the flows an
environment needs, and the SVG picture of them. Imports core, release and catalogue."""
