#!/usr/bin/env python3
"""Cross-replica visibility, a helper of bench/run: how long after replica A answers 201 to a
deposit does replica B, which had the account cached, show the new balance? Runs against a
cluster started by `scripts/cluster up` (with Redis, so B caches and the backplane evicts).
Loopback only; every call has a timeout and the wait for each deposit is bounded (5 s).

Usage: bench/visibility.py <cluster dir> <rounds> [result file]
Prints a summary; with a result file, also writes its figures there, one "key value" per line.
"""
import json, statistics, sys, time, urllib.request, uuid
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/cluster")
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
result = Path(sys.argv[3]) if len(sys.argv) > 3 else None
settings = dict(line.split("=", 1) for line in (folder / "cluster.env").read_text().splitlines() if line and not line.startswith("#"))
a, b = (f"http://127.0.0.1:{(folder / f'replica-{n}.port').read_text().strip()}" for n in (1, 2))


def call(base, method, path, body=None, token=None, form=False, key=None):
    data = None if body is None else (body.encode() if form else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/x-www-form-urlencoded" if form else "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    if key:
        request.add_header("Idempotency-Key", key)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, json.loads(response.read() or b"null")


def token(base, email, password):
    return call(base, "POST", "/v1/auth/token", f"grant_type=password&username={email}&password={password}", form=True)[2]["access_token"]


email, password = f"visibility-{uuid.uuid4().hex}@bench.test", "visibility-password"
call(a, "POST", "/v1/auth/register", {"email": email, "password": password, "fullName": "Bench"})
customer = token(a, email, password)
admin = token(a, settings["Bootstrap__AdminEmail"], settings["Bootstrap__AdminPassword"])
account = call(a, "POST", "/v1/accounts", {"currency": "EUR", "name": "Main"}, customer)[2]["id"]

delays, statuses = [], set()
for round in range(1, rounds + 1):
    before = call(b, "GET", f"/v1/accounts/{account}", token=customer)  # B holds it cached (stored or hit)
    statuses.add(before[1]["Cache-Status"])
    call(a, "POST", "/v1/deposits", {"accountId": account, "amount": 100, "currency": "EUR"}, admin, key=uuid.uuid4().hex)
    answered = time.perf_counter()
    while True:
        _, headers, seen = call(b, "GET", f"/v1/accounts/{account}", token=customer)
        if seen["balance"]["posted"] == 100 * round:
            delays.append((time.perf_counter() - answered) * 1000)
            break
        if time.perf_counter() - answered > 5:
            sys.exit(f"round {round}: replica B still shows {seen['balance']['posted']} after 5 s")

delays.sort()
p95 = delays[max(0, int(len(delays) * 0.95) - 1)]
if result:
    result.write_text(f"rounds {rounds}\nmin_ms {delays[0]:.2f}\nmedian_ms {statistics.median(delays):.2f}\n"
                      f"p95_ms {p95:.2f}\nmax_ms {delays[-1]:.2f}\ncache_status {' '.join(sorted(statuses))}\n")
print(f"{rounds} deposits via {a}, read back via {b}; Cache-Status seen on B before each deposit: {sorted(statuses)}")
print(f"visible on B after: min {delays[0]:.1f} ms, median {statistics.median(delays):.1f} ms, "
      f"p95 {p95:.1f} ms, max {delays[-1]:.1f} ms")
