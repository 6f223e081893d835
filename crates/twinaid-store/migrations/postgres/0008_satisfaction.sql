-- The paired side's satisfaction with a helper unit for a year: one rating
-- (0–100) per helped county and unit, changeable until the year is published.
CREATE TABLE satisfaction (
    program_code TEXT NOT NULL REFERENCES program (code),
    year BIGINT NOT NULL,
    unit_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    rating BIGINT NOT NULL,
    comment TEXT,
    rated_by TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    PRIMARY KEY (program_code, year, unit_code, region_code)
);
