-- Append-only security audit log. Each record's hash covers its content and the previous
-- record's hash, so editing or deleting any record breaks every link after it.
CREATE TABLE audit_log (
    sequence INTEGER NOT NULL PRIMARY KEY,
    occurred_at INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id TEXT NULL,
    target TEXT NULL,
    client_ip TEXT NULL,
    user_agent TEXT NULL,
    trace_id TEXT NULL,
    details TEXT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE INDEX ix_audit_log_actor ON audit_log (actor_id, sequence);
CREATE INDEX ix_audit_log_action ON audit_log (action, sequence);
