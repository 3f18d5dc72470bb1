"""Helpers the test modules share (conftest.py holds the fixtures)."""
from __future__ import annotations

from quikapp_charts import paths, rendering

ENVIRONMENTS = list(paths.ENVIRONMENTS)


class Objects:
    """The rendered objects of one environment, indexed by kind and name."""

    def __init__(self, rendered: rendering.Rendered):
        self.env = rendered.env
        self.namespace = rendered.namespace
        self.text = rendered.text
        self.all = rendered.objects
        self.by_kind: dict[str, dict[str, dict]] = {}
        for obj in self.all:
            self.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj

    def get(self, kind: str, name: str) -> dict | None:
        return self.by_kind.get(kind, {}).get(name)

    def names(self, kind: str) -> set[str]:
        return set(self.by_kind.get(kind, {}))


def floors(objects: list[dict]) -> dict[str, int]:
    """Deployment name -> its replica floor, as the design states it: the minReplicas of the HPA
    that scales it, else its spec.replicas (1 when unset)."""
    hpa_min = {o["spec"]["scaleTargetRef"]["name"]: o["spec"].get("minReplicas", 1)
               for o in objects if o.get("kind") == "HorizontalPodAutoscaler"
               and o["spec"]["scaleTargetRef"].get("kind") == "Deployment"}
    return {o["metadata"]["name"]: hpa_min.get(o["metadata"]["name"], o["spec"].get("replicas", 1))
            for o in objects if o.get("kind") == "Deployment"}
