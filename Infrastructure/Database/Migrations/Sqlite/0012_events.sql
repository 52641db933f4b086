-- The outbox: every committed change writes its events in the same transaction as the change.
-- sequence numbers events in commit order (event_counter is taken by each writing transaction
-- and held to its COMMIT, so a later number never commits first); the id is evt_ + the
-- sequence, so ids sort in that order too. data is the resource as its own GET returns it after
-- the change. Events are never updated; old ones are purged after Events:Retention.
CREATE TABLE events (
    sequence INTEGER NOT NULL PRIMARY KEY,
    type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL
) STRICT;

CREATE INDEX ix_events_created ON events (created_at);

-- Who may see an event besides staff: the owner of each account it is about.
CREATE TABLE event_audience (
    user_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (user_id, sequence)
) STRICT, WITHOUT ROWID;

-- The retention purge deletes by sequence (EventPurgeJob).
CREATE INDEX ix_event_audience_sequence ON event_audience (sequence);

CREATE TABLE event_counter (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    last_sequence INTEGER NOT NULL
) STRICT;

INSERT INTO event_counter (id, last_sequence) VALUES (1, 0);
