#!/usr/bin/env python3
"""The database's own cost of one statement page, a helper of bench/run.

Usage: bench/page_query.py <strongroom.db> <account id> <result file>

Times the page query of GET /v1/accounts/{id}/entries (the SQLite text of ListEntries.Sql.Page,
20 rows plus the one that says whether more exist) on a copy of a database, before a server opens it, with
nothing else running: the newest page, one in the middle of the history and the oldest, median
of 300 runs each, plus SQLite's query plan. It shows what the history's length costs the
database, which the HTTP figures of the same page, dominated by the request itself, hide.
Writes "key value" lines to the result file.
"""
import sqlite3, statistics, sys, time

PAGE = """
SELECT e.sequence AS Sequence, e.transfer_id AS TransferId, e.amount AS Amount, e.balance_after AS BalanceAfter,
       t.description AS Description, e.created_at AS CreatedAt
FROM entries e JOIN transfers t ON t.id = e.transfer_id
WHERE e.account_id = :AccountId AND e.sequence < :Before AND e.created_at >= :From AND e.created_at < :To
ORDER BY e.sequence DESC
LIMIT :Take
"""


def main():
    path, account, result = sys.argv[1:4]
    db = sqlite3.connect(path)
    last = db.execute("SELECT last_sequence FROM accounts WHERE id = ?", (account,)).fetchone()[0]

    def median_us(before, runs=300):
        args = {"AccountId": account, "Before": before, "From": -(2**63), "To": 2**63 - 1, "Take": 21}
        timings = []
        for _ in range(runs):
            started = time.perf_counter_ns()
            rows = db.execute(PAGE, args).fetchall()
            timings.append((time.perf_counter_ns() - started) / 1000)
        if len(rows) != 21 and before > 22:
            sys.exit(f"a page below {before} had {len(rows)} rows")
        return statistics.median(timings)

    plan = " / ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + PAGE,
                      {"AccountId": account, "Before": last, "From": 0, "To": 1, "Take": 21}))
    lines = [f"entries {last}", f"newest_us {median_us(2**63 - 1):.1f}", f"middle_us {median_us(last // 2):.1f}",
             f"oldest_us {median_us(100):.1f}", f"plan {plan}"]
    with open(result, "w") as file:
        file.write("\n".join(lines) + "\n")
    print(", ".join(lines[:4]))


if __name__ == "__main__":
    main()
