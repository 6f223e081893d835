-- A helper unit's annual plan: its targets (plan_target) and where the plan
-- stands: draft, submitted, approved (locked) or returned; every change after
-- approval is a new revision with a reason, the approved targets kept.
CREATE TABLE annual_plan (
    program_code TEXT NOT NULL REFERENCES program (code),
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL,
    comment TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (program_code, unit_code, year)
);

CREATE TABLE plan_revision (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    approved_targets TEXT NOT NULL,
    reason TEXT NOT NULL,
    revised_by TEXT NOT NULL,
    revised_at TEXT NOT NULL
);
