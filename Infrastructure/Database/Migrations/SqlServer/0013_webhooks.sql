-- Webhook endpoints (Standard Webhooks 1.0). owner_is_staff: an endpoint made by staff receives
-- every event of its types; a customer's only events whose event_audience names its owner.
-- event_types is space-separated. The signing secret is stored encrypted under the data keys
-- (it must be recoverable to sign), bound to the row; previous_secret keeps signing until
-- previous_secret_until after a rotation. fanout_cursor is the last event sequence handed to
-- this endpoint: a new endpoint starts at the then last sequence.
CREATE TABLE dbo.webhook_endpoints (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_webhook_endpoints PRIMARY KEY,
    owner_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_webhook_endpoints_owner REFERENCES dbo.users (id),
    owner_is_staff bit NOT NULL,
    url nvarchar(2048) NOT NULL,
    description nvarchar(200) NULL,
    event_types nvarchar(1000) COLLATE Latin1_General_BIN2 NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_webhook_endpoints_status CHECK (status IN (N'enabled', N'disabled')),
    disabled_reason nvarchar(40) NULL,
    secret nvarchar(400) COLLATE Latin1_General_BIN2 NOT NULL,
    previous_secret nvarchar(400) COLLATE Latin1_General_BIN2 NULL,
    previous_secret_until bigint NULL,
    fanout_cursor bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE INDEX ix_webhook_endpoints_owner ON dbo.webhook_endpoints (owner_id, id);

-- One event to one endpoint. state: pending (next_attempt_at says when), delivered, failed (the
-- schedule ran out, or the endpoint answered 410). A replica claims a due delivery by setting
-- lease_owner and lease_expires_at; a crashed replica's claim is taken over once it expires.
CREATE TABLE dbo.webhook_deliveries (
    endpoint_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    sequence bigint NOT NULL,
    attempts int NOT NULL,
    state nvarchar(10) NOT NULL CONSTRAINT ck_webhook_deliveries_state CHECK (state IN (N'pending', N'delivered', N'failed')),
    next_attempt_at bigint NOT NULL,
    lease_owner nvarchar(64) COLLATE Latin1_General_BIN2 NULL,
    lease_expires_at bigint NULL,
    last_status int NULL,
    last_error nvarchar(64) NULL,
    CONSTRAINT pk_webhook_deliveries PRIMARY KEY (endpoint_id, sequence)
);

CREATE INDEX ix_webhook_deliveries_due ON dbo.webhook_deliveries (state, next_attempt_at);
-- A claim reads an endpoint's pending deliveries in order: without this it would walk past every
-- delivery already made to that endpoint, each time.
CREATE INDEX ix_webhook_deliveries_pending ON dbo.webhook_deliveries (endpoint_id, sequence) WHERE state = N'pending';
-- Waiting for a retry: what a success brings forward (the receiver is back), without walking
-- the endpoint's whole backlog of first attempts on every success.
CREATE INDEX ix_webhook_deliveries_retrying ON dbo.webhook_deliveries (endpoint_id, next_attempt_at) WHERE state = N'pending' AND attempts > 0;

-- Every attempt, for GET /v1/webhooks/endpoints/{id}/deliveries: id orders them (time-ordered).
CREATE TABLE dbo.webhook_attempts (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_webhook_attempts PRIMARY KEY,
    endpoint_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    sequence bigint NOT NULL,
    attempt int NOT NULL,
    attempted_at bigint NOT NULL,
    status_code int NULL,
    error nvarchar(64) NULL,
    duration_ms bigint NOT NULL,
    next_attempt_at bigint NULL
);

CREATE INDEX ix_webhook_attempts_endpoint ON dbo.webhook_attempts (endpoint_id, id);
