#!/usr/bin/env python3
"""Fuzzes the emulator's Backend API with Schemathesis (pip install schemathesis), over loopback, two ways:

1. random: every operation with generated inputs, path ids included (most reach no stored resource: 404);
2. seeded: the emulator is first given one resource of each kind (users, organizations, memberships, invitations,
   sessions, templates, keys, machines, applications, connections, …), and each operation's path parameters are
   pinned to those ids, so generated queries and bodies reach the handlers' deeper logic. Operations that delete run
   after all the others.

Check: no answer is a 5xx (`not_a_server_error`; `--checks` names others, such as `response_schema_conformance`). Prints one summary line per run and exits non-zero on a failure.

    python3 Benchmarks/Fuzz/emulator-fuzz.py [--examples N] [--mode random|seeded|both] [--seed N]

Uses CLERK_BIN, or builds `clerk` in debug mode. Stops by itself; loopback only.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "Tests/ClerkBackendTests/Fixtures/clerk-bapi-2026-05-12.yml")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(binary):
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    process = subprocess.Popen([binary, "emulator", "--port", str(port), "--in-memory"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        time.sleep(0.1)
        with open(log.name) as f:
            text = f.read()
        key = re.search(r"CLERK_SECRET_KEY=(\S+)", text)
        if key:
            return process, "http://127.0.0.1:%d" % port, key.group(1), log.name
    process.kill()
    sys.exit("the emulator did not start; its log: " + log.name)


class API:
    def __init__(self, base, key):
        self.base, self.key = base, key

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + "/v1" + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def create(self, label, method, path, body=None, pick=lambda answer: answer["id"]):
        status, answer = self.call(method, path, body)
        if status >= 300:
            print("  seed %-28s %d %s" % (label, status, json.dumps(answer)[:160]))
            return None
        return pick(answer)


def seed(api):
    """One resource of each kind; answers {(path prefix, parameter): id}."""
    ids = {}
    user = api.call("POST", "/users", {
        "email_address": ["fuzz@example.com"], "phone_number": ["+15555550100"], "username": "fuzzer",
        "password": "fuzzing password 1", "first_name": "Fuzz",
    })[1]
    other = api.call("POST", "/users", {"email_address": ["other@example.com"], "first_name": "Other"})[1]
    ids["user_id"] = user["id"]
    ids["email_address_id"] = user["email_addresses"][0]["id"]
    ids["phone_number_id"] = user["phone_numbers"][0]["id"]
    org = api.create("organization", "POST", "/organizations", {"name": "Fuzz Org", "created_by": user["id"]})
    ids["organization_id"] = org
    api.create("membership", "POST", "/organizations/%s/memberships" % org, {"user_id": other["id"], "role": "org:member"})
    ids["organizations/user_id"] = other["id"]
    ids["invitation_id"] = api.create("invitation", "POST", "/invitations", {"email_address": "invitee@example.com"})
    ids["organizations/invitation_id"] = api.create(
        "organization invitation", "POST", "/organizations/%s/invitations" % org,
        {"email_address": "org-invitee@example.com", "role": "org:member", "inviter_user_id": user["id"]},
    )
    ids["organizations/domain_id"] = api.create("organization domain", "POST", "/organizations/%s/domains" % org, {"name": "fuzz-org.example.com"})
    ids["allowlist_identifiers/identifier_id"] = api.create("allowlist identifier", "POST", "/allowlist_identifiers", {"identifier": "allowed@example.com"})
    ids["blocklist_identifiers/identifier_id"] = api.create("blocklist identifier", "POST", "/blocklist_identifiers", {"identifier": "blocked@example.com"})
    ids["template_id"] = api.create("JWT template", "POST", "/jwt_templates", {"name": "fuzz", "claims": {"role": "fuzzer"}})
    ids["template_name"] = "fuzz"
    session = api.call("POST", "/sessions", {"user_id": user["id"]})[1]
    ids["session_id"] = session.get("id")
    ids["client_id"] = session.get("client_id")
    ids["sign_in_token_id"] = api.create("sign-in token", "POST", "/sign_in_tokens", {"user_id": user["id"]})
    ids["actor_token_id"] = api.create("actor token", "POST", "/actor_tokens", {"user_id": user["id"], "actor": {"sub": other["id"]}})
    ids["redirect_urls/id"] = api.create("redirect URL", "POST", "/redirect_urls", {"url": "https://fuzz.example.com/callback"})
    ids["domains/domain_id"] = api.create("domain", "GET", "/domains", pick=lambda answer: answer["data"][0]["id"])
    ids["apiKeyID"] = api.create("API key", "POST", "/api_keys", {"name": "fuzz", "subject": user["id"]})
    ids["machine_id"] = api.create("machine", "POST", "/machines", {"name": "fuzz machine"})
    ids["other_machine_id"] = api.create("other machine", "POST", "/machines", {"name": "other machine"})
    ids["oauth_application_id"] = api.create("OAuth application", "POST", "/oauth_applications", {"name": "fuzz app", "callback_url": "https://fuzz.example.com/oauth"})
    ids["saml_connection_id"] = api.create("SAML connection", "POST", "/saml_connections", {"name": "fuzz SAML", "domain": "saml.example.com", "provider": "saml_custom"})
    ids["enterprise_connection_id"] = api.create("enterprise connection", "POST", "/enterprise_connections", {"name": "fuzz enterprise", "domains": ["enterprise.example.com"], "provider": "saml_custom"})
    ids["waitlist_entry_id"] = api.create("waitlist entry", "POST", "/waitlist_entries", {"email_address": "waiting@example.com"})
    ids["organization_role_id"] = api.create("organization role", "POST", "/organization_roles", {"name": "Fuzzer", "key": "org:fuzzer", "description": "fuzz"})
    ids["permission_id"] = api.create("organization permission", "POST", "/organization_permissions", {"name": "Fuzz", "key": "org:fuzz:run", "description": "fuzz"})
    ids["role_set_key_or_id"] = api.create("role set", "POST", "/role_sets", {"name": "Fuzz set", "key": "role_set:fuzz", "roles": ["org:member", "org:admin"], "default_role_key": "org:member", "creator_role_key": "org:admin"})
    ids["adminPortalLinkTokenID"] = api.create("admin portal link token", "POST", "/admin_portal_link_tokens", {"organization_id": org})
    ids["sign_ups/id"] = None  # made by the hosted sign-up page only
    ids["template_type"] = "email"
    ids["slug"] = "verification_code"
    ids["provider"] = "oauth_google"
    return {name: value for name, value in ids.items() if value}


def parameter_value(ids, path, name):
    prefix = path.split("/")[1]
    return ids.get(prefix + "/" + name) or ids.get(name)


def operations(spec):
    import yaml
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def write_spec(base, directory):
    import yaml
    with open(SPEC) as f:
        spec = yaml.safe_load(f)
    spec["servers"] = [{"url": base + "/v1"}]
    path = os.path.join(directory, "spec.yml")
    with open(path, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    return spec, path


def config(spec, ids, include_delete):
    """schemathesis.toml: each operation's path parameters pinned to the seeded ids (those known)."""
    lines = []
    for path, method, operation in operations(spec):
        names = re.findall(r"\{(\w+)\}", path)
        values = {name: parameter_value(ids, path, name) for name in names}
        if not names or not all(values.values()):
            continue
        lines.append("[[operations]]")
        lines.append("include-operation-id = %s" % json.dumps(operation["operationId"]))
        lines.append("parameters = { %s }" % ", ".join("%s = %s" % (json.dumps("path." + n), json.dumps(v)) for n, v in values.items()))
        lines.append("")
    return "\n".join(lines)


