-- Webhook endpoints (Standard Webhooks 1.0). owner_is_staff: an endpoint made by staff receives
-- every event of its types; a customer's only events whose event_audience names its owner.
-- event_types is space-separated. The signing secret is stored encrypted under the data keys
-- (it must be recoverable to sign), bound to the row; previous_secret keeps signing until
-- previous_secret_until after a rotation. fanout_cursor is the last event sequence handed to
-- this endpoint: a new endpoint starts at the then last sequence.
CREATE TABLE webhook_endpoints (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id),
    owner_is_staff INTEGER NOT NULL CHECK (owner_is_staff IN (0, 1)),
    url TEXT NOT NULL,
    description TEXT,
    event_types TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until INTEGER,
    fanout_cursor INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX ix_webhook_endpoints_owner ON webhook_endpoints (owner_id, id);

-- One event to one endpoint. state: pending (next_attempt_at says when), delivered, failed (the
-- schedule ran out, or the endpoint answered 410). A replica claims a due delivery by setting
-- lease_owner and lease_expires_at; a crashed replica's claim is taken over once it expires.
CREATE TABLE webhook_deliveries (
    endpoint_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    PRIMARY KEY (endpoint_id, sequence)
) STRICT, WITHOUT ROWID;

CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
-- A claim reads an endpoint's pending deliveries in order: without this it would walk past every
-- delivery already made to that endpoint, each time.
CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries (endpoint_id, sequence) WHERE state = 'pending';
-- Waiting for a retry: what a success brings forward (the receiver is back), without walking
-- the endpoint's whole backlog of first attempts on every success.
CREATE INDEX ix_webhook_deliveries_retrying ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE state = 'pending' AND attempts > 0;

-- Every attempt, for GET /v1/webhooks/endpoints/{id}/deliveries: id orders them (time-ordered).
CREATE TABLE webhook_attempts (
    id TEXT NOT NULL PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    next_attempt_at INTEGER
) STRICT;

CREATE INDEX ix_webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
