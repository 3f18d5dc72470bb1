"""The local cluster's API over one kept-alive connection (pykube-ng), for work that asks it
hundreds of times: a `kubectl` process per request costs a tenth of a second on an idle two-core
machine and most of a second on a busy one, where a request on an open connection costs a few
milliseconds."""
from __future__ import annotations

import functools
import json
from typing import Any

import pykube
import requests

from quikapp_charts.cluster.config import KUBECONFIG
from quikapp_charts.core.errors import UserError

TIMEOUT_S = 60  # one request; the waits around them have their own bounds


@functools.cache
def _client() -> pykube.HTTPClient:
    try:
        return pykube.HTTPClient(pykube.KubeConfig.from_file(str(KUBECONFIG)), timeout=TIMEOUT_S)
    except (OSError, pykube.exceptions.PyKubeError) as err:
        raise UserError(f"{KUBECONFIG}: cannot read the local cluster's kubeconfig: {err}") from None


def _request(method: str, path: str, query: dict[str, str], body: dict | None = None,
             content_type: str = "application/json") -> Any:
    client = _client()
    try:
        resp = client.session.request(method, client.url + path, params=query or None, timeout=TIMEOUT_S,
                                      data=None if body is None else json.dumps(body),
                                      headers=None if body is None else {"Content-Type": content_type})
    except requests.RequestException as err:
        raise UserError(f"{method} {path}: the local cluster's API does not answer: {err}") from None
    if not resp.ok:
        try:
            message = resp.json().get("message") or resp.reason
        except ValueError:
            message = resp.text.strip() or resp.reason
        raise UserError(f"{method} {path}: {resp.status_code} {message}")
    return resp.json()


def get(path: str, **query: str) -> Any:
    """One GET of an API path (a list, with label or field selectors in `query`) as data."""
    return _request("GET", path, query)


def delete_collection(path: str, **query: str) -> None:
    """One DELETE of a collection: the API server removes every object of it."""
    _request("DELETE", path, query)


def merge_patch(path: str, body: dict) -> dict:
    """One JSON merge patch of the object at PATH (a subresource such as a Node's /status too)."""
    return _request("PATCH", path, {}, body, content_type="application/merge-patch+json")


def create(obj: dict) -> dict:
    """POST one object to its collection, as `kubectl create` does (a Node keeps its status)."""
    kind = getattr(pykube, obj["kind"], None)
    if kind is None or not isinstance(kind, type) or not issubclass(kind, pykube.objects.APIObject):
        raise UserError(f"{obj['kind']} {obj['metadata']['name']}: no API path known for this kind")
    base = "/api" if kind.version == "v1" else "/apis"
    namespace = obj["metadata"].get("namespace")
    scope = f"/namespaces/{namespace}" if issubclass(kind, pykube.objects.NamespacedAPIObject) and namespace else ""
    return _request("POST", f"{base}/{kind.version}{scope}/{kind.endpoint}", {}, obj)
