-- Exchange rates, set by staff: one current rate per ordered pair (base to quote; the inverse is a
-- pair of its own). rate is an exact decimal as text in its canonical form (no sign, no exponent,
-- at most 12 digits before and 12 after the point, no trailing zeros), never a float;
-- valid_until and updated_at are microseconds since the Unix epoch.
CREATE TABLE dbo.fx_rates (
    base_currency nchar(3) COLLATE Latin1_General_BIN2 NOT NULL,
    quote_currency nchar(3) COLLATE Latin1_General_BIN2 NOT NULL,
    rate varchar(32) COLLATE Latin1_General_BIN2 NOT NULL,
    valid_until bigint NOT NULL,
    updated_by nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    updated_at bigint NOT NULL,
    CONSTRAINT pk_fx_rates PRIMARY KEY (base_currency, quote_currency),
    CONSTRAINT ck_fx_rates_pair CHECK (base_currency <> quote_currency)
);

-- A currency exchange: two transfers written in the same transaction, the sell leg from the
-- customer's account to the sell currency's settlement account and the buy leg from the buy
-- currency's settlement account to the customer's other account, at the rate read in it.
CREATE TABLE dbo.exchanges (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_exchanges PRIMARY KEY,
    from_account_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_exchanges_from REFERENCES dbo.accounts (id),
    to_account_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_exchanges_to REFERENCES dbo.accounts (id),
    sell_amount bigint NOT NULL CONSTRAINT ck_exchanges_sell_amount CHECK (sell_amount > 0),
    sell_currency nchar(3) NOT NULL,
    sell_transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_exchanges_sell_transfer REFERENCES dbo.transfers (id),
    buy_amount bigint NOT NULL CONSTRAINT ck_exchanges_buy_amount CHECK (buy_amount > 0),
    buy_currency nchar(3) NOT NULL,
    buy_transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_exchanges_buy_transfer REFERENCES dbo.transfers (id),
    rate varchar(32) COLLATE Latin1_General_BIN2 NOT NULL,
    initiated_by nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    created_at bigint NOT NULL,
    CONSTRAINT ck_exchanges_currencies CHECK (sell_currency <> buy_currency)
);
