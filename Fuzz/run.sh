#!/usr/bin/env bash
# Builds and runs one libFuzzer target over the SDK's parsers.
#   Fuzz/run.sh jwt|cookies|svix [seconds]
# The parsers are compiled straight from Sources/ with swiftc -sanitize=fuzzer,address (no SwiftPM, no network
# code), into .build-fuzz/. Crashes are written to .build-fuzz/<target>-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh jwt|cookies|svix [seconds]}"
seconds="${2:-600}"
src=Sources/ClerkBackend
common=(
  "$src/Models/JSONValue.swift" "$src/Models/OpenStringEnum.swift" "$src/Support/StringHelpers.swift"
  "$src/Support/JSONObjectParser.swift" "$src/Support/CookieParser.swift" "$src/Tokens/Base64URL.swift"
  "$src/Tokens/JWT.swift" "$src/Tokens/TokenVerificationError.swift" Fuzz/Targets/FuzzSupport.swift
)
case "$target" in
  jwt) entry=Fuzz/Targets/FuzzJWT.swift; extra=() ;;
  cookies) entry=Fuzz/Targets/FuzzCookies.swift; extra=() ;;
  svix) entry=Fuzz/Targets/FuzzSvixHeaders.swift; extra=("$src/Webhooks/WebhookSignatureHeader.swift" "$src/Webhooks/WebhookVerificationError.swift") ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
mkdir -p .build-fuzz/"$target"-corpus .build-fuzz/"$target"-artifacts
swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -module-name ClerkFuzz \
  "${common[@]}" "${extra[@]}" "$entry" -o .build-fuzz/"$target"
if [ -d Fuzz/Seeds/"$target" ]; then cp -n Fuzz/Seeds/"$target"/* .build-fuzz/"$target"-corpus/ 2>/dev/null || true; fi
exec .build-fuzz/"$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=8192 \
  -artifact_prefix=.build-fuzz/"$target"-artifacts/ .build-fuzz/"$target"-corpus
