-- When the sign-in that started a refresh-token family happened (Unix microseconds), so refreshed
-- access tokens carry the sign-in's auth_time rather than the refresh's: a refresh is not a
-- sign-in, and sensitive changes need a recent one. Families from before this have none, and
-- must sign in again for those changes.
ALTER TABLE refresh_tokens ADD COLUMN authenticated_at INTEGER NULL;
