"""Kubernetes NetworkPolicy semantics over a set of endpoints: may a connection from one endpoint
reach another on a port, and, when it may not, which policy and which rule decided.

A connection is open when the source's side lets it out (no policy of the source's namespace
selects the source for Egress, or one of the egress rules of those that do admits it) and the
destination's side lets it in (the same for Ingress). Only the policies of the namespace under
study are known; endpoints elsewhere (other namespaces, addresses outside the cluster) are not
restricted on their own side. Peers: podSelector alone means pods of the policy's namespace,
namespaceSelector alone any pod of the matching namespaces, both in one element both at once,
ipBlock an address range (applied to every endpoint's address, pods included).
"""
from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Port:
    number: int
    protocol: str = "TCP"
    name: str = field(default="", compare=False)  # the container port's name: shown, never compared

    def __str__(self) -> str:
        return f"{self.number}" + ("" if self.protocol == "TCP" else f"/{self.protocol}")


@dataclass(eq=False)
class Endpoint:
    """A pod (namespace set) or an address outside the cluster (namespace None)."""

    name: str
    ip: str
    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    kind: str = "pod"  # pod, outside, address: how the picture groups it


@dataclass
class DirectionVerdict:
    """The verdict of one side (egress or ingress) of a connection."""

    direction: str
    allowed: bool
    policies: list[str]  # the policies selecting the endpoint for this direction
    admitted_by: str = ""  # "policy rule N" that opened it
    # When closed, each rule that did not admit it: (policy, rules key, number, rule, peer matched,
    # port); worded by `reasons` only when asked (most connections are shut and never explained).
    misses: list[tuple[str, str, int, dict, bool, Port]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Why each rule did not admit it, when closed."""
        return [_reason(*miss) for miss in self.misses]

    def explain(self) -> list[str]:
        if self.admitted_by == "outside":
            return [f"{self.direction}: not restricted here (outside the namespace under study)"]
        if not self.policies:
            return [f"{self.direction}: open (no policy selects the pod for {self.direction})"]
        if self.allowed:
            return [f"{self.direction}: open by {self.admitted_by}"]
        return [f"{self.direction}: shut; selected by {', '.join(self.policies)} and no rule admits it:",
                *[f"  {reason}" for reason in self.reasons]]


@dataclass
class Verdict:
    source: Endpoint
    destination: Endpoint
    port: Port
    egress: DirectionVerdict
    ingress: DirectionVerdict

    @property
    def open(self) -> bool:
        return self.egress.allowed and self.ingress.allowed

    def explain(self) -> list[str]:
        head = f"{self.source.name} -> {self.destination.name}:{self.port}: {'open' if self.open else 'shut'}"
        return [head, *self.egress.explain(), *self.ingress.explain()]


def selector_matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """A LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist)."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


@functools.lru_cache(maxsize=4096)
def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(ip)


@functools.lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def _in_block(ip: str, block: dict) -> bool:
    address = _address(ip)
    if address not in _network(block["cidr"]):
        return False
    return not any(address in _network(cidr) for cidr in block.get("except") or [])


def _peer_matches(peer: dict, endpoint: Endpoint, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return _in_block(endpoint.ip, peer["ipBlock"])
    if endpoint.namespace is None:
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": endpoint.namespace}
        if not selector_matches(peer["namespaceSelector"], namespace_labels):
            return False
    elif endpoint.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or selector_matches(peer["podSelector"], endpoint.labels)


def _port_matches(rule_port: dict, port: Port) -> bool:
    if rule_port.get("protocol", "TCP") != port.protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return wanted == port.name
    return int(wanted) <= port.number <= int(rule_port.get("endPort", wanted))


def _describe_peers(peers: list[dict] | None) -> str:
    if not peers:
        return "anyone"
    parts = []
    for peer in peers:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            parts.append(block["cidr"] + (f" except {', '.join(block['except'])}" if block.get("except") else ""))
            continue
        words = []
        for key, what in (("namespaceSelector", "namespace"), ("podSelector", "pods")):
            if key in peer:
                selector = peer[key] or {}
                terms = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
                terms += [f"{e['key']} {e['operator']} {','.join(e.get('values') or [])}".strip()
                          for e in selector.get("matchExpressions") or []]
                words.append(f"{what} {' '.join(terms) or '(all)'}")
        parts.append(" and ".join(words))
    return "; ".join(parts)


def _reason(name: str, rules_key: str, number: int, rule: dict, peer_ok: bool, port: Port) -> str:
    """Why rule `number` of a policy's rules did not admit a connection on port (0: it has none)."""
    if number == 0:
        return f"{name}: no {rules_key} rules (denies all)"
    peers_key = "to" if rules_key == "egress" else "from"
    ports = rule.get("ports")
    shown = ",".join(str(Port(int(p["port"]), p.get("protocol", "TCP"))) if isinstance(
        p.get("port"), int) else str(p.get("port", "any")) for p in ports or []) or "any port"
    why = "peer does not match" if not peer_ok else f"port {port} not in {shown}"
    return f"{name} {rules_key} rule {number} ({peers_key} {_describe_peers(rule.get(peers_key))}; {shown}): {why}"


class PolicySet:
    """The NetworkPolicies of one namespace, asked about connections between endpoints."""

    def __init__(self, policies: list[dict], namespace: str):
        self.namespace = namespace
        self.policies = [p for p in policies
                         if (p.get("metadata") or {}).get("namespace", namespace) == namespace]
        self._selected: dict[tuple[int, str], list[dict]] = {}

    @staticmethod
    def _types(policy: dict) -> list[str]:
        spec = policy.get("spec") or {}
        return spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))

    def selecting(self, endpoint: Endpoint, direction: str) -> list[dict]:
        """The policies that select endpoint for direction (Ingress or Egress)."""
        key = (id(endpoint), direction)
        if key not in self._selected:
            self._selected[key] = [] if endpoint.namespace != self.namespace else [
                p for p in self.policies if direction in self._types(p)
                and selector_matches((p.get("spec") or {}).get("podSelector"), endpoint.labels)]
        return self._selected[key]

    def _side(self, direction: str, subject: Endpoint, peer: Endpoint, port: Port) -> DirectionVerdict:
        if subject.namespace != self.namespace:
            return DirectionVerdict(direction.lower(), True, [], "outside")
        policies = self.selecting(subject, direction)
        names = [p["metadata"]["name"] for p in policies]
        if not policies:
            return DirectionVerdict(direction.lower(), True, [])
        rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
        misses = []
        for policy in policies:
            name = policy["metadata"]["name"]
            rules = (policy.get("spec") or {}).get(rules_key) or []
            if not rules:
                misses.append((name, rules_key, 0, {}, False, port))
            for number, rule in enumerate(rules, 1):
                peers = rule.get(peers_key)
                ports = rule.get("ports")
                peer_ok = not peers or any(_peer_matches(p, peer, self.namespace) for p in peers)
                port_ok = not ports or any(_port_matches(p, port) for p in ports)
                if peer_ok and port_ok:
                    return DirectionVerdict(direction.lower(), True, names, f"{name} {rules_key} rule {number}")
                misses.append((name, rules_key, number, rule, peer_ok, port))
        return DirectionVerdict(direction.lower(), False, names, misses=misses)

    def verdict(self, source: Endpoint, destination: Endpoint, port: Port) -> Verdict:
        return Verdict(source, destination, port,
                       self._side("Egress", source, destination, port),
                       self._side("Ingress", destination, source, port))
