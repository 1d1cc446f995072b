#!/usr/bin/env python3
"""Sign-in cost benchmark (issue 6): numbers for notes, never a pass/fail test.

    bench/signin.py BIN [RESULTS_MD]    appends a section to RESULTS_MD
                                        (default bench/out/signin.md; scripts/bench.sh s
                                        passes bench/out/results.md)

BIN is the release `edugraph` binary. It is started as `serve --dev --demo-size small` on
SQLite in a fresh data folder, with the sign-in throttle raised out of the way
(EDUGRAPH_LOGIN_FAILURES_PER_*), so that only the Argon2 bound limits the work; an app is
registered and consented with the CLI against that folder, as bench/token.sh does.

(a) Burst: 200 `grant_type=password` requests with wrong passwords sent at once, each on its
    own connection opened beforehand, for 200 different accounts (the demo personas and
    unknown names). Resident memory of the server: idle just before, and the peak during
    the burst (VmHWM, reset through /proc/PID/clear_refs before the burst, plus VmRSS
    sampled every 10 ms). Target: peak < 150 MB.
(b) Timing: a sequential series of wrong-password attempts, alternating between a known
    account (the demo teacher) and an unknown one in the same tenant, on the token endpoint
    and on the sign-in page (POST of the authorize form). Medians must be within 20 %.

BENCH_SIGNIN_ROUNDS (default 40) sets the attempts per account and surface in (b). Only
loopback addresses are used.
"""

import base64
import hashlib
import html
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

BURST = 200
ROUNDS = int(os.environ.get("BENCH_SIGNIN_ROUNDS", "40"))
REDIRECT = "http://localhost:5000/signin-bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def mb(kb):
    return f"{kb / 1024:.1f}"


class Server:
    def __init__(self, binary):
        self.binary = binary
        self.work = tempfile.mkdtemp(prefix="signin-bench-")
        self.data = os.path.join(self.work, "data")
        self.port = free_port()
        self.log_path = os.path.join(self.work, "server.log")
        env = dict(os.environ)
        env.update(
            EDUGRAPH_LOGIN_FAILURES_PER_ACCOUNT="1000000",
            EDUGRAPH_LOGIN_FAILURES_PER_ADDRESS="1000000",
        )
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--dev", "--demo-size", "small", "--data-dir", self.data,
             "--listen", f"127.0.0.1:{self.port}", "--log-format", "json"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 120
        while True:
            try:
                if self.request("GET", "/_edugraph/health")[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("the server did not become healthy:\n" + self.tail())
            time.sleep(0.2)

    def tail(self):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-40:])

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, headers, resp.read().decode("utf-8", "replace")
        finally:
            if own:
                conn.close()

    def cli(self, *args):
        out = subprocess.run([self.binary, *args, "--data-dir", self.data],
                             check=True, capture_output=True, text=True)
        return out.stdout

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


def form(pairs):
    return urllib.parse.urlencode(pairs)


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def token_form(app, user, password):
    return form([("grant_type", "password"), ("client_id", app["clientId"]),
                 ("client_secret", app["clientSecret"]), ("username", user),
                 ("password", password), ("scope", "openid")])


