#!/usr/bin/env bash
# Load test of the emulator over loopback with wrk (Debian: apt-get install wrk), on the same machine.
#
#   Benchmarks/Load/emulator-load.sh [seconds-per-run] [connections]
#
# Builds `clerk` in release mode (or uses CLERK_BIN), starts `clerk emulator --in-memory` on a free port, seeds 200
# users, then runs GET /v1/users/{id}, GET /v1/users?limit=100 and POST /v1/users three times each and prints the
# median requests/s with p50 and p99 latency of each run. Then, on a database file (WAL, synchronous=FULL: every
# write waits for fsync), it runs GET /v1/users/{id} and POST /v1/users at the same time (half the connections
# each), three times: how reads fare while writes wait for the disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
if [ -z "${CLERK_BIN:-}" ]; then
  swift build -c release --product clerk >/dev/null
  CLERK_BIN="$(swift build -c release --show-bin-path)/clerk"
fi
BIN="$CLERK_BIN"
LOG="$(mktemp)"
DBDIR="$(mktemp -d)"
PID=""
trap 'kill $PID 2>/dev/null || true; rm -rf "$LOG" "$LUA" "$DBDIR"' EXIT
start() { # emulator arguments...; sets PID, URL, KEY and USER_ID (after seeding 200 users)
  "$BIN" emulator --port 0 "$@" >"$LOG" 2>&1 &
  PID=$!
  for _ in $(seq 100); do grep -q "CLERK_SECRET_KEY" "$LOG" && break; sleep 0.1; done
  URL="$(grep CLERK_API_URL "$LOG" | cut -d= -f2)"
  KEY="$(grep CLERK_SECRET_KEY "$LOG" | cut -d= -f2)"
  for i in $(seq 200); do
    curl -s -o /dev/null -X POST "$URL/v1/users" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
      -d "{\"email_address\":[\"seed$i@example.com\"],\"first_name\":\"Seed$i\",\"public_metadata\":{\"i\":$i}}"
  done
  USER_ID="$(curl -s "$URL/v1/users?limit=1" -H "Authorization: Bearer $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
}
start --in-memory
LUA="$(mktemp --suffix=.lua)"
cat >"$LUA" <<LUAEOF
counter = 0
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
prefix = tostring(math.random(1, 1000000000))
request = function()
  counter = counter + 1
  local body = '{"email_address":["load' .. prefix .. '-' .. counter .. '@example.com"],"first_name":"Load"}'
  return wrk.format("POST", "/v1/users", {["Authorization"] = "Bearer " .. os.getenv("CLERK_LOAD_KEY"), ["Content-Type"] = "application/json"}, body)
end
LUAEOF

run() { # name, path, extra wrk args...
  local name="$1" path="$2"; shift 2
  local results=()
  for round in 1 2 3; do
    out="$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $KEY" "$@" "$URL$path")"
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
    p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
    non2xx="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
    results+=("$rps")
    printf '%-28s run %d: %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$round" "$rps" "$p50" "$p99" "${non2xx:-0}"
  done
  median="$(printf '%s\n' "${results[@]}" | sort -n | sed -n 2p)"
  printf '%-28s median %s req/s\n' "$name" "$median"
}
export CLERK_LOAD_KEY="$KEY"
run "GET /v1/users/{id}" "/v1/users/$USER_ID"
run "GET /v1/users?limit=100" "/v1/users?limit=100"
run "POST /v1/users" "/v1/users" -s "$LUA"

# Reads while writes wait for the disk: a database file, GET and POST at the same time.
kill $PID; wait $PID 2>/dev/null || true
start --db "$DBDIR/emulator.sqlite"
export CLERK_LOAD_KEY="$KEY"
HALF=$(( CONNECTIONS / 2 > 0 ? CONNECTIONS / 2 : 1 ))
reads=(); writes=()
for round in 1 2 3; do
  wrk -t1 -c"$HALF" -d"${SECONDS_PER_RUN}s" --latency -s "$LUA" "$URL/v1/users" >"$DBDIR/post.txt" &
  WRITER=$!
  out="$(wrk -t1 -c"$HALF" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $KEY" "$URL/v1/users/$USER_ID")"
  wait $WRITER
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
  p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
  wrps="$(awk '/Requests\/sec/ {print $2}' "$DBDIR/post.txt")"
  wp99="$(awk '$1=="99%" {print $2}' "$DBDIR/post.txt")"
  reads+=("$rps"); writes+=("$wrps")
  printf '%-28s run %d: GET %10s req/s  p50 %8s  p99 %8s | POST %10s req/s  p99 %8s\n' "file db, GET during POST" "$round" "$rps" "$p50" "$p99" "$wrps" "$wp99"
done
printf '%-28s median GET %s req/s, POST %s req/s\n' "file db, GET during POST" \
  "$(printf '%s\n' "${reads[@]}" | sort -n | sed -n 2p)" "$(printf '%s\n' "${writes[@]}" | sort -n | sed -n 2p)"
