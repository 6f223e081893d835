-- Record kinds an installation adds (kinds.csv), and their records
-- (custom_CODE.csv): the columns every yearly record has, and the kind's own
-- fields (fields.csv) in `extra` as one JSON object, as on every record table.
CREATE TABLE custom_kind (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE custom_record (
    program_code TEXT NOT NULL REFERENCES program (code),
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    illustrative INTEGER NOT NULL,
    note TEXT,
    extra TEXT,
    PRIMARY KEY (program_code, kind, code)
);

CREATE INDEX custom_record_year ON custom_record (program_code, kind, year);
