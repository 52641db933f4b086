-- A person at the external OpenID Connect authority (Auth:Authority) is its issuer and subject;
-- each is linked to the local user provisioned for them on first sight, and only ever to that one
-- (never to an existing user found by email).
CREATE TABLE external_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX ux_external_identities_user ON external_identities (user_id);
