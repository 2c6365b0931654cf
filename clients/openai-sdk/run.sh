#!/usr/bin/env bash
# Runs the official openai npm SDK (pinned in package-lock.json) against a
# running mock's v2 chat completions (chat.mjs):
#
#   clients/openai-sdk/run.sh http://127.0.0.1:8080/serve/api/v2
#
# Node and npm come from Debian when absent (as root); the SDK is installed
# into clients/openai-sdk/node_modules with npm ci, again only when the lock
# file changed.
set -euo pipefail
cd "$(dirname "$0")"
base=${1:?usage: clients/openai-sdk/run.sh V2_BASE_URL}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing node and npm from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "node and npm are needed (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi
stamp=node_modules/.installed
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing the pinned openai SDK (npm ci in clients/openai-sdk)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$stamp"
fi
MEMORIES_V2_BASE_URL=$base MEMORIES_API_KEY=${MEMORIES_API_KEY:-sk-ci-openai-sdk} node chat.mjs
