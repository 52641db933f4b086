-- Refresh tokens are opaque random strings; only their SHA-256 is stored. Every token issued by
-- rotation joins its predecessor's family, so presenting a used token can revoke the family.
CREATE TABLE refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'used', 'revoked')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);
