-- Finding transfers (issue 16). A transfer may carry a client's reference (an external payment
-- id), unique per source account: the ledger writer checks it inside its transaction, and this
-- index is the last line of defence. Keyed by reference first, so a search by reference alone
-- is a seek too.
ALTER TABLE transfers ADD COLUMN reference TEXT NULL;

CREATE UNIQUE INDEX ux_transfers_reference ON transfers (reference, from_account_id) WHERE reference IS NOT NULL;

-- An account's transfers newest first, on either side: one seek per side, in the order the list
-- pages in, so a page never sorts the account's history. Staff's list of every transfer pages
-- the third.
CREATE INDEX ix_transfers_from_time ON transfers (from_account_id, created_at, id);
CREATE INDEX ix_transfers_to_time ON transfers (to_account_id, created_at, id);
CREATE INDEX ix_transfers_time ON transfers (created_at, id);

-- Each metadata pair of a transfer, written by the ledger writer in the transaction that posts
-- it, so metadata[key]=value is a seek on (key, value) that reads newest first. created_at is
-- the transfer's.
CREATE TABLE transfer_metadata (
    meta_key TEXT NOT NULL,
    meta_value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    transfer_id TEXT NOT NULL REFERENCES transfers (id),
    PRIMARY KEY (meta_key, meta_value, created_at, transfer_id)
) STRICT, WITHOUT ROWID;
