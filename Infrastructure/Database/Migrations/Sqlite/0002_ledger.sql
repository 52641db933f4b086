-- The ledger. A transfer moves money between two accounts of one currency; once posted it makes
-- exactly two entries (a debit and a credit that sum to zero). Nothing is updated in place but a
-- hold's status; corrections are new transfers.
CREATE TABLE transfers (
    id TEXT NOT NULL PRIMARY KEY,
    from_account_id TEXT NOT NULL REFERENCES accounts (id),
    to_account_id TEXT NOT NULL REFERENCES accounts (id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    status TEXT NOT NULL CHECK (status IN ('posted', 'pending', 'voided')),
    captured_amount INTEGER NOT NULL CHECK (captured_amount >= 0 AND captured_amount <= amount),
    description TEXT NULL,
    metadata TEXT NULL,
    hold_expires_at INTEGER NULL,
    initiated_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (from_account_id <> to_account_id)
) STRICT;

CREATE INDEX ix_transfers_hold_expiry ON transfers (hold_expires_at) WHERE status = 'pending';

-- An account's entries are numbered 1, 2, 3, … so a page of its statement is one index seek.
CREATE TABLE entries (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    sequence INTEGER NOT NULL,
    transfer_id TEXT NOT NULL REFERENCES transfers (id),
    amount INTEGER NOT NULL CHECK (amount <> 0),
    balance_after INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, sequence)
) STRICT, WITHOUT ROWID;

CREATE INDEX ix_entries_transfer ON entries (transfer_id);
CREATE INDEX ix_entries_account_time ON entries (account_id, created_at);

-- Idempotency-Key records: per caller, the request's hash and the response it got, written in
-- the same transaction as the money movement.
CREATE TABLE idempotency_keys (
    owner_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (owner_id, idempotency_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX ix_idempotency_keys_expiry ON idempotency_keys (expires_at);
