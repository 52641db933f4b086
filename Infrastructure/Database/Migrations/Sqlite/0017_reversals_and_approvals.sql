-- Reversals: a reversal is an ordinary posted transfer from the original's destination back to
-- its source that names the original in reversal_of; the original keeps the sum of its
-- reversals in reversed_amount (never more than it posted), updated in the same transaction.
ALTER TABLE transfers ADD COLUMN reversal_of TEXT NULL REFERENCES transfers (id);
ALTER TABLE transfers ADD COLUMN reversed_amount INTEGER NOT NULL DEFAULT 0 CHECK (reversed_amount >= 0);

CREATE INDEX ix_transfers_reversal_of ON transfers (reversal_of) WHERE reversal_of IS NOT NULL;

-- Dual control (maker-checker): a staff deposit, withdrawal or reversal at or above its
-- currency's threshold waits here for another member of staff. request is the JSON the ledger
-- applies once approved; transfer_id names the result (and, for a reversal, target_id the
-- original). A pending approval past expires_at is expired (reads say so; it cannot be decided).
CREATE TABLE approvals (
    id TEXT NOT NULL PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    operation TEXT NOT NULL CHECK (operation IN ('deposit', 'withdrawal', 'reversal')),
    request TEXT NOT NULL,
    target_id TEXT NULL,
    amount INTEGER NULL,
    currency TEXT NULL,
    requested_by TEXT NOT NULL,
    decided_by TEXT NULL,
    transfer_id TEXT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decided_at INTEGER NULL
) STRICT;

CREATE INDEX ix_approvals_status ON approvals (status, id);
