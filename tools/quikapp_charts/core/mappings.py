"""Nested mappings, merged as Helm merges values: maps key by key, anything else replaced."""
from __future__ import annotations


def merged(base: dict, over: dict | None) -> dict:
    """A new mapping: OVER's keys over BASE's, nested maps merged the same way; neither is changed."""
    out = dict(base)
    for key, value in (over or {}).items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
