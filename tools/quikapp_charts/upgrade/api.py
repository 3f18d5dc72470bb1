"""The target cluster's API on one kept-alive connection (pykube-ng's session): what it serves
(discovery), the live objects, and server-side apply dry runs, each a request of a few
milliseconds where a kubectl process costs a tenth of a second or more."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pykube
import requests
import yaml

from quikapp_charts.core.errors import UserError

TIMEOUT_S = 60


@dataclass(frozen=True)
class Resource:
    path: str  # /api/v1 or /apis/GROUP/VERSION
    plural: str
    namespaced: bool


class Api:
    def __init__(self, kubeconfig: Path | None):
        file = kubeconfig or Path(os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
                                  or Path.home() / ".kube" / "config")
        try:
            self.client = pykube.HTTPClient(pykube.KubeConfig.from_file(str(file)), timeout=TIMEOUT_S)
        except (OSError, pykube.exceptions.PyKubeError, yaml.YAMLError) as err:
            raise UserError(f"{file}: not a readable kubeconfig: {err}") from None
        self.where = str(file)
        self._served: dict[tuple[str, str], Resource] | None = None

    def request(self, method: str, path: str, *, query: dict | None = None, body: str | None = None,
                content_type: str = "application/json") -> tuple[int, Any]:
        try:
            resp = self.client.session.request(method, self.client.url + path, params=query, data=body,
                                               timeout=TIMEOUT_S, headers={"Content-Type": content_type})
        except requests.RequestException as err:
            raise UserError(f"{self.where}: the cluster does not answer: {str(err).splitlines()[0]}") from None
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, {"message": resp.text.strip()}

    def get(self, path: str, **query: str) -> Any:
        status, data = self.request("GET", path, query=query or None)
        if status != 200:
            raise UserError(f"GET {path}: {status} {data.get('message', '')}")
        return data

    def served(self) -> dict[tuple[str, str], Resource]:
        """(apiVersion, kind) -> its resource, for every API the cluster serves."""
        if self._served is None:
            found: dict[tuple[str, str], Resource] = {}
            versions = ["/api/v1"] + [f"/apis/{v['groupVersion']}" for g in self.get("/apis")["groups"]
                                      for v in g["versions"]]
            for base in versions:
                status, data = self.request("GET", base)
                if status != 200:
                    continue
                api_version = base.removeprefix("/api/").removeprefix("/apis/")
                for r in data.get("resources", []):
                    if "/" not in r["name"]:
                        found[(api_version, r["kind"])] = Resource(base, r["name"], r["namespaced"])
            self._served = found
        return self._served

    def object_path(self, obj: dict, namespace: str) -> str | None:
        resource = self.served().get((obj["apiVersion"], obj["kind"]))
        if resource is None:
            return None
        scope = f"/namespaces/{obj['metadata'].get('namespace') or namespace}" if resource.namespaced else ""
        return f"{resource.path}{scope}/{resource.plural}/{obj['metadata']['name']}"

    def live(self, obj: dict, namespace: str) -> dict | None:
        path = self.object_path(obj, namespace)
        if path is None:
            return None
        status, data = self.request("GET", path)
        return data if status == 200 else None

    def lives(self, objects: list[dict], namespace: str) -> list[dict | None]:
        """The live object of each of OBJECTS (None where there is none), one list request per kind."""
        found: dict[tuple[str, str, str, str], dict] = {}
        for api_version, kind, ns in sorted({(o["apiVersion"], o["kind"], o["metadata"].get("namespace") or namespace)
                                             for o in objects}):
            resource = self.served().get((api_version, kind))
            if resource is None:
                continue
            path = f"{resource.path}{f'/namespaces/{ns}' if resource.namespaced else ''}/{resource.plural}"
            for item in self.list(path):
                # A list's items carry no apiVersion and kind; the objects they are compared with do.
                found[(api_version, kind, ns, item["metadata"]["name"])] = {"apiVersion": api_version, "kind": kind,
                                                                             **item}
        return [found.get((o["apiVersion"], o["kind"], o["metadata"].get("namespace") or namespace,
                           o["metadata"]["name"])) for o in objects]

    def list(self, path: str, **query: str) -> list[dict]:
        return self.get(path, **query).get("items", [])

    def apply_dry_run(self, obj: dict, namespace: str, manager: str) -> tuple[dict | None, str | None]:
        """What a server-side apply of OBJ by MANAGER would leave (taking over conflicting fields,
        as helm 4 does), without writing it; or the API server's refusal."""
        path = self.object_path(obj, namespace)
        if path is None:
            return None, f"{obj['apiVersion']} {obj['kind']} is not served by the cluster"
        status, data = self.request("PATCH", path, body=json.dumps(obj), content_type="application/apply-patch+yaml",
                                    query={"dryRun": "All", "fieldManager": manager, "force": "true"})
        if status in (200, 201):
            return data, None
        return None, data.get("message") or f"HTTP {status}"
