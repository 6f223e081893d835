-- Year-end inspection by cross-examination: a recorded draw (its seed), the
-- assignment of each project to another unit's team, and the team's finding.
CREATE TABLE inspection_round (
    program_code TEXT NOT NULL REFERENCES program (code),
    year BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    drawn_by TEXT NOT NULL,
    drawn_at TEXT NOT NULL,
    PRIMARY KEY (program_code, year)
);

CREATE TABLE inspection (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    year BIGINT NOT NULL,
    project_code TEXT NOT NULL,
    inspected_unit TEXT NOT NULL,
    inspector_unit TEXT NOT NULL,
    -- the finding, once recorded: rating 0-100, issues, amount verified (fen)
    rating BIGINT,
    issues TEXT,
    amount_verified BIGINT,
    rectification_required BIGINT NOT NULL DEFAULT 0,
    rectification_answer TEXT,
    closed BIGINT NOT NULL DEFAULT 0,
    UNIQUE (program_code, year, project_code)
);
CREATE INDEX inspection_inspector ON inspection (program_code, year, inspector_unit);
