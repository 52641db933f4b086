-- Reversals: a reversal is an ordinary posted transfer from the original's destination back to
-- its source that names the original in reversal_of; the original keeps the sum of its
-- reversals in reversed_amount (never more than it posted), updated in the same transaction.
ALTER TABLE dbo.transfers ADD
    reversal_of nvarchar(40) COLLATE Latin1_General_BIN2 NULL CONSTRAINT fk_transfers_reversal_of REFERENCES dbo.transfers (id),
    reversed_amount bigint NOT NULL CONSTRAINT df_transfers_reversed_amount DEFAULT 0 CONSTRAINT ck_transfers_reversed_amount CHECK (reversed_amount >= 0);
GO

-- In a batch of its own: the columns exist once the ALTER has run.
CREATE INDEX ix_transfers_reversal_of ON dbo.transfers (reversal_of) WHERE reversal_of IS NOT NULL;

-- Dual control (maker-checker): a staff deposit, withdrawal or reversal at or above its
-- currency's threshold waits here for another member of staff. request is the JSON the ledger
-- applies once approved; transfer_id names the result (and, for a reversal, target_id the
-- original). A pending approval past expires_at is expired (reads say so; it cannot be decided).
CREATE TABLE dbo.approvals (
    id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_approvals PRIMARY KEY,
    status nvarchar(10) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT ck_approvals_status CHECK (status IN (N'pending', N'approved', N'rejected', N'expired')),
    operation nvarchar(16) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT ck_approvals_operation CHECK (operation IN (N'deposit', N'withdrawal', N'reversal')),
    request nvarchar(max) NOT NULL,
    target_id nvarchar(40) COLLATE Latin1_General_BIN2 NULL,
    amount bigint NULL,
    currency nchar(3) NULL,
    requested_by nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    decided_by nvarchar(40) COLLATE Latin1_General_BIN2 NULL,
    transfer_id nvarchar(40) COLLATE Latin1_General_BIN2 NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    decided_at bigint NULL
);

CREATE INDEX ix_approvals_status ON dbo.approvals (status, id);
