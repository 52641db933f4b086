#!/usr/bin/env python3
"""Cost of one statement page (GET /v1/accounts/{id}/entries) against history length.

Builds SQLite databases from the shipped migrations with one account holding N entries, then
times the exact page query ListEntries runs (newest page, a page in the middle, the oldest page)
and prints SQLite's query plan. Usage: bench/entries_page.py [N ...]  (default: 10000 10000000)
"""
import os, pathlib, sqlite3, statistics, sys, tempfile, time

root = pathlib.Path(__file__).resolve().parent.parent
migrations = sorted((root / "Infrastructure/Database/Migrations/Sqlite").glob("*.sql"))
# The SQLite text of ListEntries.Sqlite.Page, with @Name parameters.
page_sql = """
SELECT e.sequence AS Sequence, e.transfer_id AS TransferId, e.amount AS Amount, e.balance_after AS BalanceAfter,
       t.description AS Description, e.created_at AS CreatedAt
FROM entries e JOIN transfers t ON t.id = e.transfer_id
WHERE e.account_id = @AccountId AND e.sequence < @Before AND e.created_at >= @From AND e.created_at < @To
ORDER BY e.sequence DESC
LIMIT @Take
""".replace("@", ":")
account = "acc_0000000000000000000000bench"


def build(path, n):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for script in migrations:
        db.executescript(script.read_text())
    db.execute("BEGIN")
    db.execute("INSERT INTO users VALUES ('usr_bench', 'b@bench', 'B', 'x', 0)")
    db.execute(f"INSERT INTO accounts VALUES ('{account}', 'usr_bench', 'customer', 'B', 'EUR', 'active', 0, 0, 0, 0, {n}, 0)")
    db.execute(f"INSERT INTO accounts VALUES ('acc_other', NULL, 'settlement', 'S', 'EUR', 'active', 0, 0, 0, 0, 0, 0)")
    db.execute(f"INSERT INTO transfers VALUES ('trf_bench', '{account}', 'acc_other', 1, 'EUR', 'posted', 1, 'bench', NULL, NULL, 'usr_bench', 0, 0)")
    db.executemany("INSERT INTO entries VALUES (?, ?, 'trf_bench', 1, ?, ?)",
                   ((account, s, s, s * 1000) for s in range(1, n + 1)))
    db.execute("COMMIT")
    return db


def page_cost(db, before, runs=300):
    args = {"AccountId": account, "Before": before, "From": -(2**63), "To": 2**63 - 1, "Take": 21}
    timings = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        rows = db.execute(page_sql, args).fetchall()
        timings.append((time.perf_counter_ns() - start) / 1000)
    assert len(rows) == 21 or before <= 22
    return statistics.median(timings)


for n in [int(a) for a in sys.argv[1:]] or [10_000, 10_000_000]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.time()
        db = build(os.path.join(folder, "entries.db"), n)
        built = time.time() - started
        plan = " / ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + page_sql,
                          {"AccountId": account, "Before": n, "From": 0, "To": 1, "Take": 21}))
        costs = {name: page_cost(db, before) for name, before in
                 [("newest", 2**63 - 1), ("middle", n // 2), ("oldest", 100)]}
        print(f"{n:>11,} entries (built in {built:.0f} s): page of 20 — " +
              ", ".join(f"{name} {us:.0f} µs" for name, us in costs.items()))
        print(f"{'':>12} plan: {plan}")
