-- A second factor: TOTP (RFC 6238). The shared secret is encrypted like personal data
-- ("keyId:base64", bound to this row and column). A row is 'pending' from enrolment until the
-- first code confirms it; last_step is the last time step accepted, so no code works twice.
CREATE TABLE dbo.user_totp (
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_user_totp PRIMARY KEY
        CONSTRAINT fk_user_totp_user REFERENCES dbo.users (id),
    secret nvarchar(400) NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_user_totp_status CHECK (status IN (N'pending', N'active')),
    last_step bigint NULL,
    created_at bigint NOT NULL,
    confirmed_at bigint NULL
);

-- One-time recovery codes, shown once at confirmation; only their SHA-256 is stored.
CREATE TABLE dbo.recovery_codes (
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_recovery_codes_user REFERENCES dbo.users (id),
    code_hash nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL,
    used_at bigint NULL,
    CONSTRAINT pk_recovery_codes PRIMARY KEY (user_id, code_hash)
);

-- How the sign-in that started a refresh-token family was authenticated (RFC 8176 amr values,
-- space-separated), so refreshed access tokens say the same.
ALTER TABLE dbo.refresh_tokens ADD amr nvarchar(100) NOT NULL CONSTRAINT df_refresh_tokens_amr DEFAULT (N'pwd');
