-- Users, their roles, and accounts. Timestamps are Unix microseconds (UTC); money is 64-bit
-- integers in minor units. Text is nvarchar, as the client sends parameters, so no implicit
-- conversion defeats an index; ids use a binary collation to order as SQLite does.
-- Personal data is stored encrypted (AES-256-GCM, "keyId:base64"); emails are found and kept
-- unique through email_index, a keyed HMAC blind index, never through the ciphertext.
CREATE TABLE dbo.users (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_users PRIMARY KEY,
    email_index nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL,
    email nvarchar(1000) NOT NULL,
    full_name nvarchar(200) NOT NULL,
    password_hash nvarchar(200) NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT df_users_status DEFAULT N'active' CONSTRAINT ck_users_status CHECK (status IN (N'active', N'disabled')),
    phone nvarchar(400) NULL,
    address nvarchar(2000) NULL,
    date_of_birth nvarchar(200) NULL,
    created_at bigint NOT NULL
);

CREATE UNIQUE INDEX ux_users_email_index ON dbo.users (email_index);

CREATE TABLE dbo.user_roles (
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_user_roles_user REFERENCES dbo.users (id),
    role nvarchar(20) NOT NULL CONSTRAINT ck_user_roles_role CHECK (role IN (N'customer', N'operator', N'admin')),
    CONSTRAINT pk_user_roles PRIMARY KEY (user_id, role)
);

-- A customer account has an owner; a settlement account (one per currency) has none and is where
-- money enters and leaves the bank, so it may go negative. posted is credits minus debits;
-- pending_* are what open holds reserve; last_sequence numbers the account's entries.
CREATE TABLE dbo.accounts (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_accounts PRIMARY KEY,
    owner_id nvarchar(40) COLLATE Latin1_General_BIN2 NULL CONSTRAINT fk_accounts_owner REFERENCES dbo.users (id),
    kind nvarchar(12) NOT NULL CONSTRAINT ck_accounts_kind CHECK (kind IN (N'customer', N'settlement')),
    name nvarchar(100) NOT NULL,
    currency nchar(3) NOT NULL,
    status nvarchar(10) NOT NULL CONSTRAINT ck_accounts_status CHECK (status IN (N'active', N'frozen', N'closed')),
    posted bigint NOT NULL CONSTRAINT df_accounts_posted DEFAULT 0,
    pending_debits bigint NOT NULL CONSTRAINT df_accounts_pending_debits DEFAULT 0 CONSTRAINT ck_accounts_pending_debits CHECK (pending_debits >= 0),
    pending_credits bigint NOT NULL CONSTRAINT df_accounts_pending_credits DEFAULT 0 CONSTRAINT ck_accounts_pending_credits CHECK (pending_credits >= 0),
    overdraft_limit bigint NOT NULL CONSTRAINT df_accounts_overdraft_limit DEFAULT 0 CONSTRAINT ck_accounts_overdraft_limit CHECK (overdraft_limit >= 0),
    last_sequence bigint NOT NULL CONSTRAINT df_accounts_last_sequence DEFAULT 0,
    created_at bigint NOT NULL,
    CONSTRAINT ck_accounts_owner CHECK ((kind = N'customer' AND owner_id IS NOT NULL) OR (kind = N'settlement' AND owner_id IS NULL))
);

CREATE INDEX ix_accounts_owner ON dbo.accounts (owner_id, id);
CREATE UNIQUE INDEX ux_accounts_settlement ON dbo.accounts (currency) WHERE kind = N'settlement';
