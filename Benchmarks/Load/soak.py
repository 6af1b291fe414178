#!/usr/bin/env python3
"""Soaks the example apps under wrk with a mix of valid, expired and forged tokens, and samples their memory.

    python3 Benchmarks/Load/soak.py [--minutes 10] [--connections 16] [--apps vapor,hummingbird]

Both apps run at once against the counting stand-in Backend API of flood.py (loopback only), each under its own wrk
for `--minutes`. The requests rotate through: a valid session token (expects 200), an expired one and one signed by
a foreign key with the instance's kid (401), a random `ak_` key and a malformed bearer value (401). Every 10 s the
script samples each app's resident memory (VmRSS). It prints, per app: requests, requests/s, the count of each
status, whether any status other than the expected 200/401/403 appeared, and the memory samples with the spread
after a one-minute warm-up (the target: within 10 %). It exits non-zero if a check fails; it stops by itself.
"""
import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flood  # noqa: E402  (the stand-in Backend API and token helpers)

LUA = r"""
local requests = {
%(requests)s
}
local counter = 0
statuses = {}
request = function()
  counter = counter + 1
  local r = requests[(counter %% #requests) + 1]
  return wrk.format("GET", r[1], { ["Authorization"] = r[2] })
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do total[status] = (total[status] or 0) + count end
  end
  for status, count in pairs(total) do io.write(string.format("status %%d %%d\n", status, count)) end
  io.write(string.format("total %%d\n", summary.requests))
  io.write(string.format("errors %%d %%d %%d %%d\n", summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("p99 %%.0f\n", latency:percentile(99)))
end
"""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--apps", default="vapor,hummingbird")
    parser.add_argument("--configuration", default="release", choices=["release", "debug"])
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    os.chdir(flood.ROOT)
    apps = [a for a in args.apps.split(",") if a]
    if not args.skip_build:
        for name in apps:
            subprocess.run(["swift", "build", "-c", args.configuration, "--product", flood.APPS[name]["product"]], check=True, stdout=subprocess.DEVNULL)
    binary_dir = subprocess.run(["swift", "build", "-c", args.configuration, "--show-bin-path"], check=True, capture_output=True, text=True).stdout.strip()
    seconds = int(args.minutes * 60)
    stand_in = flood.StandIn()
    now = time.time()
    valid = flood.session_token(now, seconds + 600)
    expired = flood.session_token(now - 3600, 60)
    forged = flood.jwt({"sub": "user_legit", "sid": "sess_legit", "iat": int(now), "exp": int(now) + seconds + 600}, key=flood.ATTACKER_KEY)
    processes, results, samples = {}, {}, {name: [] for name in apps}
    try:
        for name in apps:
            app = flood.APPS[name]
            env = dict(os.environ)
            env.update({
                "CLERK_SECRET_KEY": flood.SECRET_KEY, "CLERK_PUBLISHABLE_KEY": flood.PUBLISHABLE_KEY,
                "CLERK_API_URL": f"http://127.0.0.1:{stand_in.port}", "PORT": str(app["port"]), "CLERK_AUTHORIZED_PARTIES": "",
            })
            processes[name] = subprocess.Popen([os.path.join(binary_dir, app["product"])], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in apps:
            deadline = time.time() + 30
            while subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{flood.APPS[name]['port']}/ping"]).returncode != 0:
                if time.time() > deadline:
                    raise RuntimeError(f"{name} did not start")
                time.sleep(0.1)

        def run_wrk(name):
            route = flood.APPS[name]["session_route"]
            entries = [("Bearer " + valid), ("Bearer " + expired), ("Bearer " + forged), ("Bearer ak_" + secrets.token_hex(16)), "Bearer not-a-token"]
            lua = LUA % {"requests": ",\n".join(f'  {{ "{route}", "{value}" }}' for value in entries)}
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(lua)
            out = subprocess.run(
                ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "-s", script.name, f"http://127.0.0.1:{flood.APPS[name]['port']}{route}"],
                capture_output=True, text=True,
            ).stdout
            os.unlink(script.name)
            results[name] = out

        threads = [threading.Thread(target=run_wrk, args=(name,)) for name in apps]
        for thread in threads:
            thread.start()
        start = time.time()
        while any(thread.is_alive() for thread in threads):
            for name in apps:
                samples[name].append((round(time.time() - start), rss_kib(processes[name].pid)))
            for _ in range(100):
                if not any(thread.is_alive() for thread in threads):
                    break
                time.sleep(0.1)
    finally:
        for process in processes.values():
            flood.stop_process(process)
        stand_in.stop()

    failed = False
    for name in apps:
        out = results.get(name, "")
        statuses = {int(l.split()[1]): int(l.split()[2]) for l in out.splitlines() if l.startswith("status ")}
        total = next((int(l.split()[1]) for l in out.splitlines() if l.startswith("total ")), 0)
        errors = next((l.split()[1:] for l in out.splitlines() if l.startswith("errors ")), [])
        unexpected = {s: c for s, c in statuses.items() if s not in (200, 401, 403)}
        # One request in five is the valid token.
        ok_share = statuses.get(200, 0) / total if total else 0
        after_warmup = [kib for t, kib in samples[name] if t >= 60]
        spread = (max(after_warmup) - min(after_warmup)) / min(after_warmup) * 100 if after_warmup else float("nan")
        flat = bool(after_warmup) and spread <= 10
        print(f"{name}: {total} requests in {seconds} s ({total / seconds:.0f}/s), statuses {dict(sorted(statuses.items()))}, "
              f"socket errors {errors}, 200 share {ok_share * 100:.1f} % (expected 20 %)")
        print(f"  unexpected statuses: {unexpected or 'none'}")
        print(f"  resident memory (MiB) every 10 s: {' '.join(f'{kib / 1024:.1f}' for _, kib in samples[name])}")
        print(f"  after the 1-minute warm-up: min {min(after_warmup) / 1024:.1f} MiB, max {max(after_warmup) / 1024:.1f} MiB, "
              f"spread {spread:.1f} % ({'flat' if flat else 'NOT flat'})" if after_warmup else "  no samples after warm-up")
        if unexpected or not flat or abs(ok_share - 0.2) > 0.02:
            failed = True
    print(f"stand-in Backend API calls: {dict(stand_in.snapshot()[0])}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
