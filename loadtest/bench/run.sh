#!/usr/bin/env bash
# Measures the load tester's own ceiling against a trivial loopback handler,
# and, when they are installed, vegeta and wrk against the same handler with
# the same connection count, then prints the ratios. Loopback only; every
# run is bounded by DURATION.
#
#   loadtest/bench/run.sh                         # 3 rounds of 10 s per tool, 64 connections
#   DURATION=5s CONNS=32 ROUNDS=5 loadtest/bench/run.sh
#   BASELINE=/tmp/loadtest-old loadtest/bench/run.sh   # also an older build, side by side
#   GOBENCH=0 loadtest/bench/run.sh               # skip the go test benchmarks
#
# The tools run one after the other within a round, and the rounds
# interleave, so a neighbour's load on a shared machine hits all of them
# alike; the figures to quote are the medians of the per-round ratios.
# CPU µs/req is the tool's own user+system time per request (from
# /usr/bin/time): less noisy than req/s on a shared machine, and what
# decides the ceiling when tool and target share the cores.
#
# vegeta: go install github.com/tsenart/vegeta/v12@latest
# wrk:    apt-get install -y wrk
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-3}
GOBENCH=${GOBENCH:-1}
BASELINE=${BASELINE:-}
ADDR=${ADDR:-127.0.0.1:18080}
URL="http://$ADDR/serve/api/v1/list_sessions"
tmp=$(mktemp -d)
cleanup() { [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

if [ "$GOBENCH" = 1 ]; then
  echo "== go benchmark (engine + client + collector, in-process target)"
  go test -run '^$' -bench 'EngineCeiling|EngineOpenDispatch|CollectorObserve' -benchtime 50000x ./loadtest/ | grep -E '^Benchmark'
fi

go build -o "$tmp/loadtest" ./cmd/loadtest
go build -o "$tmp/server" ./loadtest/bench/server
"$tmp/server" -addr "$ADDR" 2>/dev/null &
srv=$!
for _ in $(seq 50); do curl -s -o /dev/null "$URL" && break; sleep 0.1; done

TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -f "%U %S" -o "$tmp/cpu"); fi
cpu() { # requests -> CPU µs per request, or "-"
  if [ ${#TIME[@]} -gt 0 ] && [ -s "$tmp/cpu" ]; then
    python3 -c "import sys;u,s=open('$tmp/cpu').read().split()[-2:];n=float(sys.argv[1]);print(f'{(float(u)+float(s))*1e6/n:.1f}' if n else '-')" "$1"
  else echo "-"; fi
}

# Each line of $tmp/rows: round tool req/s p50_ms p99_ms cpu_us_per_req
ours() { # name binary
  rm -f "$tmp/cpu"
  "${TIME[@]}" "$2" run --target "http://$ADDR" --op list_sessions --vus "$CONNS" --duration "$DURATION" --quiet --out "$tmp/lt" >/dev/null
  read -r n rps p50 p99 <<<"$(python3 -c "import json;r=json.load(open('$tmp/lt/result.json'));a=r['global']['all'];print(a['count'], f\"{a['rate']:.0f} {a['p50_ms']:.3f} {a['p99_ms']:.3f}\")")"
  echo "$round $1 $rps $p50 $p99 $(cpu "$n")" >> "$tmp/rows"
}

VEGETA=${VEGETA:-$(command -v vegeta || echo "$(go env GOPATH)/bin/vegeta")}
have_vegeta=0; [ -x "$VEGETA" ] && have_vegeta=1
have_wrk=0; command -v wrk >/dev/null && have_wrk=1
[ $have_vegeta = 1 ] || echo "vegeta not installed (go install github.com/tsenart/vegeta/v12@latest)"
[ $have_wrk = 1 ] || echo "wrk not installed (apt-get install -y wrk)"

tools="loadtest"
[ -n "$BASELINE" ] && tools="$tools, baseline ($BASELINE)"
[ $have_vegeta = 1 ] && tools="$tools, vegeta"
[ $have_wrk = 1 ] && tools="$tools, wrk"
echo "== $ROUNDS rounds of: $tools; $CONNS connections for $DURATION each"
for round in $(seq "$ROUNDS"); do
  ours loadtest "$tmp/loadtest"
  if [ -n "$BASELINE" ]; then ours baseline "$BASELINE"; fi
  if [ $have_vegeta = 1 ]; then
    rm -f "$tmp/cpu"
    echo "GET $URL" | "${TIME[@]}" "$VEGETA" attack -rate 0 -max-workers "$CONNS" -workers "$CONNS" -duration "$DURATION" -header "Authorization: sk-bench" > "$tmp/v.bin"
    "$VEGETA" report -type json < "$tmp/v.bin" > "$tmp/v.json"
    read -r n ok rps p50 p99 <<<"$(python3 -c "import json;r=json.load(open('$tmp/v.json'));print(r['requests'], f\"{r['success']:.4f} {r['throughput']:.0f} {r['latencies']['50th']/1e6:.3f} {r['latencies']['99th']/1e6:.3f}\")")"
    if [ "$ok" != "1.0000" ]; then
      echo "vegeta round $round: success ratio $ok; errors:"; python3 -c "import json;print(json.load(open('$tmp/v.json')).get('errors'))"
    fi
    echo "$round vegeta $rps $p50 $p99 $(cpu "$n")" >> "$tmp/rows"
  fi
  if [ $have_wrk = 1 ]; then
    rm -f "$tmp/cpu"
    "${TIME[@]}" wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Authorization: sk-bench" "$URL" > "$tmp/wrk.txt"
    read -r n rps p50 p99 <<<"$(python3 - "$tmp/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(s):
    v, u = re.match(r"([\d.]+)(us|ms|s)", s).groups()
    return float(v) * {"us": 1e-3, "ms": 1, "s": 1e3}[u]
n = re.search(r"(\d+) requests in", t).group(1)
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", t).group(1))
print(n, f"{rps:.0f} {p50:.3f} {p99:.3f}")
PY
)"
    echo "$round wrk $rps $p50 $p99 $(cpu "$n")" >> "$tmp/rows"
  fi
done

python3 - "$tmp/rows" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for rnd, tool, rps, p50, p99, cpu in rows:
    by.setdefault(int(rnd), {})[tool] = (float(rps), p50, p99, cpu)
print(f"{'round':>5} {'tool':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>10}")
for rnd in sorted(by):
    for tool, (rps, p50, p99, cpu) in by[rnd].items():
        print(f"{rnd:>5} {tool:<9} {rps:>8.0f} {p50:>8} {p99:>8} {cpu:>10}")
tools = [t for t in ("baseline", "vegeta", "wrk") if all(t in r for r in by.values())]
for t in tools:
    ratios = [r["loadtest"][0] / r[t][0] for r in by.values() if r[t][0] > 0]
    if ratios:
        print(f"ratio loadtest/{t} req/s: median {statistics.median(ratios):.2f} (rounds: {' '.join(f'{x:.2f}' for x in ratios)})")
    cr = [float(r[t][3]) / float(r["loadtest"][3]) for r in by.values() if r[t][3] != "-" and r["loadtest"][3] != "-"]
    if cr:
        print(f"CPU per request {t}/loadtest: median {statistics.median(cr):.2f} (above 1: loadtest spends less)")
PY
