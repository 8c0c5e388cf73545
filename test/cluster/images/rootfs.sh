# Root filesystems of the cluster's images, one fill_<image> function each (sourced by build.sh).
# Each function also sets IMAGE_REF, ENTRYPOINT (array) and INPUTS (the files whose change means a rebuild).

# copy_libs ROOT FILE: every shared library ldd lists for FILE (and the loader), at the same paths under ROOT
copy_libs() {
  local lib
  for lib in $(ldd "$2" 2>/dev/null | awk '/=>/ && $3 ~ /^\// {print $3} $1 ~ /^\// && /ld-linux/ {print $1}'); do
    [ -e "$1$lib" ] || { mkdir -p "$1$(dirname "$lib")" && cp -L "$lib" "$1$lib"; }
  done
}
copy_with_libs() { mkdir -p "$1$(dirname "$2")" && cp -L "$2" "$1$2" && copy_libs "$1" "$2"; }
base_files() { mkdir -p "$1"/{etc,tmp}; echo 'root:x:0:0:root:/:/bin/sh' > "$1/etc/passwd"; echo 'root:x:0:' > "$1/etc/group"; }
go_static() { (cd "$1" && CGO_ENABLED=0 GOFLAGS= go build -trimpath -ldflags "-s -w" -o "$2" main.go); }

fill_pause() {
  IMAGE_REF=$PAUSE_IMAGE; ENTRYPOINT=(/pause); INPUTS=("$IMAGES_SRC/pause/pause.c")
  [ -n "${1:-}" ] || return 0
  gcc -O2 -static -o "$1/pause" "$IMAGES_SRC/pause/pause.c" && strip "$1/pause"
}

fill_coredns() {
  IMAGE_REF=kmirror-cluster/coredns:$COREDNS_VERSION; ENTRYPOINT=(/coredns); INPUTS=("$COREDNS_BIN/coredns")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; cp "$COREDNS_BIN/coredns" "$1/coredns"
}

