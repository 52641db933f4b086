-- Failed sign-ins counted per account (by email blind index, known or not) and per client IP, so
-- guessing is slowed down everywhere without telling whether an account exists.
CREATE TABLE sign_in_throttle (
    subject TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
