-- Exchange rates, set by staff: one current rate per ordered pair (base to quote; the inverse is a
-- pair of its own). rate is an exact decimal as text in its canonical form (no sign, no exponent,
-- at most 12 digits before and 12 after the point, no trailing zeros), never a float;
-- valid_until and updated_at are microseconds since the Unix epoch.
CREATE TABLE fx_rates (
    base_currency TEXT NOT NULL CHECK (length(base_currency) = 3),
    quote_currency TEXT NOT NULL CHECK (length(quote_currency) = 3),
    rate TEXT NOT NULL,
    valid_until INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (base_currency, quote_currency),
    CHECK (base_currency <> quote_currency)
) STRICT, WITHOUT ROWID;

-- A currency exchange: two transfers written in the same transaction, the sell leg from the
-- customer's account to the sell currency's settlement account and the buy leg from the buy
-- currency's settlement account to the customer's other account, at the rate read in it.
CREATE TABLE exchanges (
    id TEXT NOT NULL PRIMARY KEY,
    from_account_id TEXT NOT NULL REFERENCES accounts (id),
    to_account_id TEXT NOT NULL REFERENCES accounts (id),
    sell_amount INTEGER NOT NULL CHECK (sell_amount > 0),
    sell_currency TEXT NOT NULL CHECK (length(sell_currency) = 3),
    sell_transfer_id TEXT NOT NULL REFERENCES transfers (id),
    buy_amount INTEGER NOT NULL CHECK (buy_amount > 0),
    buy_currency TEXT NOT NULL CHECK (length(buy_currency) = 3),
    buy_transfer_id TEXT NOT NULL REFERENCES transfers (id),
    rate TEXT NOT NULL,
    initiated_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (sell_currency <> buy_currency)
) STRICT;
