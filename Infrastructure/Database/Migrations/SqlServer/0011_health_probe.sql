-- One row that the availability probe rewrites: a committed write is the only proof that writes
-- succeed again (a read answers while the data or log file is full or a lock is held).
CREATE TABLE dbo.health_probe (
    id int NOT NULL CONSTRAINT pk_health_probe PRIMARY KEY CONSTRAINT ck_health_probe_single CHECK (id = 1),
    probed_at bigint NOT NULL
);

INSERT INTO dbo.health_probe (id, probed_at) VALUES (1, 0);