def burst(server, tenant, app, users):
    """Opens BURST connections, then sends every request at once; returns the answers and
    the memory figures."""
    path = f"/{tenant}/oauth2/v2.0/token"
    conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=300) for _ in users]
    for c in conns:
        c.connect()
    pid = server.proc.pid
    time.sleep(1)
    idle_kb = proc_kb(pid, "VmRSS")
    # Writing 5 resets the peak (VmHWM) to the current RSS, so it covers the burst only.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
    samples = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append(proc_kb(pid, "VmRSS"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = threading.Barrier(len(users))
    answers = [None] * len(users)

    def one(i):
        start.wait()
        status, headers, body = server.request("POST", path, token_form(app, users[i], "Wrong-pass-1!"),
                                               FORM_HEADERS, conn=conns[i])
        code = (json.loads(body).get("error_codes") or [0])[0] if body.startswith("{") else 0
        answers[i] = (status, code, headers.get("retry-after"))

    began = time.time()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - began
    time.sleep(0.5)
    done.set()
    sampler.join()
    hwm_kb = proc_kb(pid, "VmHWM")
    after_kb = proc_kb(pid, "VmRSS")
    for c in conns:
        c.close()
    return answers, idle_kb, max(samples + [hwm_kb]), max(samples), after_kb, elapsed


def series(attempt, known, unknown):
    """Milliseconds per attempt for each account, alternating them after a warm-up."""
    for _ in range(3):
        attempt(known), attempt(unknown)
    times = {known: [], unknown: []}
    for _ in range(ROUNDS):
        for user in (known, unknown):
            began = time.perf_counter()
            attempt(user)
            times[user].append((time.perf_counter() - began) * 1000)
    return times


def token_series(server, tenant, app, known, unknown):
    path = f"/{tenant}/oauth2/v2.0/token"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    codes = set()

    def attempt(user):
        status, _, body = server.request("POST", path, token_form(app, user, "Wrong-pass-1!"),
                                         FORM_HEADERS, conn=conn)
        codes.add((status, json.loads(body)["error_codes"][0]))

    times = series(attempt, known, unknown)
    conn.close()
    return times, codes


def hidden_fields(page):
    fields = {}
    for m in re.finditer(r'<input type="hidden" ([^>]*)>', page):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


def page_series(server, tenant, app, known, unknown):
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = form([("client_id", app["clientId"]), ("response_type", "code"),
                  ("redirect_uri", REDIRECT), ("scope", "openid"), ("state", "bench"),
                  ("code_challenge", challenge), ("code_challenge_method", "S256")])
    path = f"/{tenant}/oauth2/v2.0/authorize"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    status, headers, page = server.request("GET", f"{path}?{query}", conn=conn)
    if status != 200:
        raise SystemExit(f"the sign-in page answered {status}: {page[:300]}")
    cookie = headers.get("set-cookie", "").split(";")[0]
    state = {"fields": hidden_fields(page)}
    statuses = set()

    def attempt(user):
        fields = dict(state["fields"], username=user, password="Wrong-pass-1!")
        status, _, page = server.request("POST", path, form(list(fields.items())),
                                         dict(FORM_HEADERS, Cookie=cookie), conn=conn)
        statuses.add(status)
        # The form shown again carries a fresh single-use ticket for the next attempt.
        state["fields"] = hidden_fields(page)
        if "AADSTS50126" not in page:
            raise SystemExit(f"unexpected sign-in page answer {status}: {page[:500]}")

    times = series(attempt, known, unknown)
    conn.close()
    return times, statuses


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    results = sys.argv[2] if len(sys.argv) > 2 else os.path.join("bench", "out", "signin.md")
    os.makedirs(os.path.dirname(results) or ".", exist_ok=True)
    server = Server(binary)
    try:
        with open(server.log_path) as f:
            log = f.read()
        upns = re.findall(r"(?:Teacher|Student|Administrator) (\S+@\S+) \(password", log)
        if not upns:
            raise SystemExit("no demo personas in the dev banner:\n" + server.tail())
        known = upns[0]
        domain = known.split("@", 1)[1]
        tenant = json.loads(server.cli("tenant", "list", "--json"))[0]["tenantId"]
        app = json.loads(server.cli("app", "create", "--tenant", tenant, "--name", "signin bench",
                                    "--delegated-permissions", "EduRoster.ReadBasic",
                                    "--redirect-uri", REDIRECT, "--json"))
        server.cli("app", "consent", app["clientId"], "--json")

        users = [upns[i % len(upns)] if i < 3 * len(upns) else f"nobody{i}@{domain}"
                 for i in range(BURST)]
        answers, idle_kb, peak_kb, sampled_kb, after_kb, elapsed = burst(server, tenant, app, users)
        mix = {}
        for status, code, _ in answers:
            mix[(status, code)] = mix.get((status, code), 0) + 1
        retry_after = sorted({a[2] for a in answers if a[0] == 503})
        unknown = f"nobody-at-all@{domain}"
        token_times, token_codes = token_series(server, tenant, app, known, unknown)
        page_times, page_statuses = page_series(server, tenant, app, known, unknown)
    finally:
        server.stop()

    def medians(times):
        k, u = statistics.median(times[known]), statistics.median(times[unknown])
        return k, u, abs(k - u) / max(k, u)

    tk, tu, td = medians(token_times)
    pk, pu, pd = medians(page_times)
    ok = lambda cond: "yes" if cond else "**no**"
    peak_mb = peak_kb / 1024
    lines = [
        "",
        "## (s) Sign-in cost: Argon2 under load, unknown vs known accounts (small demo)",
        "",
        f"{time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, commit "
        f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip() or 'unknown'};"
        f" {os.cpu_count()} cores; release build; default hash bound (one per core, queue 16);"
        " sign-in throttle raised out of the way so only the hash bound limits the work.",
        "",
        f"(a) {BURST} concurrent `grant_type=password` requests, wrong passwords, "
        f"{len(set(users))} accounts (personas and unknown names), answered in {elapsed:.2f} s:",
        "",
        "| resident memory | MB |",
        "|---|---:|",
        f"| idle, just before the burst (VmRSS) | {mb(idle_kb)} |",
        f"| peak during the burst (VmHWM reset before it; VmRSS sampled every 10 ms: {mb(sampled_kb)}) | **{mb(peak_kb)}** |",
        f"| after the burst (VmRSS) | {mb(after_kb)} |",
        "",
        f"Peak < 150 MB: {ok(peak_mb < 150)}. Answers: "
        + ", ".join(f"{n} × {s}/AADSTS{c}" for (s, c), n in sorted(mix.items()))
        + f" (503s carried Retry-After {', '.join(map(str, retry_after)) or '-'}).",
        "",
        f"(b) Wrong-password attempts one at a time, {ROUNDS} per account and surface, alternating"
        f" a known account ({known}) and an unknown one in the same tenant:",
        "",
        "| surface | known median ms | unknown median ms | difference | within 20 % |",
        "|---|---:|---:|---:|:-:|",
        f"| POST /{{tenant}}/oauth2/v2.0/token (password) | {tk:.1f} | {tu:.1f} | {td * 100:.0f} % | {ok(td <= 0.2)} |",
        f"| POST /{{tenant}}/oauth2/v2.0/authorize (sign-in page) | {pk:.1f} | {pu:.1f} | {pd * 100:.0f} % | {ok(pd <= 0.2)} |",
        "",
        f"Token endpoint answers: {sorted(token_codes)}; sign-in page statuses: {sorted(page_statuses)}.",
    ]
    with open(results, "a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
