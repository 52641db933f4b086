-- A person at the external OpenID Connect authority (Auth:Authority) is its issuer and subject;
-- each is linked to the local user provisioned for them on first sight, and only ever to that one
-- (never to an existing user found by email). Issuer and subject compare exactly (binary
-- collation); the key is nonclustered because it may be wider than a clustered key may be.
CREATE TABLE dbo.external_identities (
    issuer nvarchar(500) COLLATE Latin1_General_BIN2 NOT NULL,
    subject nvarchar(255) COLLATE Latin1_General_BIN2 NOT NULL,
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_external_identities_user REFERENCES dbo.users (id),
    created_at bigint NOT NULL,
    CONSTRAINT pk_external_identities PRIMARY KEY NONCLUSTERED (issuer, subject)
);

CREATE UNIQUE CLUSTERED INDEX ux_external_identities_user ON dbo.external_identities (user_id);
