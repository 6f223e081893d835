-- A tamper-evident audit log: every event carries its place in one chain
-- per database (seq), the hash of the event before it and its own hash, a
-- SHA-256 over its content and that previous hash. The chain's head (the
-- last place and hash) is one row, locked by each write from its audit
-- event to its commit, as the program's data version already is. Events
-- stored before this are chained, in the order they were written, when the
-- database is next opened.
ALTER TABLE audit_event ADD COLUMN seq BIGINT;
ALTER TABLE audit_event ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_event ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_event_seq ON audit_event (seq);
CREATE TABLE audit_chain (
    chain INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
