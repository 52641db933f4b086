-- Failed sign-ins counted per account (by email blind index, known or not) and per client IP, so
-- guessing is slowed down everywhere without telling whether an account exists.
CREATE TABLE dbo.sign_in_throttle (
    subject nvarchar(100) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_sign_in_throttle PRIMARY KEY,
    failures int NOT NULL,
    window_started_at bigint NOT NULL,
    locked_until bigint NOT NULL
);
