-- Users, their roles, and accounts. Timestamps are Unix microseconds (UTC); money is 64-bit
-- integers in minor units. STRICT tables make SQLite enforce the declared types.
-- Personal data is stored encrypted (AES-256-GCM, "keyId:base64"); emails are found and kept
-- unique through email_index, a keyed HMAC blind index, never through the ciphertext.
CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    email_index TEXT NOT NULL,
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    phone TEXT NULL,
    address TEXT NULL,
    date_of_birth TEXT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX ux_users_email_index ON users (email_index);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('customer', 'operator', 'admin')),
    PRIMARY KEY (user_id, role)
) STRICT, WITHOUT ROWID;

-- A customer account has an owner; a settlement account (one per currency) has none and is where
-- money enters and leaves the bank, so it may go negative. posted is credits minus debits;
-- pending_* are what open holds reserve; last_sequence numbers the account's entries.
CREATE TABLE accounts (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'settlement')),
    name TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    status TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
    posted INTEGER NOT NULL DEFAULT 0,
    pending_debits INTEGER NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits INTEGER NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    overdraft_limit INTEGER NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
    last_sequence INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CHECK ((kind = 'customer') = (owner_id IS NOT NULL))
) STRICT;

CREATE INDEX ix_accounts_owner ON accounts (owner_id, id);
CREATE UNIQUE INDEX ux_accounts_settlement ON accounts (currency) WHERE kind = 'settlement';
