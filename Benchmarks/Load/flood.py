#!/usr/bin/env python3
"""Floods the example apps with requests that carry no valid credentials and counts what reaches the Backend API.

    python3 Benchmarks/Load/flood.py [--seconds 20] [--attackers 32] [--apps vapor,hummingbird]

For each example app and each path that unauthenticated input can drive to the Backend API (a handshake nonce, a
session refresh, a random `ak_` API key, a JWT with a random `kid`), it:
  * starts a counting stand-in Backend API on 127.0.0.1 that enforces a development instance's documented rate
    limit (100 requests per 10 s, over every endpoint, JWKS included) and answers 429 past it;
  * starts the app (release build) against it with `CLERK_API_URL`, a development key pair and a JWKS TTL of 5 s,
    so that key refreshes happen during the flood;
  * floods the app with `--attackers` concurrent clients for `--seconds`, while one legitimate client calls a
    protected route every 20 ms with a valid session token (and, for the API-key flood on Vapor, a valid API key);
  * prints the Backend API calls made during the flood, the 429s the stand-in gave, and the legitimate client's
    success rate.

Loopback only; it stops by itself. Needs Python 3 with `cryptography` (pip install cryptography).
"""
import argparse
import base64
import collections
import hashlib
import http.client
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FRONTEND_HOST = "clerk.flood.test"
PUBLISHABLE_KEY = "pk_test_" + base64.b64encode((FRONTEND_HOST + "$").encode()).decode().rstrip("=")
SECRET_KEY = "sk_test_" + secrets.token_hex(16)
KID = "ins_flood"
LEGIT_API_KEY = "ak_" + secrets.token_hex(16)
LIMIT, WINDOW = 100, 10.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def uint_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


INSTANCE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NUMBERS = INSTANCE_KEY.public_key().public_numbers()
JWKS = json.dumps({"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256", "n": uint_b64(NUMBERS.n), "e": uint_b64(NUMBERS.e)}]})


def jwt(claims: dict, key=INSTANCE_KEY, kid: str = KID) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": kid, "cat": "cl_B7d4PD111AAA"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def session_token(now: float, lifetime: int, sid: str = "sess_legit", sub: str = "user_legit") -> str:
    iat = int(now)
    return jwt({"sub": sub, "sid": sid, "iss": "https://" + FRONTEND_HOST, "iat": iat, "nbf": iat - 10, "exp": iat + lifetime, "v": 2})


COOKIE_SUFFIX = b64url(hashlib.sha1(PUBLISHABLE_KEY.encode()).digest())[:8]


