-- Asynchronous writes (Prefer: respond-async): the inbox of accepted requests, in the order they
-- were accepted (sequence only grows: AUTOINCREMENT never reuses a number). A request is
-- recorded here, with its Idempotency-Key's record (status 202), before the client hears 202;
-- the drain applies it through the ledger writer, which marks it applied or failed in the same
-- transaction as the movement or the refusal. caller_* is the Caller the rules check.
CREATE TABLE async_requests (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id TEXT NOT NULL,
    owner_is_staff INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    trace_id TEXT,
    is_batch INTEGER NOT NULL,
    instructions TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('processing', 'applied', 'failed')),
    failure_status INTEGER,
    failure_code TEXT,
    failure_detail TEXT,
    accepted_at INTEGER NOT NULL,
    finished_at INTEGER
) STRICT;

-- The drain's work list and the backlog count: only the processing rows, oldest first.
CREATE INDEX ix_async_requests_processing ON async_requests (sequence) WHERE state = 'processing';

-- Which request each transfer id belongs to, so GET /v1/transfers/{id} finds one still processing or failed.
CREATE TABLE async_transfers (
    transfer_id TEXT NOT NULL PRIMARY KEY,
    sequence INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One replica drains at a time: the holder of an unexpired lease.
CREATE TABLE async_drain_lease (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

INSERT INTO async_drain_lease (id, holder, expires_at) VALUES (1, '', 0);
