#!/usr/bin/env bash
# Builds the pinned toolchain into .cache/ and the project's Python venv.
# Usage: tools/bootstrap.sh [venv] [chart-tools] [cluster-tools] [browser] ...   (default: venv chart-tools)
# Every part is idempotent: a tool whose stamp matches its pin is left alone, so a warm run takes seconds.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$root/tools/versions.env"
cache="$root/.cache"
bin="$cache/bin"
mkdir -p "$bin" "$cache/build"

# Go builds: static, no toolchain download, our own output folder.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# up_to_date NAME PIN: true when .cache/bin/NAME was built (or linked) for PIN.
up_to_date() { [[ -x "$bin/$1" && "$(cat "$bin/.$1.version" 2>/dev/null)" == "$2" ]]; }
stamp() { printf '%s\n' "$2" > "$bin/.$1.version"; }

# use_from_path NAME PIN CMD...: link a tool already on PATH when it reports the pinned version.
use_from_path() {
  local name=$1 pin=$2; shift 2
  local found
  found=$(command -v "$name" 2>/dev/null) || return 1
  [[ "$found" == "$bin/$name" ]] && return 1
  "$found" "$@" 2>/dev/null | grep -qF "${pin#v}" || return 1
  ln -sf "$found" "$bin/$name"
  stamp "$name" "$pin"
  say "$name $pin: using $found"
}

