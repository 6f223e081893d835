-- The audit log page filters by who, by program and by time, newest first:
-- each along an index ending in the chain's order, so a rare actor or an
-- old day is found without walking millions of events.
CREATE INDEX audit_event_actor ON audit_event (actor, seq);
CREATE INDEX audit_event_program ON audit_event (program_code, seq);
CREATE INDEX audit_event_at ON audit_event (at);
