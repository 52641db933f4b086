-- A second factor: TOTP (RFC 6238). The shared secret is encrypted like personal data
-- ("keyId:base64", bound to this row and column). A row is 'pending' from enrolment until the
-- first code confirms it; last_step is the last time step accepted, so no code works twice.
CREATE TABLE user_totp (
    user_id TEXT NOT NULL PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    last_step INTEGER NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER NULL
) STRICT, WITHOUT ROWID;

-- One-time recovery codes, shown once at confirmation; only their SHA-256 is stored.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at INTEGER NULL,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- How the sign-in that started a refresh-token family was authenticated (RFC 8176 amr values,
-- space-separated), so refreshed access tokens say the same.
ALTER TABLE refresh_tokens ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