def pinned_operations(spec, ids):
    for path, method, operation in operations(spec):
        names = re.findall(r"\{(\w+)\}", path)
        if names and all(parameter_value(ids, path, name) for name in names):
            yield method, operation["operationId"]


CHECKS = "not_a_server_error"


SEED = None


def run_schemathesis(spec_path, base, key, examples, config_path=None, include=None, label=""):
    # The module, not the `st` script: a fresh `pip install` may leave no `st` on PATH (pyenv, user installs).
    command = [sys.executable, "-m", "schemathesis.cli"]
    if config_path:
        command += ["--config-file", config_path]
    command += ["run", spec_path, "--url", base + "/v1", "-H", "Authorization: Bearer " + key, "--checks", CHECKS,
                "--max-examples", str(examples), "--phases", "examples,fuzzing", "-w", "1", "--no-color"]
    if SEED is not None:
        command += ["--seed", str(SEED)]
    for operation_id in include or []:
        command += ["--include-operation-id", operation_id]
    started = time.time()
    # Run in the temporary directory: Schemathesis keeps a cache folder where it runs.
    result = subprocess.run(command, capture_output=True, text=True, cwd=os.path.dirname(spec_path))
    elapsed = time.time() - started
    output = result.stdout + result.stderr
    summary = [line for line in output.splitlines() if re.search(r"(passed|failed|errored|test cases|generated)", line, re.I)]
    print("%s: exit %d in %.0f s" % (label, result.returncode, elapsed))
    for line in summary[-6:]:
        print("  " + line.strip())
    log = os.path.join(tempfile.gettempdir(), "emulator-fuzz-%s.log" % label.replace(" ", "-"))
    with open(log, "w") as f:
        f.write(output)
    print("  full output: " + log)
    return result.returncode


def main():
    global CHECKS, SEED
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--mode", choices=["random", "seeded", "both"], default="both")
    parser.add_argument("--checks", default="not_a_server_error", help="Schemathesis checks (comma-separated)")
    parser.add_argument("--seed", type=int, help="Schemathesis's random seed: the same inputs on every run (CI uses one)")
    args = parser.parse_args()
    SEED = args.seed
    CHECKS = args.checks
    binary = os.environ.get("CLERK_BIN")
    if not binary:
        subprocess.run(["swift", "build", "--product", "clerk"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        binary = os.path.join(ROOT, ".build/debug/clerk")
    failures = 0
    with tempfile.TemporaryDirectory() as directory:
        if args.mode in ("random", "both"):
            process, base, key, _ = start_emulator(binary)
            try:
                _, spec_path = write_spec(base, directory)
                failures += run_schemathesis(spec_path, base, key, args.examples, label="random ids") != 0
            finally:
                process.kill()
        if args.mode in ("seeded", "both"):
            process, base, key, _ = start_emulator(binary)
            try:
                spec, spec_path = write_spec(base, directory)
                ids = seed(API(base, key))
                config_path = os.path.join(directory, "schemathesis.toml")
                with open(config_path, "w") as f:
                    f.write(config(spec, ids, include_delete=True))
                pinned = list(pinned_operations(spec, ids))
                print("seeded: %d path parameters known; %d operations pinned" % (len(ids), len(pinned)))
                keep = [operation_id for method, operation_id in pinned if method != "delete"]
                delete = [operation_id for method, operation_id in pinned if method == "delete"]
                failures += run_schemathesis(spec_path, base, key, args.examples, config_path, keep, "seeded") != 0
                failures += run_schemathesis(spec_path, base, key, args.examples, config_path, delete, "seeded deletes") != 0
            finally:
                process.kill()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