# go_install NAME PIN MODULE_PACKAGE [LDFLAGS]: go install PACKAGE@PIN as .cache/bin/NAME.
go_install() {
  local name=$1 pin=$2 pkg=$3 ldflags=${4:-}
  local tmp
  tmp=$(mktemp -d "$cache/build/gobin.XXXXXX")
  say "$name $pin: building $pkg"
  GOBIN="$tmp" go install -ldflags "-s -w $ldflags" "$pkg@$pin"
  mv -f "$tmp"/* "$bin/$name"   # go install writes exactly one binary
  rmdir "$tmp"
  stamp "$name" "$pin"
}

# go_build_pinned NAME PIN MODULE PACKAGE [LDFLAGS]: build PACKAGE from MODULE@PIN through a small
# wrapper module. For modules whose version list the proxy refuses, which `go install pkg@v` asks for.
go_build_pinned() {
  local name=$1 pin=$2 module=$3 pkg=$4 ldflags=${5:-}
  local dir="$cache/build/$name-$pin"
  say "$name $pin: building $pkg"
  mkdir -p "$dir"
  printf 'module quikapp.local/tools/%s\n\ngo 1.24\n\nrequire %s %s\n' "$name" "$module" "$pin" > "$dir/go.mod"
  (cd "$dir" && go build -mod=mod -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$pkg")
  mv -f "$bin/$name.tmp" "$bin/$name"
  stamp "$name" "$pin"
}

# module_files NAME MODULE VERSION FILE...: copy FILEs of the Go module MODULE@VERSION (from the
# module cache, through the module proxy when not there yet) into .cache/modules/NAME, stamped, so
# the tooling reads them at run time without Go or the network.
module_files() {
  local name=$1 module=$2 version=$3; shift 3
  local dest="$cache/modules/$name" dir tmp file
  [[ "$(cat "$dest/.version" 2>/dev/null)" == "$module@$version" ]] && return 0
  dir=$(cd "$cache" && GOFLAGS=-mod=mod go mod download -json "$module@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d "$dir" ]] || { say "$module@$version: the module proxy gave no module"; return 1; }
  tmp=$(mktemp -d "$cache/build/modules.XXXXXX")
  for file in "$@"; do
    mkdir -p "$tmp/$(dirname "$file")"
    install -m 0644 "$dir/$file" "$tmp/$file"
  done
  echo "$module@$version" > "$tmp/.version"
  mkdir -p "$cache/modules"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  say "$name $version: $# files from $module in ${dest#"$root"/}"
}

# The Secrets Store CSI driver's SecretProviderClass CRD (validate checks the Key Vault class
# against it) and its CSIDriver object (the local cluster installs both).
part_crds() {
  module_files secrets-store-csi-driver sigs.k8s.io/secrets-store-csi-driver "$SECRETS_STORE_CSI_DRIVER_VERSION" \
    deploy/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml deploy/csidriver.yaml
  part_argocd_crds
}

# Argo CD's CRDs: the cluster tests apply deploy/argocd/ against them. Downloaded only (the module
# is Argo CD's whole source; it is not built here).
part_argocd_crds() {
  module_files argocd-crds github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" \
    manifests/crds/application-crd.yaml \
    manifests/crds/applicationset-crd.yaml \
    manifests/crds/appproject-crd.yaml
}

# kwok's default stages (what kwokctl uses when its configuration holds no Stage): the local
# cluster's configuration holds ours (tools/kwok), which replace them all, so it carries these too.
part_kwok_stages() {
  module_files kwok-stages sigs.k8s.io/kwok "$KWOK_VERSION" \
    kustomize/stage/node/fast/node-initialize.yaml \
    kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    kustomize/stage/pod/fast/pod-ready.yaml \
    kustomize/stage/pod/fast/pod-complete.yaml \
    kustomize/stage/pod/fast/pod-delete.yaml
}

# uv, pinned, in a venv of its own: it builds the two venvs below from its cache in seconds, where
# pip takes a minute and a half on every fresh clone.
part_uv() {
  local venv="$cache/uv"
  [[ -x "$venv/bin/uv" && "$(cat "$venv/.version" 2>/dev/null)" == "$UV_VERSION" ]] && return
  say "uv $UV_VERSION: installing into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  echo "$UV_VERSION" > "$venv/.version"
}

# uv_venv DIR REQUIREMENT...: a fresh venv at DIR holding the REQUIREMENTs (uv pip install arguments).
uv_venv() {
  local venv=$1; shift
  "$cache/uv/bin/uv" venv --quiet --clear --python python3 "$venv"
  VIRTUAL_ENV="$venv" "$cache/uv/bin/uv" pip install --quiet "$@"
}

part_venv() {
  local venv="$cache/venv" sum
  sum=$(cat "$root/pyproject.toml" "$root/tools/constraints.txt" | sha256sum | cut -c1-16)
  if [[ -x "$venv/bin/python" && "$(cat "$venv/.pyproject.sum" 2>/dev/null)" == "$sum" ]]; then
    return
  fi
  part_uv
  say "venv: installing the project and its test dependencies (pinned by tools/constraints.txt)"
  uv_venv "$venv" -c "$root/tools/constraints.txt" -e "$root[test]"
  echo "$sum" > "$venv/.pyproject.sum"
}

# checkov in a venv of its own: its many pinned dependencies never meet the project's.
part_checkov() {
  local venv="$cache/checkov"
  [[ -x "$venv/bin/checkov" && "$(cat "$venv/.version" 2>/dev/null)" == "$CHECKOV_VERSION" ]] && return
  part_uv
  say "checkov $CHECKOV_VERSION: installing into $venv"
  uv_venv "$venv" "checkov==$CHECKOV_VERSION"
  echo "$CHECKOV_VERSION" > "$venv/.version"
}

part_chart_tools() {
  up_to_date helm "$HELM_VERSION" || use_from_path helm "$HELM_VERSION" version --short ||
    go_install helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm \
      "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
  up_to_date helm3 "$HELM3_VERSION" || use_from_path helm3 "$HELM3_VERSION" version --short ||
    go_install helm3 "$HELM3_VERSION" helm.sh/helm/v3/cmd/helm \
      "-X helm.sh/helm/v3/internal/version.version=$HELM3_VERSION"
  up_to_date ct "$CT_VERSION" || use_from_path ct "$CT_VERSION" version ||
    go_build_pinned ct "$CT_VERSION" github.com/helm/chart-testing/v3 github.com/helm/chart-testing/v3/ct \
      "-X github.com/helm/chart-testing/v3/ct/cmd.Version=$CT_VERSION"
  up_to_date registry "$DISTRIBUTION_VERSION" ||
    go_build_pinned registry "$DISTRIBUTION_VERSION" github.com/distribution/distribution/v3 \
      github.com/distribution/distribution/v3/cmd/registry
  up_to_date kube-score "$KUBE_SCORE_VERSION" ||
    go_install kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score \
      "-X main.version=$KUBE_SCORE_VERSION"
  part_crds
}

# A headless browser for the tests of the HTML reports: Debian's chromium, installed when missing.
part_browser() {
  command -v chromium >/dev/null 2>&1 && return
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  say "chromium: installing Debian's package (apt-get)"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
}

part_cluster_tools() {
  # shellcheck source=build-cluster-tools.sh
  source "$root/tools/build-cluster-tools.sh"
  build_cluster_tools
  part_kwok_stages
}

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(venv chart-tools)
for part in "${parts[@]}"; do
  case "$part" in
    venv) part_venv; part_checkov ;;
    chart-tools) part_chart_tools ;;
    cluster-tools) part_cluster_tools ;;
    browser) part_browser ;;
    *) say "unknown part '$part' (venv, chart-tools, cluster-tools, browser)"; exit 2 ;;
  esac
done
