-- Views of the analysis page kept by name in a program, so a table once
-- laid out can be found again and its link shared.
CREATE TABLE saved_view (
    program_code TEXT NOT NULL REFERENCES program (code),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (program_code, name)
);
