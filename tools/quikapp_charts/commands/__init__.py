"""One module per subcommand of `quikapp-charts`, each defining the click command `command` that
cli.py loads when the subcommand runs. A command imports any package but never another command."""
