-- Guidance and outlines, versioned: every issue is a new version, the newest
-- covering a year is the one in force. The body is the structured document as JSON.
CREATE TABLE guidance (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    version INTEGER NOT NULL,
    year_from INTEGER NOT NULL,
    year_to INTEGER NOT NULL,
    body TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (program_code, version)
);

-- A published assessment: the scores as published, kept whatever happens later.
CREATE TABLE assessment_publication (
    program_code TEXT NOT NULL REFERENCES program (code),
    year INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (program_code, year)
);

-- Experts' scores of a helper unit against the rubric, per item; submitted once.
CREATE TABLE expert_assignment (
    program_code TEXT NOT NULL REFERENCES program (code),
    year INTEGER NOT NULL,
    expert TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    scores TEXT,
    submitted_at TEXT,
    PRIMARY KEY (program_code, year, expert, unit_code)
);
