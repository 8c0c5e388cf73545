#!/usr/bin/env bash
# Installs everything the build and every test tier need on a fresh Debian 12 machine (root).
# Idempotent: each step checks before it installs, so a warm machine passes through in seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

APT_PACKAGES=(
  # native build: BPF programs, the agent addon, the layer
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev gcc g++ make cmake ninja-build pkg-config linux-libc-dev
  libprotobuf-c-dev protobuf-c-compiler
  # libFuzzer + sanitizer runtimes for the layer's fuzz target (layer/fuzz/)
  libclang-rt-14-dev
  # namespaces, networking and the tools tests drive
  iproute2 iptables dnsutils curl procps psmisc util-linux libcap2-bin file unzip
  # debuggers and headless editors
  python3-debugpy lldb-15 gdb emacs-nox elpa-dap-mode neovim
  # pip: the debugger image's debugpy wheel (test/cluster/images/rootfs.sh, debugpy_tree)
  python3-pip
  # the LSP4J (JetBrains DAP stack) test client
  openjdk-17-jdk-headless maven
  # the e2e cluster: runtime, CNI, etcd, image tools
  containerd runc containernetworking-plugins etcd-server etcd-client umoci skopeo busybox-static openssl libc6-dev
)
DLV_VERSION=${DLV_VERSION:-v1.27.2}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# containerd from Debian starts a system instance; the test cluster runs its own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now containerd >/dev/null 2>&1 || true; fi

# Delve, pinned, built with the machine's Go toolchain.
GOBIN_DIR=$(go env GOPATH)/bin
if ! "$GOBIN_DIR/dlv" version 2>/dev/null | grep -q "Version: ${DLV_VERSION#v}"; then
  echo "install-deps: go install dlv@$DLV_VERSION"
  GOFLAGS=-mod=mod go install "github.com/go-delve/delve/cmd/dlv@$DLV_VERSION"
fi
ln -sf "$GOBIN_DIR/dlv" /usr/local/bin/dlv

# npm packages (lockfile-exact when the lockfile is present).
cd "$here"
if [ ! -d node_modules ] || [ package.json -nt node_modules/.install-stamp ] || [ package-lock.json -nt node_modules/.install-stamp ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  touch node_modules/.install-stamp
fi
# Maven artifacts of the LSP4J test client (ide-clients/intellij/lsp4j-client): fetched online once,
# so the test builds offline (-o). Re-fetched when the pom changes.
LSP4J_CLIENT="$here/ide-clients/intellij/lsp4j-client"
M2_STAMP="$HOME/.m2/repository/.kmirror-lsp4j-client-$(sha256sum "$LSP4J_CLIENT/pom.xml" | cut -c1-16)"
if [ ! -f "$M2_STAMP" ]; then
  echo "install-deps: mvn dependency:go-offline package (LSP4J client)"
  (cd "$LSP4J_CLIENT" && mvn -B -q dependency:go-offline package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
  touch "$M2_STAMP"
fi
# Real editors for the ide-clients tests (code-server + its Node 24, chromium, playwright-core), outside the project.
bash "$here/scripts/install-editors.sh"
echo "install-deps: ok"
