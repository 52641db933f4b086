-- One row that the availability probe rewrites: a committed write is the only proof that writes
-- succeed again (a read answers while the disk is full or another process holds the write lock).
CREATE TABLE health_probe (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    probed_at INTEGER NOT NULL
) STRICT;

INSERT INTO health_probe (id, probed_at) VALUES (1, 0);
