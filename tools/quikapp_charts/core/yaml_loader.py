"""The loader of helm's output: PyYAML's safe loader on libyaml (when PyYAML has it), building each
document in one pass over its nodes.

A render is plain block YAML: mappings of string keys, lists, and scalars. For such a document the
values are built directly (a string is the node's text, another scalar goes to the safe loader's own
constructor for its tag), without the safe loader's per-node bookkeeping, which is most of its
cost on a 180-object render. A document with anything else (an alias, a merge key `<<`, a key that
is a mapping or a list, an explicit tag the safe loader does not know) is built by the safe loader
itself, so the result, and every error, is the safe loader's.
"""
from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

# libyaml's safe loader when PyYAML has it (several times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
# The scalar tags whose safe constructors need nothing but the node (no state, no recursion).
_SCALARS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary")


class _NotPlain(Exception):
    """The document needs the safe loader's full construction."""


class RenderLoader(SAFE_LOADER):
    """yaml.load_all(text, Loader=RenderLoader) gives what the safe loader gives, faster."""

    def construct_document(self, node):
        try:
            return self._build(node, set())
        except _NotPlain:
            return super().construct_document(node)

    def _build(self, node, collections: set[int]):
        kind = node.__class__
        if kind is ScalarNode:
            if node.tag == _STR:
                return node.value
            if node.tag in _SCALARS:
                return self.yaml_constructors[node.tag](self, node)
            raise _NotPlain
        if id(node) in collections:  # an alias of a list or mapping: the safe loader shares it
            raise _NotPlain
        collections.add(id(node))
        if kind is MappingNode and node.tag == _MAP:
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE:
                    raise _NotPlain
                mapping[self._build(key_node, collections)] = self._build(value_node, collections)
            return mapping
        if kind is SequenceNode and node.tag == _SEQ:
            return [self._build(item, collections) for item in node.value]
        raise _NotPlain
