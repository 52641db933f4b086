-- Append-only security audit log. Each record's hash covers its content and the previous
-- record's hash, so editing or deleting any record breaks every link after it.
CREATE TABLE dbo.audit_log (
    sequence bigint NOT NULL CONSTRAINT pk_audit_log PRIMARY KEY,
    occurred_at bigint NOT NULL,
    action nvarchar(64) NOT NULL,
    actor_id nvarchar(40) COLLATE Latin1_General_BIN2 NULL,
    target nvarchar(200) NULL,
    client_ip nvarchar(64) NULL,
    user_agent nvarchar(400) NULL,
    trace_id nvarchar(64) NULL,
    details nvarchar(1000) NULL,
    previous_hash nvarchar(64) NOT NULL,
    hash nvarchar(64) NOT NULL
);

CREATE INDEX ix_audit_log_actor ON dbo.audit_log (actor_id, sequence);
CREATE INDEX ix_audit_log_action ON dbo.audit_log (action, sequence);
