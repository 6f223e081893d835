-- Photos and documents attached to an inspection finding. Kept in the
-- database so that a backup or a move to another engine carries them.
CREATE TABLE attachment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    year BIGINT NOT NULL,
    project_code TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX attachment_inspection ON attachment (program_code, year, project_code);
