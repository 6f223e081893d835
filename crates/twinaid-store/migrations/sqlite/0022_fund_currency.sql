-- Money in other currencies: a fund transaction keeps its currency and the
-- amount in it (hundredths, negative for a reversal); its yuan amount may
-- wait for a rate, so it may be empty. SQLite cannot drop NOT NULL in
-- place: the table is rebuilt with the same rows, ids and indexes.
CREATE TABLE fund_transaction_new (
    id INTEGER PRIMARY KEY,
    program_code TEXT NOT NULL REFERENCES program (code),
    code TEXT NOT NULL,
    year INTEGER NOT NULL,
    helper_unit TEXT NOT NULL,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    form TEXT,
    amount INTEGER,
    date TEXT,
    project_code TEXT,
    illustrative INTEGER NOT NULL,
    note TEXT,
    currency TEXT,
    original_amount INTEGER,
    UNIQUE (program_code, code)
);
INSERT INTO fund_transaction_new
    (id, program_code, code, year, helper_unit, region_code, kind, form, amount, date, project_code, illustrative, note)
SELECT id, program_code, code, year, helper_unit, region_code, kind, form, amount, date, project_code, illustrative, note
FROM fund_transaction;
DROP TABLE fund_transaction;
ALTER TABLE fund_transaction_new RENAME TO fund_transaction;
CREATE INDEX fund_transaction_program_year_region ON fund_transaction (program_code, year, region_code);
CREATE INDEX fund_transaction_program_year_code ON fund_transaction (program_code, year, code);
CREATE INDEX fund_transaction_program_year_kind ON fund_transaction (program_code, year, kind, amount);
CREATE INDEX fund_transaction_project ON fund_transaction (program_code, project_code);
