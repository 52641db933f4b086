-- Security events counted per subject (a user or a client address) in a sliding-start window, so
-- a burst (many authorization denials in a short time) is noticed by whichever replica sees the
-- event that crosses the limit.
CREATE TABLE dbo.activity_bursts (
    subject nvarchar(100) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT pk_activity_bursts PRIMARY KEY,
    events int NOT NULL,
    window_started_at bigint NOT NULL
);
