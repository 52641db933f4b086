#!/usr/bin/env python3
"""Adds N posted transfers straight into a Strongroom SQLite file, for bench/run's history figures.

Usage: bench/seed_history.py <strongroom.db> <N> <history account id> <pot account id>...

The database must be one the service made and then stopped: its migrations applied, the
accounts opened and funded through the API (so users, keys and settlement are all the
service's own). Writing the rows through the API would take hours; here a recursive CTE inside
SQLite writes them, in chunks, the way the ledger writer would have:

- transfer 2j moves A_j = 1 + j % 97 from the history account to pot j % P, transfer 2j+1 moves
  it back, so every balance is where it started and the history account gets all N entries;
- each transfer is posted with its two entries (a debit and a credit summing to zero), numbered
  on from each account's last_sequence, with the balance after each entry, and last_sequence is
  moved on; so every check of GET /v1/admin/ledger/verify still holds;
- ids have the shape of the service's (prefix, then the UUIDv7 millisecond time in Crockford
  base32, then a counter), dated over the year before now, so they sort before anything the
  service creates afterwards and B-tree inserts stay at the right edge as they would have.

N is rounded up to an even number (the pairs). Prints what it did and how long it took.
"""
import sqlite3, sys, time

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CHUNK = 500_000  # transfers per transaction


def base32(expression, digits):
    """SQL text for `digits` Crockford base32 characters of the integer `expression`, most significant first."""
    return " || ".join(f"substr('{ALPHABET}', (({expression}) >> {5 * (digits - 1 - d)} & 31) + 1, 1)"
                       for d in range(digits))


def main():
    path, n, history, pots = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    n += n % 2
    if not pots:
        sys.exit("needs at least one pot account")
    started = time.time()
    db = sqlite3.connect(path, isolation_level=None)
    # A file being built for the cache: no journal, no fsync; bench/run moves it into place
    # only once this has finished. The service's WAL mode is restored at the end.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")
    db.execute("PRAGMA temp_store = MEMORY")

    user, currency, h_seq, h_bal = db.execute(
        "SELECT owner_id, currency, last_sequence, posted FROM accounts WHERE id = ?", (history,)).fetchone()
    db.execute("CREATE TEMP TABLE pots (k INTEGER PRIMARY KEY, id TEXT NOT NULL, seq0 INTEGER NOT NULL, bal0 INTEGER NOT NULL)")
    for k, pot in enumerate(pots):
        seq, bal, pot_currency = db.execute("SELECT last_sequence, posted, currency FROM accounts WHERE id = ?", (pot,)).fetchone()
        if pot_currency != currency:
            sys.exit(f"{pot} is not in {currency}")
        db.execute("INSERT INTO pots VALUES (?, ?, ?, ?)", (k, pot, seq, bal))
    if h_bal < 97:
        sys.exit("the history account needs a balance of at least 97 (fund it first)")

    year_us = 365 * 86400 * 1_000_000
    start_us = int(time.time() * 1_000_000) - year_us - 3600 * 1_000_000
    step_us = max(1, year_us // n)
    p = len(pots)
    # One row per transfer i of the chunk: its pair j, direction d, pot, amount and time.
    rows = f"""
        WITH RECURSIVE seq(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < :last),
        t AS (
            SELECT i, i >> 1 AS j, i & 1 AS d, ((i >> 1) % {p}) AS k, ((i >> 1) / {p}) AS m,
                   1 + ((i >> 1) % 97) AS amount, {start_us} + i * {step_us} AS at
            FROM seq)
        SELECT t.*, pots.id AS pot, pots.seq0 AS pot_seq0, pots.bal0 AS pot_bal0,
               'trf_' || {base32("t.at / 1000", 10)} || 'e' || {base32("t.i", 15)} AS id
        FROM t JOIN pots ON pots.k = t.k
        """
    insert_transfers = f"""
        INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, status, captured_amount,
                               description, metadata, hold_expires_at, initiated_by, created_at, updated_at)
        SELECT id, CASE d WHEN 0 THEN :history ELSE pot END, CASE d WHEN 0 THEN pot ELSE :history END,
               amount, :currency, 'posted', amount, 'seeded history', NULL, NULL, :user, at, at
        FROM ({rows}) ORDER BY i
        """
    insert_history_entries = f"""
        INSERT INTO entries (account_id, sequence, transfer_id, amount, balance_after, created_at)
        SELECT :history, :h_seq + i + 1, id, CASE d WHEN 0 THEN -amount ELSE amount END,
               CASE d WHEN 0 THEN :h_bal - amount ELSE :h_bal END, at
        FROM ({rows}) ORDER BY i
        """
    insert_pot_entries = f"""
        INSERT INTO entries (account_id, sequence, transfer_id, amount, balance_after, created_at)
        SELECT pot, pot_seq0 + 2 * m + d + 1, id, CASE d WHEN 0 THEN amount ELSE -amount END,
               CASE d WHEN 0 THEN pot_bal0 + amount ELSE pot_bal0 END, at
        FROM ({rows}) ORDER BY k, i
        """
    common = {"history": history, "currency": currency, "user": user, "h_seq": h_seq, "h_bal": h_bal}
    for first in range(0, n, CHUNK):
        last = min(n, first + CHUNK)
        args = dict(common, first=first, last=last)
        db.execute("BEGIN")
        for sql in (insert_transfers, insert_history_entries, insert_pot_entries):
            db.execute(sql, args)
        db.execute("COMMIT")
        print(f"  seeded {last:,} of {n:,} transfers ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)

    db.execute("BEGIN")
    db.execute("UPDATE accounts SET last_sequence = :h_seq + :n WHERE id = :history", dict(common, n=n))
    db.execute("""
        UPDATE accounts SET last_sequence = (SELECT MAX(e.sequence) FROM entries e WHERE e.account_id = accounts.id)
        WHERE id IN (SELECT id FROM pots)""")
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    print(f"seeded {n:,} transfers ({2 * n:,} entries, {n:,} on {history}) in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
