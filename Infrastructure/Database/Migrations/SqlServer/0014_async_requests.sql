-- Asynchronous writes (Prefer: respond-async): the inbox of accepted requests, in the order they
-- were accepted (an identity: sequence only grows). A request is recorded here, with its
-- Idempotency-Key's record (status 202), before the client hears 202; the drain applies it
-- through the ledger writer, which marks it applied or failed in the same transaction as the
-- movement or the refusal. owner_* is the Caller the rules check.
CREATE TABLE dbo.async_requests (
    sequence bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_async_requests PRIMARY KEY,
    owner_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    owner_is_staff bit NOT NULL,
    idempotency_key nvarchar(255) COLLATE Latin1_General_BIN2 NOT NULL,
    request_hash nvarchar(64) NOT NULL,
    trace_id nvarchar(64) NULL,
    is_batch bit NOT NULL,
    instructions nvarchar(max) NOT NULL,
    state nvarchar(16) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT ck_async_requests_state CHECK (state IN (N'processing', N'applied', N'failed')),
    failure_status int NULL,
    failure_code nvarchar(64) NULL,
    failure_detail nvarchar(1000) NULL,
    accepted_at bigint NOT NULL,
    finished_at bigint NULL
);

-- The drain's work list and the backlog count: only the processing rows, oldest first.
CREATE INDEX ix_async_requests_processing ON dbo.async_requests (sequence) WHERE state = N'processing';

-- Which request each transfer id belongs to, so GET /v1/transfers/{id} finds one still processing or failed.
CREATE TABLE dbo.async_transfers (
    transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_async_transfers PRIMARY KEY,
    sequence bigint NOT NULL
);

-- One replica drains at a time: the holder of an unexpired lease.
CREATE TABLE dbo.async_drain_lease (
    id int NOT NULL CONSTRAINT pk_async_drain_lease PRIMARY KEY CONSTRAINT ck_async_drain_lease_one CHECK (id = 1),
    holder nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL,
    expires_at bigint NOT NULL
);

INSERT INTO dbo.async_drain_lease (id, holder, expires_at) VALUES (1, N'', 0);
