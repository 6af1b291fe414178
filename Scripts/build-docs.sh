#!/usr/bin/env bash
# Builds the DocC documentation of the public modules with the toolchain's docc, from the symbol graphs SwiftPM
# emits (no plugin, no dependency for users of the package), and fails on any warning (an unresolved symbol link,
# a missing article) or on a public symbol without a documentation comment.
# Output: .build/docs/<Module>.doccarchive, or the directory given as the first argument.
#
#   Scripts/build-docs.sh                  # after `swift build`, about a minute
#   docc preview Sources/ClerkBackend/ClerkBackend.docc --additional-symbol-graph-dir .build/docs-graphs/ClerkBackend
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-.build/docs}"
modules=(ClerkBackend ClerkVapor ClerkHummingbird ClerkTesting)

swift package dump-symbol-graph --minimum-access-level public --emit-extension-block-symbols >/dev/null
graphs="$(dirname "$(swift build --show-bin-path)")/symbolgraph"
mkdir -p "$output"
for module in "${modules[@]}"; do
  staged=".build/docs-graphs/$module"
  rm -rf "$staged" "$output/$module.doccarchive"
  mkdir -p "$staged"
  cp "$graphs/$module.symbols.json" "$staged/"
  cp "$graphs/$module"@*.symbols.json "$staged/" 2>/dev/null || true
  docc convert "Sources/$module/$module.docc" \
    --additional-symbol-graph-dir "$staged" \
    --fallback-display-name "$module" --fallback-bundle-identifier "clerk-backend-swift.$module" \
    --warnings-as-errors --output-path "$output/$module.doccarchive" >".build/docs-graphs/$module.log" 2>&1 || {
      echo "docc: $module has warnings or errors:" >&2
      grep -E "warning|error" ".build/docs-graphs/$module.log" >&2 || cat ".build/docs-graphs/$module.log" >&2
      exit 1
    }
  echo "$module: $output/$module.doccarchive"
done
# Every public symbol declared here has a documentation comment (Scripts/doc-coverage.py lists any that lacks one).
python3 Scripts/doc-coverage.py
