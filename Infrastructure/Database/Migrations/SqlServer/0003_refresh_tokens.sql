-- Refresh tokens are opaque random strings; only their SHA-256 is stored. Every token issued by
-- rotation joins its predecessor's family, so presenting a used token can revoke the family.
CREATE TABLE dbo.refresh_tokens (
    token_hash nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_refresh_tokens PRIMARY KEY,
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_refresh_tokens_user REFERENCES dbo.users (id),
    family_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_refresh_tokens_status CHECK (status IN (N'active', N'used', N'revoked')),
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);

CREATE INDEX ix_refresh_tokens_family ON dbo.refresh_tokens (family_id);
CREATE INDEX ix_refresh_tokens_user ON dbo.refresh_tokens (user_id);
