"""The connections QuikApp needs and the ones it must never allow, per environment: the project's
list of required flows (open) and forbidden flows (shut), checked against the rendered
NetworkPolicies with netpol/policies.py.

The endpoints are the rendered pods (each Deployment's template, the `helm test` pod), the pods the
platform runs beside QuikApp (the ingress controller, Prometheus, kube-dns, the database namespace)
and others of theirs that must not be trusted for being there (the controller's admission webhook,
Grafana), pods that copy QuikApp's labels, the environment's data stores, an internet address and
the cloud metadata address.

Required, read from the rendered objects and the catalogue, never from the policies:
  every QuikApp pod reaches DNS (53 UDP and TCP);
  backend-gateway reaches every other service on every port of its ClusterIP Service;
  the ingress controller reaches every Ingress backend on its Service port;
  Prometheus reaches every scraped pod on its prometheus.io/port;
  a clustered pod reaches its own peers on its headless Service's ports;
  the `helm test` pod reaches every service's http port;
  a pod reaches each data store its env names (database, Redis, Kafka) on the store's ports;
  a service whose catalogue row says Internet: Yes reaches the internet on 443.
Forbidden: every other connection from or to a QuikApp pod, the metadata address for everyone.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from quikapp_charts.catalogue import service_table, values_reference
from quikapp_charts.core import paths
from quikapp_charts.core.mappings import merged
from quikapp_charts.netpol.policies import Endpoint, PolicySet, Port, Verdict

INTERNET_IP = "93.184.216.34"
METADATA_IP = "169.254.169.254"
DNS_PORTS = (Port(53, "UDP", "dns"), Port(53, "TCP", "dns-tcp"))
# Which data store an env var's secret or config key points at.
STORE_OF_KEY = (("database", re.compile(r"DB_|DATABASE|MYSQL|MONGO|POSTGRES")),
                ("redis", re.compile(r"REDIS")), ("kafka", re.compile(r"KAFKA")))
GATEWAY = "backend-gateway"


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    port: Port

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination}:{self.port}"


def network_values(values: dict) -> dict:
    """global.networkPolicy as the charts see it: the library's defaults under the environment file's."""
    defaults = values_reference.load().defaults["global"]["networkPolicy"]
    return merged(defaults, (values.get("global") or {}).get("networkPolicy"))


def _pod_ip(number: int) -> str:
    return str(ipaddress.ip_address("10.244.0.10") + number)


def _container_ports(pod_spec: dict) -> tuple[Port, ...]:
    return tuple(Port(int(p["containerPort"]), p.get("protocol", "TCP"), p.get("name", ""))
                 for c in pod_spec.get("containers") or [] for p in c.get("ports") or [])


class Topology:
    """Endpoints and the required flows of one rendered environment."""

    def __init__(self, objects: list[dict], namespace: str, values: dict):
        self.namespace = namespace
        self.net = network_values(values)
        self.objects = objects
        self.by_kind: dict[str, list[dict]] = {}
        for obj in objects:
            self.by_kind.setdefault(obj["kind"], []).append(obj)
        self.pods: dict[str, Endpoint] = {}  # QuikApp's own, by name
        self.endpoints: list[Endpoint] = []
        self._build()

    def _add(self, endpoint: Endpoint, own: bool = False) -> Endpoint:
        self.endpoints.append(endpoint)
        if own:
            self.pods[endpoint.name] = endpoint
        return endpoint

    def _build(self) -> None:
        ns = self.namespace
        for number, deployment in enumerate(sorted(self.by_kind.get("Deployment", []),
                                                   key=lambda d: d["metadata"]["name"])):
            template = deployment["spec"]["template"]
            self._add(Endpoint(deployment["metadata"]["name"], _pod_ip(number), ns,
                               dict(template["metadata"].get("labels") or {}),
                               _container_ports(template["spec"])), own=True)
        for pod in self.by_kind.get("Pod", []):
            self._add(Endpoint(pod["metadata"]["name"], _pod_ip(200), ns, dict(pod["metadata"].get("labels") or {})),
                      own=True)
        controller, prometheus = self.net["ingressController"], self.net["prometheus"]
        self._add(Endpoint("ingress-controller", "10.244.1.1", controller["namespace"],
                           dict(controller["podLabels"]), kind="outside"))
        self._add(Endpoint("ingress-admission", "10.244.1.2", controller["namespace"],
                           {"app.kubernetes.io/name": "ingress-nginx",
                            "app.kubernetes.io/component": "admission-webhook"}, kind="outside"))
        self._add(Endpoint("prometheus", "10.244.1.3", prometheus["namespace"],
                           dict(prometheus["podLabels"]), kind="outside"))
        self._add(Endpoint("grafana", "10.244.1.4", prometheus["namespace"],
                           {"app.kubernetes.io/name": "grafana"}, kind="outside"))
        gateway = self.pods.get(GATEWAY)
        smoke = next((p for p in self.pods.values() if p.labels.get("quikapp.dev/smoke-test")), None)
        copied = dict(gateway.labels) if gateway else {"app": GATEWAY}
        copied.update(smoke.labels if smoke else {"quikapp.dev/smoke-test": "true"})
        self._add(Endpoint("copy-of-gateway-label", "10.244.0.250", ns, {"app": GATEWAY}, kind="impostor"))
        self._add(Endpoint("copy-of-smoke-test-label", "10.244.0.251", ns, {"quikapp.dev/smoke-test": "true"},
                           kind="impostor"))
        self._add(Endpoint("unlabelled-pod", "10.244.0.252", ns, {}, kind="impostor"))
        self._add(Endpoint("copy-in-other-namespace", "10.244.2.1", "other-team", copied, kind="impostor"))
        self._add(Endpoint("kube-dns", "10.244.1.10", self.net["dnsNamespace"], {"k8s-app": "kube-dns"},
                           DNS_PORTS, kind="outside"))
        self.stores: dict[str, Endpoint] = {}
        for number, (name, store) in enumerate(sorted(self.net["dataStores"].items())):
            ports = tuple(Port(int(p)) for p in store["ports"])
            if store.get("namespace"):
                endpoint = Endpoint(name, f"10.244.3.{number + 1}", store["namespace"], {"app": name}, ports,
                                    kind="outside")
            else:
                first = next(ipaddress.ip_network(store["cidrs"][0], strict=False).hosts())
                endpoint = Endpoint(name, str(first), None, {}, ports, kind="address")
            self.stores[name] = self._add(endpoint)
        self._add(Endpoint("internet", INTERNET_IP, None, {}, (Port(443), Port(80), Port(22)), kind="address"))
        self._add(Endpoint("cloud-metadata", METADATA_IP, None, {}, (Port(80),), kind="address"))

    # --- what QuikApp needs -------------------------------------------------------------------
    def _service_ports(self, app: str, name: str | None = None) -> list[Port]:
        found = []
        for service in self.by_kind.get("Service", []):
            spec = service.get("spec") or {}
            if (spec.get("selector") or {}).get("app") != app:
                continue
            if name is None and spec.get("clusterIP") == "None":
                continue
            if name == "headless" and spec.get("clusterIP") != "None":
                continue
            found += [Port(int(p.get("targetPort", p["port"])), p.get("protocol", "TCP")) for p in spec["ports"]]
        return found

    def _stores_used(self, deployment: dict) -> set[str]:
        used = set()
        for container in deployment["spec"]["template"]["spec"].get("containers") or []:
            for var in container.get("env") or []:
                source = var.get("valueFrom") or {}
                ref = source.get("secretKeyRef") or source.get("configMapKeyRef") or {}
                for store, pattern in STORE_OF_KEY:
                    if ref.get("key") and pattern.search(ref["key"]):
                        used.add(store)
        return used

    def required(self) -> set[Flow]:
        flows: set[Flow] = set()
        internet = {s.name for s in service_table.parse(paths.SERVICE_TABLE) if s.internet}
        for pod in self.pods.values():
            flows |= {Flow(pod.name, "kube-dns", port) for port in DNS_PORTS}
        for deployment in self.by_kind.get("Deployment", []):
            name = deployment["metadata"]["name"]
            if name != GATEWAY and GATEWAY in self.pods:
                flows |= {Flow(GATEWAY, name, port) for port in self._service_ports(name)}
            annotations = deployment["spec"]["template"]["metadata"].get("annotations") or {}
            if annotations.get("prometheus.io/scrape") == "true":
                flows.add(Flow("prometheus", name, Port(int(annotations["prometheus.io/port"]))))
            flows |= {Flow(name, name, port) for port in self._service_ports(name, "headless")}
            flows |= {Flow(name, store, port) for store in self._stores_used(deployment) if store in self.stores
                      for port in self.stores[store].ports}
            if name in internet:
                flows.add(Flow(name, "internet", Port(443)))
            http = [p for p in self._service_ports(name) if self._port_name(name, p) == "http"]
            flows |= {Flow(p.name, name, port) for p in self.pods.values()
                      if p.labels.get("quikapp.dev/smoke-test") for port in http}
        for ingress in self.by_kind.get("Ingress", []):
            for rule in (ingress.get("spec") or {}).get("rules") or []:
                for path in (rule.get("http") or {}).get("paths") or []:
                    backend = path["backend"]["service"]
                    flows.add(Flow("ingress-controller", backend["name"], Port(int(backend["port"]["number"]))))
        return flows

    def _port_name(self, app: str, port: Port) -> str:
        return next((p.name for p in self.pods[app].ports if p.number == port.number), "")

    def universe(self) -> list[tuple[Endpoint, Endpoint, Port]]:
        """Every connection from or to a QuikApp pod, to each port its destination listens on."""
        own = set(id(p) for p in self.pods.values())
        return [(src, dst, port) for src in self.endpoints for dst in self.endpoints
                if (id(src) in own or id(dst) in own) and not (src is dst and id(src) not in own)
                for port in dst.ports]


@dataclass
class Report:
    env: str
    verdicts: list[Verdict]
    required: set[Flow]

    def flow(self, verdict: Verdict) -> Flow:
        return Flow(verdict.source.name, verdict.destination.name, verdict.port)

    @property
    def required_shut(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.open and self.flow(v) in self.required]

    @property
    def forbidden_open(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.open and self.flow(v) not in self.required]

    @property
    def counts(self) -> dict[str, int]:
        forbidden = [v for v in self.verdicts if self.flow(v) not in self.required]
        return {"flows": len(self.verdicts), "required": len(self.required),
                "requiredOpen": len(self.required) - len(self.required_shut),
                "forbidden": len(forbidden), "forbiddenShut": len(forbidden) - len(self.forbidden_open)}


def analyse(env: str, objects: list[dict], namespace: str, values: dict) -> tuple[Topology, PolicySet, Report]:
    topology = Topology(objects, namespace, values)
    model = PolicySet([o for o in objects if o["kind"] == "NetworkPolicy"], namespace)
    verdicts = [model.verdict(src, dst, port) for src, dst, port in topology.universe()]
    names = {(v.source.name, v.destination.name, v.port) for v in verdicts}
    required = topology.required()
    missing = [f for f in required if (f.source, f.destination, f.port) not in names]
    # A required flow to a port nobody listens on is a finding too: list it as shut.
    for flow in missing:
        src = next(e for e in topology.endpoints if e.name == flow.source)
        dst = next(e for e in topology.endpoints if e.name == flow.destination)
        verdicts.append(model.verdict(src, dst, flow.port))
    return topology, model, Report(env, verdicts, required)
