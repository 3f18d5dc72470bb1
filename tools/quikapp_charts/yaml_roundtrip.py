"""The one ruamel.yaml set-up for files people also edit by hand (values, Chart.yaml): comments,
quotes and key order are kept, and the layout is the repository's."""
from __future__ import annotations

from ruamel.yaml import YAML


def roundtrip() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long value (Kafka broker lists) onto a second line
    # Write null as `null`: it is how a values file removes an inherited key.
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml
