# Sourced by .ci scripts: ensure_node_tools makes node and npm available
# (Debian packages when absent) and installs the pinned tools of
# .ci/node/package-lock.json into .ci/node/node_modules with npm ci, again
# only when the lock file changed since the last install.
ensure_node_tools() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing node and npm from Debian"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "node and npm are needed (apt-get install nodejs npm)" >&2
      return 1
    fi
  fi
  local dir=.ci/node stamp=.ci/node/node_modules/.installed
  local want; want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing the pinned OpenAPI tools (npm ci in $dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  fi
}
