-- Sign-in attempts not yet followed by a success, by the user name tried:
-- kept in the database, counted by one atomic statement, so parallel
-- attempts all count and every server of one database slows the same
-- guesser down.
CREATE TABLE signin_attempt (
    username TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_at TEXT NOT NULL
);
