-- The ledger. A transfer moves money between two accounts of one currency; once posted it makes
-- exactly two entries (a debit and a credit that sum to zero). Nothing is updated in place but a
-- hold's status; corrections are new transfers.
CREATE TABLE dbo.transfers (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_transfers PRIMARY KEY,
    from_account_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_transfers_from REFERENCES dbo.accounts (id),
    to_account_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_transfers_to REFERENCES dbo.accounts (id),
    amount bigint NOT NULL CONSTRAINT ck_transfers_amount CHECK (amount > 0),
    currency nchar(3) NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_transfers_status CHECK (status IN (N'posted', N'pending', N'voided')),
    captured_amount bigint NOT NULL,
    description nvarchar(500) NULL,
    metadata nvarchar(max) NULL,
    hold_expires_at bigint NULL,
    initiated_by nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    CONSTRAINT ck_transfers_captured CHECK (captured_amount >= 0 AND captured_amount <= amount),
    CONSTRAINT ck_transfers_distinct CHECK (from_account_id <> to_account_id)
);

CREATE INDEX ix_transfers_hold_expiry ON dbo.transfers (hold_expires_at) WHERE status = N'pending';

-- An account's entries are numbered 1, 2, 3, … so a page of its statement is one index seek.
CREATE TABLE dbo.entries (
    account_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_entries_account REFERENCES dbo.accounts (id),
    sequence bigint NOT NULL,
    transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_entries_transfer REFERENCES dbo.transfers (id),
    amount bigint NOT NULL CONSTRAINT ck_entries_amount CHECK (amount <> 0),
    balance_after bigint NOT NULL,
    created_at bigint NOT NULL,
    CONSTRAINT pk_entries PRIMARY KEY (account_id, sequence)
);

CREATE INDEX ix_entries_transfer ON dbo.entries (transfer_id);
CREATE INDEX ix_entries_account_time ON dbo.entries (account_id, created_at);

-- Idempotency-Key records: per caller, the request's hash and the response it got, written in
-- the same transaction as the money movement.
CREATE TABLE dbo.idempotency_keys (
    owner_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    idempotency_key nvarchar(255) COLLATE Latin1_General_BIN2 NOT NULL,
    request_hash nvarchar(64) NOT NULL,
    response_status int NOT NULL,
    response_body nvarchar(max) NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    CONSTRAINT pk_idempotency_keys PRIMARY KEY (owner_id, idempotency_key)
);

CREATE INDEX ix_idempotency_keys_expiry ON dbo.idempotency_keys (expires_at);
