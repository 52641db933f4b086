-- Service clients (OAuth 2.0 client credentials) for third-party platforms. A client acts for
-- its owner, a user, and only within its scopes (space-separated, e.g. "ledger:read ledger:write").
-- The secret is 256 random bits shown once at creation; only its SHA-256 is kept.
CREATE TABLE dbo.service_clients (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_service_clients PRIMARY KEY,
    owner_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_service_clients_owner REFERENCES dbo.users (id),
    name nvarchar(100) NOT NULL,
    secret_hash nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL,
    scopes nvarchar(200) COLLATE Latin1_General_BIN2 NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_service_clients_status CHECK (status IN (N'active', N'revoked')),
    created_by nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_service_clients_created_by REFERENCES dbo.users (id),
    created_at bigint NOT NULL
);

CREATE INDEX ix_service_clients_owner ON dbo.service_clients (owner_id);
