-- Finding transfers (issue 16). A transfer may carry a client's reference (an external payment
-- id), unique per source account: the ledger writer checks it inside its transaction, and this
-- index is the last line of defence. Keyed by reference first, so a search by reference alone
-- is a seek too.
ALTER TABLE dbo.transfers ADD reference nvarchar(128) COLLATE Latin1_General_BIN2 NULL;
GO

CREATE UNIQUE INDEX ux_transfers_reference ON dbo.transfers (reference, from_account_id) WHERE reference IS NOT NULL;

-- An account's transfers newest first, on either side: one seek per side, in the order the list
-- pages in, so a page never sorts the account's history. Staff's list of every transfer pages
-- the third.
CREATE INDEX ix_transfers_from_time ON dbo.transfers (from_account_id, created_at, id);
CREATE INDEX ix_transfers_to_time ON dbo.transfers (to_account_id, created_at, id);
CREATE INDEX ix_transfers_time ON dbo.transfers (created_at, id);

-- Each metadata pair of a transfer, written by the ledger writer in the transaction that posts
-- it, so metadata[key]=value is a seek on (key, value) that reads newest first. created_at is
-- the transfer's. (Nonclustered: a clustered key may hold at most 900 bytes, this one up to 1,168.)
CREATE TABLE dbo.transfer_metadata (
    meta_key nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    meta_value nvarchar(500) COLLATE Latin1_General_BIN2 NOT NULL,
    created_at bigint NOT NULL,
    transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT fk_transfer_metadata_transfer REFERENCES dbo.transfers (id),
    CONSTRAINT pk_transfer_metadata PRIMARY KEY NONCLUSTERED (meta_key, meta_value, created_at, transfer_id)
);
