#!/usr/bin/env bash
# Builds and runs one libFuzzer target over the SDK's parsers.
#   Fuzz/run.sh jwt|cookies|svix|json [seconds]
#   FUZZ_RUNS=10000000 Fuzz/run.sh json        # stop after that many executions (no time limit unless one is given)
# The parsers are compiled straight from Sources/ with swiftc -sanitize=fuzzer,address (no SwiftPM, no network
# code), into .build-fuzz/. Crashes are written to .build-fuzz/<target>-artifacts/.
# Extra libFuzzer flags can be passed in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-jobs=1").
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh jwt|cookies|svix|json [seconds]}"
runs="${FUZZ_RUNS:-}"
if [ -n "$runs" ]; then seconds="${2:-0}"; else seconds="${2:-600}"; fi
src=Sources/ClerkBackend
common=(
  "$src/Models/JSONValue.swift" "$src/Models/OpenStringEnum.swift" "$src/Support/StringHelpers.swift"
  "$src/Support/JSONObjectParser.swift" "$src/Support/CookieParser.swift" "$src/Tokens/Base64URL.swift"
  "$src/Tokens/JWT.swift" "$src/Tokens/TokenVerificationError.swift" Fuzz/Targets/FuzzSupport.swift
)
# The generated models the json target decodes, with everything they reference (plain Codable structs, no imports).
json_models=(
  Client CommerceMoneyResponse CommerceProrationCreditDetailResponse DeletedObject EmailAddress EnterpriseAccount
  EnterpriseAccountConnection ExternalAccountWithVerification IdentificationLink Organization OrganizationMembership
  OrganizationMembershipPublicUserData Organizations Passkey PhoneNumber SAMLAccount SAMLAccountConnection
  SCIMUserMetadata Session SessionActivityResponse SessionTask User VerificationAdmin VerificationEmailLink
  VerificationFromOAuth VerificationGoogleOneTap VerificationOAuth VerificationOtp VerificationPasskey
  VerificationSAML VerificationScim VerificationTicket VerificationWeb3 Web3Wallet
)
max_len=8192
case "$target" in
  jwt) entry=Fuzz/Targets/FuzzJWT.swift; extra=() ;;
  cookies) entry=Fuzz/Targets/FuzzCookies.swift; extra=() ;;
  svix) entry=Fuzz/Targets/FuzzSvixHeaders.swift; extra=("$src/Webhooks/WebhookSignatureHeader.swift" "$src/Webhooks/WebhookVerificationError.swift") ;;
  json)
    entry=Fuzz/Targets/FuzzJSONDifferential.swift
    extra=("$src/Support/ClerkJSONDecoder.swift" "$src/Support/ModelFields.swift" "$src/Client/Pagination.swift" Fuzz/Targets/FuzzSnapshotEncoder.swift)
    for model in "${json_models[@]}"; do extra+=("$src/Models/Generated/$model.swift"); done
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
# Swift's own crash backtracer would take over the fatal signal (slowly) before libFuzzer can save the input.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
mkdir -p .build-fuzz/"$target"-corpus .build-fuzz/"$target"-artifacts
swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -module-name ClerkFuzz \
  "${common[@]}" "${extra[@]}" "$entry" -o .build-fuzz/"$target"
if [ -d Fuzz/Seeds/"$target" ]; then cp -n Fuzz/Seeds/"$target"/* .build-fuzz/"$target"-corpus/ 2>/dev/null || true; fi
flags=(-max_total_time="$seconds" -print_final_stats=1 -max_len="$max_len" -artifact_prefix=.build-fuzz/"$target"-artifacts/)
if [ -n "$runs" ]; then flags+=(-runs="$runs"); fi
# shellcheck disable=SC2206
if [ -n "${FUZZ_FLAGS:-}" ]; then flags+=($FUZZ_FLAGS); fi
exec .build-fuzz/"$target" "${flags[@]}" .build-fuzz/"$target"-corpus
