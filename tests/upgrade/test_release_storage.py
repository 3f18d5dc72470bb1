"""Helm's stored revisions: read and written back as helm stores them."""
from __future__ import annotations

import base64
import gzip
import json

from quikapp_charts.upgrade import releases


def test_a_stored_revision_reads_back_after_encoding():
    payload = {"name": "quikapp", "version": 3, "info": {"status": "pending-upgrade"}, "manifest": "kind: A\n"}
    data = releases.encode(payload)
    assert releases.decode(data) == payload
    # Helm's layout: the Secret's data is base64 of base64 of the gzipped JSON.
    assert json.loads(gzip.decompress(base64.b64decode(base64.b64decode(data)))) == payload


def test_helm_times_with_nanoseconds():
    t = releases.parse_time("2026-12-06T08:00:01.123456789Z")
    assert (t.second, t.microsecond, t.utcoffset().total_seconds()) == (1, 123456, 0)
    assert releases.parse_time("2026-12-06T08:00:01+01:00").utcoffset().total_seconds() == 3600
