"""`quikapp-charts capacity ENV -o html`: one self-contained page, loaded by a real headless browser
(Debian's chromium, which `tools/bootstrap.sh browser` installs) that takes a screenshot and dumps
the DOM it built."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from support import cli

pytestmark = pytest.mark.slow

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--allow-file-access-from-files"]


def browser() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is missing: run tools/bootstrap.sh browser (make tools does)"
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "live.html"
    result = cli("capacity", "live", "--at", "floor", "-o", "html", "--out", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    return out


def test_the_page_is_self_contained(page):
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["'](https?:|//)""", text)
    assert "<script" not in text
    assert text.count("<svg") == 5  # four stacks charts and the quota headroom


def test_a_browser_renders_the_page(page, tmp_path):
    shot = tmp_path / "live.png"
    proc = subprocess.run([browser(), *BROWSER_FLAGS, f"--screenshot={shot}", "--window-size=1280,2000",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    dom = subprocess.run([browser(), *BROWSER_FLAGS, "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr
    for text in ("Capacity of live (quikapp-prod) at floor", "live fits at floor with a rolling-update surge.",
                 "Floor and peak per stack", "Quota headroom", "requests.nvidia.com/gpu", "elixir-realtime",
                 "7 GPUs at floor with the surge need 2 nodes of 4 GPUs."):
        assert text in dom.stdout, text
    assert "<svg" in dom.stdout and "aria-label=\"Quota headroom\"" in dom.stdout


def test_html_goes_to_stdout_without_out():
    result = cli("capacity", "live", "--at", "floor", "-o", "html")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
