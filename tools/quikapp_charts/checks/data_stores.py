"""The data stores an environment's pods may reach, read from its render, and the protected
environments (staging, live) that share one with another environment.

A store is what a service's egress policy (<service>-allow-egress) lets the pods reach besides its
fellow services: a namespace (an in-cluster database) or a CIDR (a managed Redis or Kafka's private
endpoint), and the Kafka brokers of quikapp-config. Two environments naming the same one would let
dev's pods write into live's stores whenever their networks meet.
"""
from __future__ import annotations

from collections.abc import Iterable

INTERNET = "0.0.0.0/0"


def stores(objects: Iterable[dict]) -> tuple[str, dict[str, set[str]]]:
    """(global.environment, {"namespace": ..., "cidr": ..., "broker": ...}) of one render."""
    found: dict[str, set[str]] = {"namespace": set(), "cidr": set(), "broker": set()}
    environment = ""
    for obj in objects:
        kind, name = obj.get("kind"), obj.get("metadata", {}).get("name", "")
        if kind == "ConfigMap":
            data = obj.get("data") or {}
            environment = data.get("ENVIRONMENT", environment)
            brokers = data.get("KAFKA_BROKERS") or ""
            found["broker"] |= {b.rsplit(":", 1)[0] for b in brokers.split(",") if b}
        if kind != "NetworkPolicy" or not name.endswith("-allow-egress"):
            continue
        for rule in obj["spec"].get("egress") or []:
            for peer in rule.get("to") or []:
                namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get(
                    "kubernetes.io/metadata.name")
                if namespace and "podSelector" not in peer:
                    found["namespace"].add(namespace)
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr and cidr != INTERNET:
                    found["cidr"].add(cidr)
    return environment, found


WHAT = {"namespace": "database namespace", "cidr": "data store CIDR (global.networkPolicy.dataStores)",
        "broker": "Kafka broker (global.config.KAFKA_BROKERS)"}


def shared(by_env: dict[str, tuple[str, dict[str, set[str]]]], protected: Iterable[str]) -> dict[str, list[str]]:
    """env -> one line per store a protected environment shares with another environment."""
    protected = set(protected)
    problems: dict[str, list[str]] = {}
    for env, (environment, mine) in by_env.items():
        if environment not in protected:
            continue
        for other, (_, theirs) in by_env.items():
            if other == env:
                continue
            for kind, values in mine.items():
                for value in sorted(values & theirs[kind]):
                    problems.setdefault(env, []).append(
                        f"values/{env}.yaml: {WHAT[kind]} {value} is also {other}'s; "
                        f"a protected environment ({environment}) keeps its data stores to itself")
    return problems
