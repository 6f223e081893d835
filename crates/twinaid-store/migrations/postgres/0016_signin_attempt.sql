-- Failed sign-ins (and bad API tokens) lately, by what they were counted
-- under: 'user:NAME' tried, 'address:IP' they came from, 'token:IP'. Kept
-- in the database and counted by one atomic statement, so parallel attempts
-- all count and every server of one database sees the same counts. Counts
-- older than the lock period start again; a key past its limit is locked
-- until locked_until.
CREATE TABLE signin_attempt (
    attempt_key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_at TEXT NOT NULL,
    locked_until TEXT
);