class StandIn:
    """A Backend API that counts calls per endpoint and enforces one sliding-window rate limit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = collections.Counter()
        self.limited = collections.Counter()
        self.window = collections.deque()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def route(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                endpoint = stand_in.endpoint(method, path)
                if endpoint == "api_key_verify" and LEGIT_API_KEY.encode() in body:
                    endpoint = "api_key_verify (legitimate key)"
                now = time.monotonic()
                with stand_in.lock:
                    stand_in.calls[endpoint] += 1
                    while stand_in.window and stand_in.window[0] <= now - WINDOW:
                        stand_in.window.popleft()
                    limited = len(stand_in.window) >= LIMIT
                    if limited:
                        stand_in.limited[endpoint] += 1
                    else:
                        stand_in.window.append(now)
                if limited:
                    return self.answer(429, '{"errors":[{"code":"too_many_requests","message":"rate limited"}]}')
                if endpoint == "jwks":
                    return self.answer(200, JWKS)
                if endpoint == "handshake_payload":
                    return self.answer(400, '{"errors":[{"code":"invalid_nonce","message":"invalid nonce","meta":{"param_name":"nonce"}}]}')
                if endpoint == "refresh":
                    return self.answer(401, '{"errors":[{"code":"authentication_invalid","message":"invalid refresh"}]}')
                if endpoint.startswith("api_key_verify"):
                    secret = json.loads(body or b"{}").get("secret")
                    if secret == LEGIT_API_KEY:
                        return self.answer(200, json.dumps({
                            "object": "api_key", "id": "ak_id_legit", "type": "api_key", "subject": "user_legit",
                            "name": "legit", "claims": None, "scopes": [], "revoked": False, "expired": False,
                            "created_at": 1745185445567, "updated_at": 1745185445567,
                        }))
                    return self.answer(404, '{"errors":[{"code":"resource_not_found","message":"not found"}]}')
                return self.answer(404, '{"errors":[{"code":"resource_not_found","message":"not found"}]}')

            def do_GET(self):
                self.route("GET")

            def do_POST(self):
                self.route("POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def endpoint(method, path):
        if path == "/v1/jwks":
            return "jwks"
        if path == "/v1/clients/handshake_payload":
            return "handshake_payload"
        if method == "POST" and path.startswith("/v1/sessions/") and path.endswith("/refresh"):
            return "refresh"
        if path == "/v1/api_keys/verify":
            return "api_key_verify"
        return method + " " + path

    def snapshot(self):
        with self.lock:
            return collections.Counter(self.calls), collections.Counter(self.limited)

    def stop(self):
        self.server.shutdown()


APPS = {
    "vapor": {"product": "VaporExample", "port": 18191, "session_route": "/me", "machine_route": "/machine/whoami"},
    "hummingbird": {"product": "HummingbirdExample", "port": 18192, "session_route": "/me", "machine_route": None},
}


def request(conn, path, headers):
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def attacker_requests(kind, app):
    """An endless supply of (path, headers) for one flood."""
    expired = session_token(time.time() - 3600, 60, sid="sess_attacker", sub="user_attacker")
    while True:
        if kind == "nonce":
            yield app["session_route"] + "?__clerk_handshake_nonce=" + secrets.token_urlsafe(24), {"Sec-Fetch-Dest": "document"}
        elif kind == "refresh":
            cookies = [
                f"__session_{COOKIE_SUFFIX}={expired}", f"__client_uat_{COOKIE_SUFFIX}=1",
                f"__refresh_{COOKIE_SUFFIX}={secrets.token_urlsafe(24)}", f"__clerk_db_jwt_{COOKIE_SUFFIX}=dvb_flood",
            ]
            yield app["session_route"], {"Cookie": "; ".join(cookies), "Sec-Fetch-Dest": "document"}
        elif kind == "api-key":
            yield (app["machine_route"] or app["session_route"]), {"Authorization": "Bearer ak_" + secrets.token_hex(16)}
        elif kind == "kid":
            forged = jwt({"sub": "user_x", "sid": "sess_x", "iat": int(time.time()), "exp": int(time.time()) + 60},
                         key=ATTACKER_KEY, kid="kid_" + secrets.token_hex(8))
            yield app["session_route"], {"Authorization": "Bearer " + forged}


def flood(app_name, kind, seconds, attackers, binary_dir):
    app = APPS[app_name]
    stand_in = StandIn()
    env = dict(os.environ)
    env.update({
        "CLERK_SECRET_KEY": SECRET_KEY, "CLERK_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "CLERK_API_URL": f"http://127.0.0.1:{stand_in.port}", "CLERK_JWKS_CACHE_TTL": "5", "PORT": str(app["port"]),
        "CLERK_AUTHORIZED_PARTIES": "",
    })
    process = subprocess.Popen([os.path.join(binary_dir, app["product"])], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=2)
                request(c, "/ping", {})
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app_name} did not start")
                time.sleep(0.1)
        legit_session = session_token(time.time(), 3600)
        legit = [(app["session_route"], {"Authorization": "Bearer " + legit_session})]
        if kind == "api-key" and app["machine_route"]:
            legit.append((app["machine_route"], {"Authorization": "Bearer " + LEGIT_API_KEY}))
        # Warm up: the legitimate client's credentials work before the flood.
        warm = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=10)
        for path, headers in legit:
            status = request(warm, path, headers)
            if status != 200:
                raise RuntimeError(f"{app_name}: legitimate request {path} answered {status} before the flood")
        before, before_limited = stand_in.snapshot()
        stop = time.time() + seconds
        sent = collections.Counter()
        statuses = collections.Counter()
        lock = threading.Lock()

        def attack():
            conn = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=10)
            supply = attacker_requests(kind, app)
            count = 0
            while time.time() < stop:
                path, headers = next(supply)
                try:
                    statuses_local = request(conn, path, headers)
                except (OSError, http.client.HTTPException):
                    conn = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=10)
                    statuses_local = "error"
                count += 1
                with lock:
                    statuses[statuses_local] += 1
            with lock:
                sent["attack"] += count

        legit_results = collections.Counter()

        def legitimate():
            conn = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=10)
            while time.time() < stop:
                for path, headers in legit:
                    try:
                        status = request(conn, path, headers)
                    except (OSError, http.client.HTTPException):
                        conn = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=10)
                        status = "error"
                    legit_results["ok" if status == 200 else f"failed {status}"] += 1
                time.sleep(0.02)

        threads = [threading.Thread(target=attack) for _ in range(attackers)] + [threading.Thread(target=legitimate)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after, after_limited = stand_in.snapshot()
        calls = after - before
        limited = after_limited - before_limited
        total_legit = sum(legit_results.values())
        return {
            "app": app_name, "flood": kind, "attack_requests": sent["attack"],
            "attack_rps": sent["attack"] / seconds, "bapi_calls": dict(calls), "bapi_calls_total": sum(calls.values()),
            "bapi_429": sum(limited.values()), "legit_ok": legit_results["ok"], "legit_total": total_legit,
            "legit_failures": {k: v for k, v in legit_results.items() if k != "ok"},
            "attack_statuses": {str(k): v for k, v in statuses.items()},
        }
    finally:
        stop_process(process)
        stand_in.stop()


def stop_process(process):
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--attackers", type=int, default=32)
    parser.add_argument("--apps", default="vapor,hummingbird")
    parser.add_argument("--floods", default="nonce,refresh,api-key,kid")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--configuration", default="release", choices=["release", "debug"],
                        help="which build of the examples to run (call counts do not depend on it)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per run instead of the table")
    args = parser.parse_args()
    os.chdir(ROOT)
    apps = [a for a in args.apps.split(",") if a]
    if not args.skip_build:
        for name in apps:
            subprocess.run(["swift", "build", "-c", args.configuration, "--product", APPS[name]["product"]], check=True, stdout=subprocess.DEVNULL)
    binary_dir = subprocess.run(["swift", "build", "-c", args.configuration, "--show-bin-path"], check=True, capture_output=True, text=True).stdout.strip()
    rows = []
    for name in apps:
        for kind in [f for f in args.floods.split(",") if f]:
            result = flood(name, kind, args.seconds, args.attackers, binary_dir)
            rows.append(result)
            if args.json:
                print(json.dumps(result), flush=True)
            else:
                print(f"  {name:11} {kind:8} done: {result['attack_requests']} attacker requests, "
                      f"{result['bapi_calls_total']} Backend API calls, legit {result['legit_ok']}/{result['legit_total']}",
                      file=sys.stderr, flush=True)
    if not args.json:
        print(f"\nFlood of {args.seconds:.0f} s, {args.attackers} attacker connections, {args.configuration} build; "
              f"stand-in limit {LIMIT} per {WINDOW:.0f} s; JWKS TTL 5 s\n")
        print("| app | flood | attacker requests (req/s) | Backend API calls during the flood | 429s from the stand-in | legitimate client OK |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            detail = ", ".join(f"{k} {v}" for k, v in sorted(r["bapi_calls"].items()))
            ok = 100.0 * r["legit_ok"] / r["legit_total"] if r["legit_total"] else 0.0
            print(f"| {r['app']} | {r['flood']} | {r['attack_requests']} ({r['attack_rps']:.0f}/s) | {r['bapi_calls_total']} ({detail}) "
                  f"| {r['bapi_429']} | {ok:.1f} % ({r['legit_ok']}/{r['legit_total']}) |")


if __name__ == "__main__":
    main()
