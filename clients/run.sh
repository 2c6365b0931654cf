#!/usr/bin/env bash
# The generated clients of openapi/memories.yaml and openapi/memsync.yaml
# (see clients/README.md). Run from anywhere:
#
#   clients/run.sh generate              regenerate the Go (oapi-codegen) and TypeScript (openapi-typescript) clients
#   clients/run.sh check                 regenerate and fail if anything changed (CI)
#   clients/run.sh flows URL [MEMSYNC]   run the Go and the TypeScript flow against a running mock
#   clients/run.sh postman DIR           export Postman collections of the specs into DIR
#
# Node and npm come from Debian when absent (as root); the pinned npm tools of
# clients/ts/package-lock.json are installed into clients/ts/node_modules with
# npm ci, again only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ts=clients/ts

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing node and npm from Debian"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "node and npm are needed (apt-get install nodejs npm)" >&2
      return 1
    fi
  fi
  local stamp=$ts/node_modules/.installed want
  want=$(sha256sum "$ts/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing the pinned TypeScript client tools (npm ci in $ts)"
    (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  fi
}

generate() {
  go generate ./clients/go/...
  ensure_node
  (cd "$ts" && npm run -s generate >/dev/null)
}

case "${1:-}" in
generate)
  generate
  ;;
check)
  generate
  # Untracked files count too: a new generated file must be committed.
  changed=$(git status --porcelain -- clients/go "$ts/src/generated")
  if [ -n "$changed" ]; then
    echo "regenerating the clients changed:"; echo "$changed"
    git --no-pager diff --stat -- clients/go "$ts/src/generated"
    echo "run clients/run.sh generate and commit the result (the specs changed, or a generator did)" >&2
    exit 1
  fi
  echo "generated clients are up to date"
  ;;
flows)
  base=${2:?usage: clients/run.sh flows MEMORIES_URL [MEMSYNC_URL]}
  memsync=${3:-}
  ensure_node
  (cd "$ts" && rm -rf dist && npm run -s build && npm test --silent >/dev/null)
  export MEMORIES_API_BASE_URL=$base MEMSYNC_API_BASE_URL=$memsync
  # Each flow has its own key: its own account, library and rate limits.
  MEMORIES_API_KEY=sk-ci-goflow MEMSYNC_API_KEY=ms-ci-goflow go run ./clients/go/cmd/goflow
  (cd "$ts" && MEMORIES_API_KEY=sk-ci-tsflow MEMSYNC_API_KEY=ms-ci-tsflow node dist/flow.js)
  ;;
postman)
  out=${2:?usage: clients/run.sh postman DIR}
  ensure_node
  mkdir -p "$out"
  for spec in memories memsync control; do
    "$ts/node_modules/.bin/openapi2postmanv2" -s "openapi/$spec.yaml" -o "$out/$spec.postman_collection.json" -p \
      -O folderStrategy=Tags,parametersResolution=Example >/dev/null
    # Every operation of the spec must be a request of the collection.
    node -e '
      const fs = require("fs");
      const spec = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const col = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
      const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
      const ops = Object.values(spec.paths).reduce((n, item) => n + methods.filter((m) => item[m]).length, 0);
      const count = (items) => items.reduce((n, it) => n + (it.request ? 1 : 0) + (it.item ? count(it.item) : 0), 0);
      const reqs = count(col.item);
      if (reqs !== ops) { console.error(`${process.argv[2]}: ${reqs} requests for ${ops} operations`); process.exit(1); }
      console.log(`${process.argv[2]}: ${reqs} requests`);
    ' "openapi/$spec.json" "$out/$spec.postman_collection.json"
  done
  ;;
*)
  sed -n '2,12p' "$0" >&2
  exit 2
  ;;
esac
