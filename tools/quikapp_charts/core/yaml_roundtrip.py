"""The one ruamel.yaml set-up for files people also edit by hand (values, Chart.yaml): comments,
quotes and key order are kept, and the layout is the repository's."""
from __future__ import annotations

import copy
import threading

from ruamel.yaml import YAML

# Documents this process parsed, by their text: ruamel parses a Chart.yaml in about ten times the
# time a deep copy takes, and the tooling reads the same charts' files again and again (every
# generate, bump, release and version check; many in one test run).
_PARSED: dict[str, object] = {}
_PARSED_KEPT = 64
_PARSED_LOCK = threading.Lock()


def roundtrip() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long value (Kafka broker lists) onto a second line
    # Write null as `null`: it is how a values file removes an inherited key.
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def load(text: str):
    """text parsed as roundtrip() parses it (comments, quotes, key order kept): a document of the
    caller's own, copied from the one parsed from the same text before when there is one."""
    with _PARSED_LOCK:
        document = _PARSED.get(text)
    if document is None:
        document = roundtrip().load(text)
        with _PARSED_LOCK:
            _PARSED[text] = document
            while len(_PARSED) > _PARSED_KEPT:
                del _PARSED[next(iter(_PARSED))]
    return copy.deepcopy(document)
