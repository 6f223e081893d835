-- Fields an installation adds to a record kind (fields.csv). Their values
-- are kept in each record's `extra` column as one JSON object (field code →
-- value as stored: fen, metres, whole numbers, text), so adding or hiding a
-- field never changes a table, and a hidden field's values stay.
CREATE TABLE custom_field (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    type TEXT NOT NULL,
    choices TEXT NOT NULL,
    required INTEGER NOT NULL,
    help_zh TEXT NOT NULL,
    help_en TEXT NOT NULL,
    hidden INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (kind, code)
);
ALTER TABLE pairing ADD COLUMN extra TEXT;
ALTER TABLE project ADD COLUMN extra TEXT;
ALTER TABLE fund_transaction ADD COLUMN extra TEXT;
ALTER TABLE cooperation_agreement ADD COLUMN extra TEXT;
ALTER TABLE industrial_park ADD COLUMN extra TEXT;
ALTER TABLE park_enterprise ADD COLUMN extra TEXT;
ALTER TABLE training ADD COLUMN extra TEXT;
ALTER TABLE labour_transfer ADD COLUMN extra TEXT;
ALTER TABLE cadre_exchange ADD COLUMN extra TEXT;
ALTER TABLE student_aid ADD COLUMN extra TEXT;
ALTER TABLE exchange_visit ADD COLUMN extra TEXT;