# busybox (sh, nsenter, nslookup, ps...) plus http-get, a static Go HTTP client: the static busybox wget needs NSS
fill_busybox() {
  IMAGE_REF=kmirror-test/busybox:1; ENTRYPOINT=(/bin/sh); INPUTS=(/bin/busybox "$IMAGES_SRC/http-get/main.go")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; mkdir -p "$1/bin"; cp /bin/busybox "$1/bin/busybox"
  go_static "$IMAGES_SRC/http-get" "$1/bin/http-get"
  local applet
  for applet in $("$1/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"; done
}

fill_node_http() {
  IMAGE_REF=kmirror-test/node-http:1; ENTRYPOINT=(/usr/bin/node /app/server.js)
  INPUTS=(/usr/bin/node "$IMAGES_SRC/node-http/server.js")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; copy_with_libs "$1" /usr/bin/node
  mkdir -p "$1/app" && cp "$IMAGES_SRC/node-http/server.js" "$1/app/"
}

# python_rootfs ROOT: Debian's python3.11, its standard library (no tests, caches or site packages) and libraries
python_rootfs() {
  copy_with_libs "$1" /usr/bin/python3.11 && ln -sf python3.11 "$1/usr/bin/python3"
  mkdir -p "$1/usr/lib" && tar -C /usr/lib --exclude=__pycache__ --exclude=python3.11/test --exclude='python3.11/config-*' \
    --exclude=python3.11/dist-packages --exclude=python3.11/site-packages -cf - python3.11 | tar -C "$1/usr/lib" -xf -
  local so; for so in /usr/lib/python3.11/lib-dynload/*.so; do copy_libs "$1" "$so"; done
}

fill_python_http() {
  IMAGE_REF=kmirror-test/python-http:1; ENTRYPOINT=(/usr/bin/python3.11 /app/server.py)
  INPUTS=(/usr/bin/python3.11 "$IMAGES_SRC/python-http/server.py")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; python_rootfs "$1"
  mkdir -p "$1/app" && cp "$IMAGES_SRC/python-http/server.py" "$1/app/"
}

fill_go_http() {
  IMAGE_REF=kmirror-test/go-http:1; ENTRYPOINT=(/go-http); INPUTS=("$IMAGES_SRC/go-http/main.go")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; go_static "$IMAGES_SRC/go-http" "$1/go-http"
}

fill_udp_echo() {
  IMAGE_REF=kmirror-test/udp-echo:1; ENTRYPOINT=(/udp-echo); INPUTS=("$IMAGES_SRC/udp-echo/main.go")
  [ -n "${1:-}" ] || return 0
  base_files "$1"; go_static "$IMAGES_SRC/udp-echo" "$1/udp-echo"
}

# The kmirror agent: Node, the bundled agent, its native addon and BPF objects, laid out under /opt/kmirror as in
# the repository (dist/, build/native/, build/ebpf/) so the agent finds them by the same relative paths.
# Built from whatever the build has produced so far (agent/Dockerfile describes the same image).
fill_agent() {
  local version; version=$(node -p 'require(process.argv[1]).version' "$REPO/package.json")
  IMAGE_REF=kmirror/agent:$version; ENTRYPOINT=(/usr/bin/node /opt/kmirror/dist/kmirror-agent.js)
  INPUTS=(/usr/bin/node "$REPO/package.json")
  local f; for f in "$REPO"/dist/kmirror-agent.js "$REPO"/build/native/kmirror_agent.node "$REPO"/build/ebpf/*.bpf.o; do
    [ -f "$f" ] && INPUTS+=("$f"); done
  [ -n "${1:-}" ] || return 0
  base_files "$1"; copy_with_libs "$1" /usr/bin/node
  local part missing=()
  for part in dist/kmirror-agent.js build/native/kmirror_agent.node; do
    if [ -f "$REPO/$part" ]; then mkdir -p "$1/opt/kmirror/$(dirname "$part")"; cp "$REPO/$part" "$1/opt/kmirror/$part"
    else missing+=("$part"); fi
  done
  [ -f "$REPO/build/native/kmirror_agent.node" ] && copy_libs "$1" "$REPO/build/native/kmirror_agent.node"
  local libdir=/lib/x86_64-linux-gnu lib          # the path ldd reports on Debian (usrmerge)
  for lib in libbpf.so.1 libelf.so.1 libz.so.1; do
    [ -e "$libdir/$lib" ] && [ ! -e "$1$libdir/$lib" ] && mkdir -p "$1$libdir" && cp -L "$libdir/$lib" "$1$libdir/$lib"
  done
  if compgen -G "$REPO/build/ebpf/*.bpf.o" >/dev/null; then
    mkdir -p "$1/opt/kmirror/build/ebpf" && cp "$REPO"/build/ebpf/*.bpf.o "$1/opt/kmirror/build/ebpf/"
  else missing+=("build/ebpf/*.bpf.o"); fi
  [ ${#missing[@]} -eq 0 ] || echo "images: agent image built without ${missing[*]} (not built yet)" >&2
}

# go-http built for debugging (issue 11's remote attach): optimisations and inlining off, DWARF kept, and the
# source paths rewritten to /build/go-http as an image build in that directory would record them.
fill_go_http_debug() {
  IMAGE_REF=kmirror-test/go-http-debug:1; ENTRYPOINT=(/go-http); INPUTS=("$IMAGES_SRC/go-http/main.go")
  [ -n "${1:-}" ] || return 0
  local src=$IMAGES_SRC/go-http
  base_files "$1"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS= go build -gcflags "all=-N -l -trimpath=$src=>/build/go-http" -o "$1/go-http" main.go)
}

# debugpy_tree DIR: debugpy (the wheel from PyPI, downloaded once into ~/.cache) unpacked into DIR/debugpy, without
# what only Windows/macOS or a build uses. Debian's python3-debugpy lacks attach_linux_amd64.so (the injector's).
DEBUGPY_VERSION=${KMIRROR_DEBUGPY_VERSION:-1.8.22}
debugpy_tree() {
  local cache=$HOME/.cache/kmirror-debugpy wheel
  wheel=$(compgen -G "$cache/debugpy-$DEBUGPY_VERSION-*.whl" | head -1 || true)
  if [ -z "$wheel" ]; then
    mkdir -p "$cache"
    local py; for py in python3 /usr/bin/python3; do "$py" -m pip --version >/dev/null 2>&1 && break; done
    "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "debugpy==$DEBUGPY_VERSION" \
      || die "cannot download debugpy $DEBUGPY_VERSION with pip ($py -m pip; scripts/install-deps.sh installs python3-pip)"
    wheel=$(compgen -G "$cache/debugpy-$DEBUGPY_VERSION-*.whl" | head -1)
  fi
  mkdir -p "$1" && unzip -q -o "$wheel" 'debugpy/*' -d "$1"
  find "$1/debugpy" \( -name '*.pdb' -o -name '*.exe' -o -name '*.dll' -o -name '*.dylib' -o -name '*.pyd' -o -name '*.c' \
    -o -name '*.cpp' -o -name '*.h' -o -name '*.pyx' -o -name '*.pxd' \) -delete
  [ -f "$1/debugpy/_vendored/pydevd/pydevd_attach_to_process/attach_linux_amd64.so" ] || die "debugpy $DEBUGPY_VERSION has no attach_linux_amd64.so"
}

# The debugger image of remote attach (debugger/Dockerfile describes the same image): a static dlv, built once per
# Delve version into the cluster cache from the Go module proxy; for Python attach by pid: python3.11, debugpy,
# lldb 15 (debugger/gdb-to-lldb says why not gdb), /bin/sh (debugpy's injector uses a shell) and kmirror-debugpy.
DELVE_VERSION=${KMIRROR_DELVE_VERSION:-1.27.2}
fill_debugger() {
  local version; version=$(node -p 'require(process.argv[1]).version' "$REPO/package.json")
  IMAGE_REF=kmirror/debugger:$version; ENTRYPOINT=(/usr/local/bin/dlv)
  INPUTS=("$REPO/package.json" "$REPO/debugger/Dockerfile" "$REPO/debugger/kmirror-debugpy" "$REPO/debugger/gdb-to-lldb" /usr/bin/python3.11 /usr/lib/llvm-15/bin/lldb /bin/busybox)
  [ -n "${1:-}" ] || return 0
  local bin=$CLUSTER_CACHE/delve-v$DELVE_VERSION
  if [ ! -x "$bin/dlv" ]; then
    mkdir -p "$bin"
    CGO_ENABLED=0 GOFLAGS= GOBIN=$bin go install -trimpath -ldflags "-s -w" "github.com/go-delve/delve/cmd/dlv@v$DELVE_VERSION"
  fi
  base_files "$1"; mkdir -p "$1/usr/local/bin" && cp "$bin/dlv" "$1/usr/local/bin/dlv"
  python_rootfs "$1"; debugpy_tree "$1/opt/kmirror/debugpy"
  mkdir -p "$1/bin" && cp /bin/busybox "$1/bin/busybox" && ln -sf busybox "$1/bin/sh"
  copy_with_libs "$1" /usr/lib/llvm-15/bin/lldb && copy_with_libs "$1" /usr/lib/llvm-15/bin/lldb-server
  cp "$REPO/debugger/kmirror-debugpy" "$1/usr/local/bin/kmirror-debugpy"
  mkdir -p "$1/usr/local/lib/kmirror" && cp "$REPO/debugger/gdb-to-lldb" "$1/usr/local/lib/kmirror/gdb"
}
