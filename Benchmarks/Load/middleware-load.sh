#!/usr/bin/env bash
# Cost of the Clerk middleware on a trivial route, with wrk over loopback on the same machine.
#
#   Benchmarks/Load/middleware-load.sh [seconds-per-run] [connections]
#
# Builds the Vapor and Hummingbird example apps in release mode, runs each against its in-process emulator, and
# measures GET /ping (no Clerk) and GET /me (ClerkMiddleware / ClerkAuthenticator + guard, a valid session token
# as Bearer, keys cached after the first request) three times each: requests/s and p50/p99 latency, and the added
# cost per request = 1/rps(me) - 1/rps(ping) at the median.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
swift build -c release --product VaporExample >/dev/null
swift build -c release --product HummingbirdExample >/dev/null
BIN="$(swift build -c release --show-bin-path)"

measure() { # label url [token]
  local label="$1" url="$2" token="${3:-}" results=()
  for round in 1 2 3; do
    if [ -n "$token" ]; then
      out="$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $token" "$url")"
    else
      out="$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url")"
    fi
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
    p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
    non2xx="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
    results+=("$rps")
    printf '  %-34s run %d: %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$label" "$round" "$rps" "$p50" "$p99" "${non2xx:-0}" >&2
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n 2p
}

bench() { # name binary port token-command
  local name="$1" binary="$2" port="$3" token_cmd="$4"
  local log; log="$(mktemp)"
  PORT="$port" "$BIN/$binary" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.1; done
  local token; token="$(eval "$token_cmd")"
  curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me"   # warm the JWKS cache
  echo "$name" >&2
  local plain protected
  plain="$(measure "GET /ping (no middleware)" "http://127.0.0.1:$port/ping")"
  protected="$(measure "GET /me (Clerk middleware)" "http://127.0.0.1:$port/me" "$token")"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  python3 -c "p=$plain; m=$protected; print(f'$name: ping {p:.0f} req/s, me {m:.0f} req/s, added {(1/m-1/p)*1e6:.1f} µs of serial time per request ({m/p*100:.0f}% of the baseline rate)')"
}

bench "Vapor" VaporExample 18081 "curl -s 'http://127.0.0.1:18081/dev/token?permissions=true'"
bench "Hummingbird" HummingbirdExample 18082 "curl -s -X POST http://127.0.0.1:18082/dev/session-token"
