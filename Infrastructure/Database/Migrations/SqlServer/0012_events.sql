-- The outbox: every committed change writes its events in the same transaction as the change.
-- sequence numbers events in commit order (event_counter is taken by each writing transaction
-- and held to its COMMIT, so a later number never commits first); the id is evt_ + the
-- sequence, so ids sort in that order too. data is the resource as its own GET returns it after
-- the change. Events are never updated; old ones are purged after Events:Retention.
CREATE TABLE dbo.events (
    sequence bigint NOT NULL CONSTRAINT pk_events PRIMARY KEY,
    type nvarchar(64) COLLATE Latin1_General_BIN2 NOT NULL,
    created_at bigint NOT NULL,
    data nvarchar(max) NOT NULL
);

CREATE INDEX ix_events_created ON dbo.events (created_at);

-- Who may see an event besides staff: the owner of each account it is about.
CREATE TABLE dbo.event_audience (
    user_id nvarchar(40) COLLATE Latin1_General_BIN2 NOT NULL,
    sequence bigint NOT NULL,
    CONSTRAINT pk_event_audience PRIMARY KEY (user_id, sequence)
);

-- The retention purge deletes by sequence (EventPurgeJob).
CREATE INDEX ix_event_audience_sequence ON dbo.event_audience (sequence);

CREATE TABLE dbo.event_counter (
    id int NOT NULL CONSTRAINT pk_event_counter PRIMARY KEY CONSTRAINT ck_event_counter_one CHECK (id = 1),
    last_sequence bigint NOT NULL
);

INSERT INTO dbo.event_counter (id, last_sequence) VALUES (1, 0);
