"""`helm template` and `helm lint` results, and the chart archives `helm package` makes, kept by the
content of everything they are made of, so that the same render or archive is not made twice (the
test suite renders and packages the same charts and values many times over).

Off unless QUIKAPP_CHARTS_RENDER_CACHE names a folder. A result is found again only when all of
these are the same: the helm binary (its bytes), every argument, the working directory, the
HELM_* and KUBECONFIG variables, and the bytes, names and symbolic links of every file and folder
an argument names (a chart folder as a whole, its dependency archives included). A render whose
flags this module does not know runs uncached. An absolute path argument is replaced in the key
by the digest of what it names, so that a copy of the repository elsewhere finds the same render;
where helm's output names such a path, the stored output holds a placeholder put back on reading.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

VARIABLE = "QUIKAPP_CHARTS_RENDER_CACHE"
FORMAT = "1"
# The flags of `helm template` and `helm lint` that read nothing but their argument (a path
# argument is hashed), by subcommand: (flags with a value, flags without).
_COMMON = {"--namespace", "-n", "--kube-version", "--values", "-f", "--set", "--set-string", "--set-json"}
_SUBCOMMANDS = {
    "template": (_COMMON | {"--name-template", "--api-versions", "-a", "--show-only", "-s", "--description"},
                 {"--include-crds", "--skip-crds", "--skip-tests", "--no-hooks", "--is-upgrade", "--release-name",
                  "--disable-openapi-validation", "--hide-notes"}),
    "lint": (_COMMON, {"--strict", "--quiet", "--with-subcharts"}),
}
_binary_digests: dict[tuple, str] = {}


def folder(env: Mapping[str, str] | None = None) -> Path | None:
    """The cache folder, or None when caching is off."""
    value = (os.environ if env is None else env).get(VARIABLE)
    return Path(value) if value else None


def cacheable(cmd: Sequence[str]) -> bool:
    """`helm template` or `helm lint` with only flags whose inputs the key covers."""
    if len(cmd) < 2 or cmd[1] not in _SUBCOMMANDS:
        return False
    with_value, without = _SUBCOMMANDS[cmd[1]]
    expect_value = False
    for arg in cmd[2:]:
        if expect_value:
            expect_value = False
            continue
        if arg.startswith("-"):
            flag = arg.split("=", 1)[0]
            if flag in with_value:
                expect_value = "=" not in arg
            elif flag not in without:
                return False
    return True


def binary_digest(program: str) -> str:
    """sha256 of an executable's bytes, found on PATH as a process would find it (once per process
    and file version); FileNotFoundError when there is none."""
    path = program if os.sep in program else shutil.which(program)
    if path is None:
        raise FileNotFoundError(program)
    stat = os.stat(path)
    identity = (os.path.realpath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if identity not in _binary_digests:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _binary_digests[identity] = digest.hexdigest()
    return _binary_digests[identity]


def tree_digest(path: Path) -> str:
    """sha256 over a file's bytes, or a folder's every entry: relative name, kind, symbolic link
    target, bytes (links followed, as helm follows them)."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(b"file\0" + path.read_bytes())
        return digest.hexdigest()
    for current, folders, files in os.walk(path, followlinks=True):
        folders.sort()
        relative = os.path.relpath(current, path)
        for name in folders:
            entry = os.path.join(current, name)
            link = os.readlink(entry) if os.path.islink(entry) else ""
            digest.update(f"dir\0{relative}/{name}\0{link}\0".encode())
        for name in sorted(files):
            entry = os.path.join(current, name)
            link = os.readlink(entry) if os.path.islink(entry) else ""
            digest.update(f"file\0{relative}/{name}\0{link}\0".encode())
            with open(entry, "rb") as handle:
                data = handle.read()
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def key(cmd: Sequence[str], cwd: str | None = None, env: Mapping[str, str] | None = None,
        identity: Sequence[str] = ()) -> tuple[str, list[str]]:
    """(the key of a render, the absolute path arguments it stands for, longest first); identity:
    whatever else the result depends on (another program's installed files, say)."""
    env = os.environ if env is None else env
    workdir = cwd or os.getcwd()
    relocated = sorted({arg for arg in cmd[1:] if os.path.isabs(arg) and os.path.exists(arg)}, key=len, reverse=True)
    parts = [FORMAT, binary_digest(cmd[0]), workdir, *identity]
    for arg in cmd[1:]:
        if arg in relocated:
            parts.append(f"path:{relocated.index(arg)}:{tree_digest(Path(arg))}")
        elif not os.path.isabs(arg) and os.path.exists(os.path.join(workdir, arg)):
            parts.append(f"relative:{arg}:{tree_digest(Path(workdir) / arg)}")
        else:
            parts.append(f"arg:{arg}")
    parts += sorted(f"env:{k}={v}" for k, v in env.items() if k.startswith("HELM_") or k == "KUBECONFIG")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest(), relocated


def _placeholder(number: int) -> str:
    return f"\0quikapp-render-cache-path-{number}\0"


def run(cmd: Sequence[str], cache: Path, *, cwd: str | None = None, env: Mapping[str, str] | None = None,
        timeout: float | None = None, identity: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """`helm template` (cmd, with helm's path first), or another command whose result is a function
    of its arguments, the files they name and identity, from the cache or run and stored."""
    digest, relocated = key(cmd, cwd, env, identity)
    entry = cache / digest[:2] / f"{digest}.json.z"
    try:
        stored = json.loads(zlib.decompress(entry.read_bytes()))
    except (OSError, ValueError, zlib.error):
        stored = None
    if stored is not None:
        os.utime(entry)  # used: prune keeps it
        out, err = stored["stdout"], stored["stderr"]
        for number, path in enumerate(relocated):
            out, err = out.replace(_placeholder(number), path), err.replace(_placeholder(number), path)
        return subprocess.CompletedProcess(list(cmd), stored["returncode"], out, err)
    result = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, timeout=timeout,
                            env=dict(env) if env is not None else None)
    out, err = result.stdout, result.stderr
    if "\0" not in out + err:
        for number, path in enumerate(relocated):
            out, err = out.replace(path, _placeholder(number)), err.replace(path, _placeholder(number))
        _store(entry, {"returncode": result.returncode, "stdout": out, "stderr": err})
    return result


def made(cmd: Sequence[str], cache: Path, make: Callable[[], bytes], *, identity: Sequence[str] = ()) -> bytes:
    """The bytes a command writes (an archive, say), keyed as a render is (the program, every
    argument and what it names, identity) but not by the working directory: from the cache, or
    make() and stored. A make() that raises stores nothing."""
    digest, _ = key(cmd, os.sep, identity=identity)
    entry = cache / digest[:2] / f"{digest}.json.z"
    try:
        data = base64.b64decode(json.loads(zlib.decompress(entry.read_bytes()))["made"], validate=True)
    except (OSError, ValueError, KeyError, TypeError, zlib.error, binascii.Error):
        data = None
    if data is not None:
        os.utime(entry)  # used: prune keeps it
        return data
    data = make()
    _store(entry, {"made": base64.b64encode(data).decode()})
    return data


def _store(entry: Path, data: dict) -> None:
    """Write an entry whole or not at all (several processes share the folder)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(zlib.compress(json.dumps(data).encode(), 1))
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def prune(cache: Path, older_than_days: float = 7) -> int:
    """Remove the entries not used for that many days (renders of charts since changed); how many."""
    limit = time.time() - older_than_days * 86_400
    removed = 0
    for entry in cache.glob("*/*.json.z"):
        try:
            if entry.stat().st_mtime < limit:
                entry.unlink()
                removed += 1
        except OSError:
            pass
    return removed
