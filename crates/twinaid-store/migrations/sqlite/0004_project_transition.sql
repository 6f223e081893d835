-- Every step of a project's life: from, to, who, when and why.
CREATE TABLE project_transition (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    project_code TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX project_transition_project ON project_transition (program_code, project_code);
