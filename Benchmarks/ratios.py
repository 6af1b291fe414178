#!/usr/bin/env python3
"""Turns `swift package benchmark` text output into the README's table of ratios (medians, same run).

    cd Benchmarks && swift package --disable-sandbox benchmark --no-progress | tee /tmp/bench.txt
    python3 ratios.py /tmp/bench.txt
"""
import re
import sys

UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse(text):
    """Benchmark name -> {"time": p50 seconds, "malloc": p50, "peak": p50 resident bytes}."""
    results, name = {}, None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("│", "╒", "╞", "├", "╘", "=", "Host", "#", "warning", "/")) \
                and "│" not in stripped and not stripped.startswith("Baseline '"):
            name = stripped
            continue
        if name is None or not stripped.startswith("│"):
            continue
        cells = [c.strip() for c in stripped.strip("│").split("│")]
        if len(cells) < 4:
            continue
        label, p50 = cells[0], cells[3]
        scale = re.search(r"\((K|M|G)\)", label)
        factor = {"K": 1e3, "M": 1e6, "G": 1e9}[scale.group(1)] if scale else 1.0
        try:
            value = float(p50)
        except ValueError:
            continue
        if label.startswith("Time (wall clock)"):
            unit = re.search(r"\((ns|μs|us|ms|s)\)", label)
            results.setdefault(name, {})["time"] = value * UNITS[unit.group(1)] if unit else value
        elif label.startswith("Malloc (total)"):
            results.setdefault(name, {})["malloc"] = value * factor
        elif label.startswith("Memory (resident peak)"):
            results.setdefault(name, {})["peak"] = value * factor
        elif label.startswith("RSS growth during the walk (KB)"):
            results.setdefault(name, {})["growth"] = value * factor
    return results


def find(results, prefix):
    for name, values in results.items():
        if name.startswith(prefix):
            return values
    return None


def main():
    results = parse(open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read())
    rows = []

    def share(what, baseline, measured, target):
        b, m = find(results, baseline), find(results, measured)
        if b and m and "time" in b and "time" in m:
            rows.append((what, f"{b['time'] / m['time'] * 100:.0f}% of the baseline's rate", target,
                         f"{m['time'] * 1e6:.1f} µs vs {b['time'] * 1e6:.1f} µs, {m.get('malloc', 0):.0f} mallocs"))

    share("networkless verifyToken", "Baseline: raw RS256", "verifyToken (networkless, RS256", "≥ 80%")
    share("authenticateRequest, header token", "Baseline: raw RS256", "authenticateRequest (Authorization", "≥ 70%")
    share("authenticateRequest, cookie + 10 cookies", "Baseline: raw RS256", "authenticateRequest (__session", "≥ 65%")
    share("webhook signature check, 2 KB", "Baseline: HMAC-SHA256", "Webhook signature check", "≥ 40%")
    share("verifyWebhook with typed decode, 2 KB", "Baseline: HMAC-SHA256", "verifyWebhook with typed", "report")
    share("decode a 500-user page", "Baseline: JSONSerialization", "Decode a 500-user page", "≥ 100%")

    verify = find(results, "verifyToken (networkless, same run")
    for framework in ("Vapor", "Hummingbird"):
        open_route, protected = find(results, f"{framework}: open route"), find(results, f"{framework}: protected")
        if verify and open_route and protected:
            added = protected["time"] - open_route["time"]
            rows.append((f"{framework} protected route, added cost", f"{added / verify['time']:.2f}× verifyToken",
                         "≤ 1.25×", f"+{added * 1e6:.1f} µs per request (route {open_route['time'] * 1e6:.1f} µs, "
                                    f"verifyToken {verify['time'] * 1e6:.1f} µs)"))
    walk_base, walk_sdk = find(results, "Baseline: walk 10,000"), find(results, "users.all() walking")
    if walk_base and walk_sdk:
        rows.append(("users.all(), 10,000 users, page 500", f"{walk_sdk['time'] / walk_base['time']:.2f}× the baseline's time",
                     "≤ 1.2×", f"{walk_sdk['time'] * 1e3:.0f} ms vs {walk_base['time'] * 1e3:.0f} ms; resident memory "
                               f"grows {walk_sdk.get('growth', 0) / 1e3:.1f} MB during the walk "
                               f"(baseline {walk_base.get('growth', 0) / 1e3:.1f} MB)"))

    print("| what | measured | target | detail (medians) |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
