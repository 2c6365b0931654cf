#!/usr/bin/env bash
# Measures the load tester's own ceiling against a trivial loopback handler,
# and, when they are installed, vegeta and wrk against the same handler, then
# prints the ratios. Loopback only; every run is bounded by DURATION.
#
#   loadtest/bench/run.sh                 # 10 s per tool, 64 connections
#   DURATION=5s CONNS=32 loadtest/bench/run.sh
#
# vegeta: go install github.com/tsenart/vegeta/v12@latest
# wrk:    apt-get install -y wrk
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
ADDR=${ADDR:-127.0.0.1:18080}
URL="http://$ADDR/serve/api/v1/list_sessions"
tmp=$(mktemp -d)
cleanup() { [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== go benchmark (engine + client + collector, in-process target)"
go test -run '^$' -bench 'EngineCeiling|CollectorObserve' -benchtime 50000x ./loadtest/ | grep -E '^Benchmark'

go build -o "$tmp/loadtest" ./cmd/loadtest
go build -o "$tmp/server" ./loadtest/bench/server
"$tmp/server" -addr "$ADDR" 2>/dev/null &
srv=$!
for _ in $(seq 50); do curl -s -o /dev/null "$URL" && break; sleep 0.1; done

echo "== memharness loadtest: $CONNS VUs for $DURATION"
"$tmp/loadtest" run --target "http://$ADDR" --op list_sessions --vus "$CONNS" --duration "$DURATION" --quiet --out "$tmp/lt" >/dev/null
ours=$(python3 -c "import json,sys;r=json.load(open('$tmp/lt/result.json'));a=r['global']['all'];print(f\"{a['rate']:.0f} {a['p50_ms']:.3f} {a['p99_ms']:.3f}\")")
read -r ours_rps ours_p50 ours_p99 <<<"$ours"
echo "loadtest: ${ours_rps} req/s  p50 ${ours_p50} ms  p99 ${ours_p99} ms"

VEGETA=${VEGETA:-$(command -v vegeta || echo "$(go env GOPATH)/bin/vegeta")}
if [ -x "$VEGETA" ]; then
  echo "== vegeta: max rate, $CONNS workers for $DURATION"
  echo "GET $URL" | "$VEGETA" attack -rate 0 -max-workers "$CONNS" -workers "$CONNS" -duration "$DURATION" -header "Authorization: sk-bench" > "$tmp/v.bin"
  "$VEGETA" report -type json < "$tmp/v.bin" > "$tmp/v.json"
  read -r veg_rps veg_p50 veg_p99 <<<"$(python3 -c "import json;r=json.load(open('$tmp/v.json'));print(f\"{r['throughput']:.0f} {r['latencies']['50th']/1e6:.3f} {r['latencies']['99th']/1e6:.3f}\")")"
  echo "vegeta:   ${veg_rps} req/s  p50 ${veg_p50} ms  p99 ${veg_p99} ms"
  python3 -c "print(f'ratio loadtest/vegeta: {$ours_rps/$veg_rps:.2f}')"
else
  echo "vegeta not installed (go install github.com/tsenart/vegeta/v12@latest)"
fi

if command -v wrk >/dev/null; then
  echo "== wrk: $CONNS connections, 2 threads for $DURATION"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Authorization: sk-bench" "$URL" > "$tmp/wrk.txt"
  wrk_rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$tmp/wrk.txt")
  echo "wrk:      ${wrk_rps} req/s  $(awk '/ 50%/ {print "p50 " $2} / 99%/ {print " p99 " $2}' "$tmp/wrk.txt" | tr -d '\n')"
  python3 -c "print(f'ratio loadtest/wrk: {$ours_rps/$wrk_rps:.2f}')"
else
  echo "wrk not installed (apt-get install -y wrk)"
fi
