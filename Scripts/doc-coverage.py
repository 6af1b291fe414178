#!/usr/bin/env python3
"""Lists the public symbols of the documented modules that have no documentation comment.

Reads the symbol graphs Scripts/build-docs.sh stages in .build/docs-graphs/<Module>/ and counts every public symbol
declared in this repository's sources (members a protocol of another module adds, such as `hashValue`, have no
location here and are documented by that protocol). Prints a per-module summary and the symbols missing a summary;
exits 1 when there is any, so CI keeps every public symbol documented.

    Scripts/doc-coverage.py [--list]
"""
import glob
import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
graphs = os.path.join(root, ".build", "docs-graphs")
show_all = "--list" in sys.argv
missing_total = 0
for module in ("ClerkBackend", "ClerkVapor", "ClerkHummingbird", "ClerkTesting"):
    files = sorted(glob.glob(os.path.join(graphs, module, "*.symbols.json")))
    if not files:
        sys.exit(f"doc-coverage: no symbol graphs for {module} (run Scripts/build-docs.sh first)")
    seen = set()
    total = 0
    missing = []
    for path in files:
        for symbol in json.load(open(path))["symbols"]:
            precise = symbol["identifier"]["precise"]
            location = symbol.get("location", {}).get("uri", "")
            if precise in seen or "/Sources/" not in location or "/.build/" in location:
                continue
            seen.add(precise)
            total += 1
            comment = symbol.get("docComment", {}).get("lines", [])
            if not any(line.get("text", "").strip() for line in comment):
                file = location.split("/Sources/", 1)[1]
                line = symbol["location"]["position"]["line"] + 1
                missing.append(f"  {'.'.join(symbol['pathComponents'])}  (Sources/{file}:{line})")
    missing_total += len(missing)
    print(f"{module}: {total - len(missing)} of {total} public symbols documented")
    for entry in sorted(missing)[: None if show_all else 40]:
        print(entry)
    if len(missing) > 40 and not show_all:
        print(f"  … and {len(missing) - 40} more (--list shows all)")
sys.exit(1 if missing_total else 0)
