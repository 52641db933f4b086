-- Service clients (OAuth 2.0 client credentials) for third-party platforms. A client acts for
-- its owner, a user, and only within its scopes (space-separated, e.g. "ledger:read ledger:write").
-- The secret is 256 random bits shown once at creation; only its SHA-256 is kept.
CREATE TABLE service_clients (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX ix_service_clients_owner ON service_clients (owner_id);
