"""Kubernetes resource names and quantities, as the charts and the cluster use them."""
from __future__ import annotations

import re
from decimal import Decimal

from quikapp_charts.core.errors import UserError

# The extended resource of NVIDIA's device plugin: GPU limits, node allocatable, the GPU nodes' taint key.
GPU = "nvidia.com/gpu"

_SUFFIX = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
           "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
           "Pi": 2**50, "Ei": 2**60}
_QUANTITY = re.compile(r"^([+]?[0-9]*\.?[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def quantity(value, where: str = "") -> Decimal:
    """A Kubernetes quantity ('500m', '4Gi', 2) as a Decimal in base units (cores, bytes)."""
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise UserError(f"{where or 'quantity'}: '{value}' is not a Kubernetes quantity")
    return Decimal(match[1]) * Decimal(_SUFFIX[match[2] or ""])
