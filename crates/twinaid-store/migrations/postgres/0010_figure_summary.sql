-- The figures of every indicator part and the count of every record kind, per
-- program, year, county and fund source; kept current in the transaction of
-- each write (never rebuilt on a schedule), so reports read a few thousand rows
-- instead of every record. part is 'INDICATOR#N' or '#KIND'; '' stands for none.
-- Roll-ups are kept with it: each county's total over sources by year and over
-- all years (so a cumulative figure is that total less the years after), and
-- each source's total over counties; reports read those.
CREATE TABLE figure_summary (
    program_code TEXT NOT NULL,
    part TEXT NOT NULL,
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    source TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (program_code, part, year, county, source)
);
CREATE TABLE figure_county (
    program_code TEXT NOT NULL,
    part TEXT NOT NULL,
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (program_code, part, year, county)
);
CREATE TABLE figure_county_total (
    program_code TEXT NOT NULL,
    part TEXT NOT NULL,
    county TEXT NOT NULL,
    value BIGINT NOT NULL,
    years BIGINT NOT NULL,
    PRIMARY KEY (program_code, part, county)
);
CREATE TABLE figure_source (
    program_code TEXT NOT NULL,
    part TEXT NOT NULL,
    year BIGINT NOT NULL,
    source TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (program_code, part, source, year)
);

-- A county's records of a year are found without reading the whole year.
DROP INDEX project_program_year;
CREATE INDEX project_program_year_region ON project (program_code, year, region_code);
DROP INDEX fund_transaction_program_year;
CREATE INDEX fund_transaction_program_year_region ON fund_transaction (program_code, year, region_code);
DROP INDEX cooperation_agreement_program_year;
CREATE INDEX cooperation_agreement_program_year_region ON cooperation_agreement (program_code, year, region_code);
DROP INDEX industrial_park_program_year;
CREATE INDEX industrial_park_program_year_region ON industrial_park (program_code, year, region_code);
DROP INDEX park_enterprise_program_year;
CREATE INDEX park_enterprise_program_year_region ON park_enterprise (program_code, year, region_code);
DROP INDEX training_program_year;
CREATE INDEX training_program_year_region ON training (program_code, year, region_code);
DROP INDEX labour_transfer_program_year;
CREATE INDEX labour_transfer_program_year_region ON labour_transfer (program_code, year, region_code);
DROP INDEX cadre_exchange_program_year;
CREATE INDEX cadre_exchange_program_year_region ON cadre_exchange (program_code, year, region_code);
DROP INDEX student_aid_program_year;
CREATE INDEX student_aid_program_year_region ON student_aid (program_code, year, region_code);
DROP INDEX exchange_visit_program_year;
CREATE INDEX exchange_visit_program_year_region ON exchange_visit (program_code, year, region_code);

-- A year's list comes in code order from the index, not from sorting the year.
CREATE INDEX project_program_year_code ON project (program_code, year, code);
CREATE INDEX fund_transaction_program_year_code ON fund_transaction (program_code, year, code);
CREATE INDEX cooperation_agreement_program_year_code ON cooperation_agreement (program_code, year, code);
CREATE INDEX industrial_park_program_year_code ON industrial_park (program_code, year, code);
CREATE INDEX park_enterprise_program_year_code ON park_enterprise (program_code, year, code);
CREATE INDEX training_program_year_code ON training (program_code, year, code);
CREATE INDEX labour_transfer_program_year_code ON labour_transfer (program_code, year, code);
CREATE INDEX cadre_exchange_program_year_code ON cadre_exchange (program_code, year, code);
CREATE INDEX student_aid_program_year_code ON student_aid (program_code, year, code);
CREATE INDEX exchange_visit_program_year_code ON exchange_visit (program_code, year, code);

-- A counter per program (and one, under the empty code, for what all programs
-- share) that every write raises with its audit event: a figure computed at a
-- version is current while the version is.
CREATE TABLE data_version (
    program_code TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
