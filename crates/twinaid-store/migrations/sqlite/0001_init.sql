-- twinaid schema, first version. Money in fen, km in metres, flags 0/1, dates as ISO text.

CREATE TABLE program (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER,
    helping_region TEXT
);

-- A region's names over time: valid_from 0 means "since always / not known".
CREATE TABLE region (
    code TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    level TEXT NOT NULL,
    parent_code TEXT,
    PRIMARY KEY (code, valid_from)
);

CREATE TABLE program_region (
    program_code TEXT NOT NULL REFERENCES program (code),
    region_code TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    note TEXT,
    PRIMARY KEY (program_code, region_code)
);

CREATE TABLE designation (
    region_code TEXT NOT NULL,
    designation TEXT NOT NULL,
    from_year INTEGER,
    to_year INTEGER,
    confirmed INTEGER NOT NULL,
    note TEXT,
    PRIMARY KEY (region_code, designation)
);

CREATE TABLE unit (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    region_code TEXT,
    note TEXT
);

CREATE TABLE program_unit (
    program_code TEXT NOT NULL REFERENCES program (code),
    unit_code TEXT NOT NULL REFERENCES unit (code),
    side TEXT NOT NULL,
    PRIMARY KEY (program_code, unit_code)
);

CREATE TABLE indicator (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL,
    stock INTEGER NOT NULL,
    definition TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE pairing (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    level TEXT NOT NULL,
    helper_unit TEXT NOT NULL,
    helped_region TEXT,
    helped_unit TEXT,
    from_year INTEGER,
    to_year INTEGER,
    confirmed INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);

CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    category TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    status TEXT,
    budget INTEGER,
    length_km INTEGER,
    units_built INTEGER,
    beneficiaries INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX project_program_year ON project (program_code, year);

CREATE TABLE fund_transaction (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    form TEXT,
    amount INTEGER NOT NULL,
    date TEXT,
    project_code TEXT,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX fund_transaction_program_year ON fund_transaction (program_code, year);

CREATE TABLE cooperation_agreement (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    enterprise TEXT,
    partner TEXT,
    sector TEXT,
    value INTEGER NOT NULL,
    date TEXT,
    actual_investment INTEGER,
    jobs INTEGER,
    profit_tax INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX cooperation_agreement_program_year ON cooperation_agreement (program_code, year);

CREATE TABLE industrial_park (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX industrial_park_program_year ON industrial_park (program_code, year);

CREATE TABLE park_enterprise (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    park_code TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    sector TEXT,
    investment INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX park_enterprise_program_year ON park_enterprise (program_code, year);

CREATE TABLE training (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT,
    courses INTEGER,
    participants INTEGER NOT NULL,
    cost INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX training_program_year ON training (program_code, year);

CREATE TABLE labour_transfer (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    people INTEGER,
    destination_region TEXT,
    employer TEXT,
    sector TEXT,
    worker_ref TEXT,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX labour_transfer_program_year ON labour_transfer (program_code, year);

CREATE TABLE cadre_exchange (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    direction TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_times INTEGER NOT NULL,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX cadre_exchange_program_year ON cadre_exchange (program_code, year);

CREATE TABLE student_aid (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    school TEXT,
    students INTEGER,
    amount INTEGER,
    student_ref TEXT,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX student_aid_program_year ON student_aid (program_code, year);

CREATE TABLE exchange_visit (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT,
    date TEXT,
    people INTEGER,
    illustrative INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, code)
);
CREATE INDEX exchange_visit_program_year ON exchange_visit (program_code, year);

-- key: indicator|year_from|year_to|helper_unit|region_code, so a reload updates instead of adding.
CREATE TABLE aggregate_value (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    value_key TEXT NOT NULL,
    indicator TEXT NOT NULL,
    year_from INTEGER NOT NULL,
    year_to INTEGER NOT NULL,
    helper_unit TEXT,
    region_code TEXT,
    value INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, value_key)
);
CREATE INDEX aggregate_value_program_year ON aggregate_value (program_code, year_to);

CREATE TABLE plan_target (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    target_key TEXT NOT NULL,
    helper_unit TEXT NOT NULL,
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    region_code TEXT,
    target INTEGER NOT NULL,
    note TEXT,
    UNIQUE (program_code, target_key)
);

-- Who changed what, when, before and after (JSON).
CREATE TABLE audit_event (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    program_code TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_event_entity ON audit_event (entity, entity_key);
