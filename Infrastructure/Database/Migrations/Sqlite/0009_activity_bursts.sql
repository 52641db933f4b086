-- Security events counted per subject (a user or a client address) in a sliding-start window, so
-- a burst (many authorization denials in a short time) is noticed by whichever replica sees the
-- event that crosses the limit.
CREATE TABLE activity_bursts (
    subject TEXT NOT NULL PRIMARY KEY,
    events INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
