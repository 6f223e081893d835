-- API tokens end: each has an expiry (set when it is made; tokens made
-- before this have none), is marked when revoked, and records when it was
-- last used (to the hour, so that reads do not become writes).
ALTER TABLE api_token ADD COLUMN expires_at TEXT;
ALTER TABLE api_token ADD COLUMN revoked_at TEXT;
ALTER TABLE api_token ADD COLUMN last_used_at TEXT;
