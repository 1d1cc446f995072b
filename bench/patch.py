#!/usr/bin/env python3
"""Bench part (p): 200 concurrent PATCHes of one entity, each setting another property.

Usage: bench/patch.py BASE_URL TOKEN RESULTS_MD

Opens 200 connections, lines them up on a barrier, sends one PATCH of
/v1.0/education/users/{id} on each at once, and reports throughput (requests over the wall
time of the burst) and latency percentiles. Then verifies that every PATCH applied: the
ETags of the 200 answers are 200 distinct consecutive versions, and the final entity shows,
for every property, the value of the PATCH applied last to it.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

N = 200
SLOTS = [
    ["displayName"], ["givenName"], ["surname"], ["middleName"], ["department"],
    ["officeLocation"], ["mobilePhone"],
    ["mailingAddress", "city"], ["mailingAddress", "postalCode"], ["mailingAddress", "street"],
    ["residenceAddress", "city"], ["residenceAddress", "postalCode"],
    ["residenceAddress", "street"], ["student", "studentNumber"], ["student", "grade"],
]


def nested(path, value):
    for name in reversed(path):
        value = {name: value}
    return value


def at(doc, path):
    for name in path:
        doc = (doc or {}).get(name)
    return doc


def main():
    base, token, results = sys.argv[1], sys.argv[2], sys.argv[3]
    url = urllib.parse.urlparse(base)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def connect():
        return http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    c = connect()
    c.request("GET", "/v1.0/education/users?$top=1&$select=id", headers=headers)
    user = json.loads(c.getresponse().read())["value"][0]["id"]
    path = f"/v1.0/education/users/{user}"
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    start_version = int(r.getheader("etag").strip('W/"'))
    r.read()

    conns = [connect() for _ in range(N)]
    for conn in conns:
        conn.connect()
    barrier = threading.Barrier(N + 1)
    out = [None] * N

    def one(i):
        body = json.dumps(nested(SLOTS[i % len(SLOTS)], f"p{i}"))
        barrier.wait()
        t0 = time.perf_counter()
        conns[i].request("PATCH", path, body=body, headers=headers)
        resp = conns[i].getresponse()
        resp.read()
        out[i] = (resp.status, resp.getheader("etag"), time.perf_counter() - t0, time.perf_counter())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = max(o[3] for o in out) - began

    statuses = sorted({o[0] for o in out})
    ok = [o for o in out if o[0] == 200]
    versions = sorted(int(o[1].strip('W/"')) for o in ok)
    latencies = sorted(o[2] * 1000 for o in out)
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    rps = N / wall

    # Expected final value of each property: the PATCH with the highest version.
    last = {}
    for i, o in enumerate(out):
        if o[0] == 200:
            slot = i % len(SLOTS)
            v = int(o[1].strip('W/"'))
            if slot not in last or v > last[slot][0]:
                last[slot] = (v, f"p{i}")
    c = connect()
    c.request("GET", path, headers=headers)
    final = json.loads(c.getresponse().read())
    applied = (
        len(ok) == N
        and versions == list(range(start_version + 1, start_version + N + 1))
        and all(at(final, SLOTS[s]) == v for s, (_, v) in last.items())
    )
    verdict = "yes" if applied else "**no**"
    print(f"{N} concurrent PATCHes: {rps:.0f} req/s over {wall * 1000:.0f} ms, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, statuses {statuses}, all applied: {verdict}")
    with open(results, "a") as f:
        f.write("\n## (p) 200 concurrent PATCHes of one entity (small demo)\n\n")
        f.write(f"{N} connections, one PATCH each, released together; each sets one of "
                f"{len(SLOTS)} properties of one user.\n\n")
        f.write("| requests/s | wall ms | p50 ms | p99 ms | statuses | all applied |\n")
        f.write("|---:|---:|---:|---:|---|---|\n")
        f.write(f"| {rps:.0f} | {wall * 1000:.0f} | {p50:.1f} | {p99:.1f} | "
                f"{', '.join(map(str, statuses))} | {verdict} |\n")
    sys.exit(0 if applied else 1)


if __name__ == "__main__":
    main()
