-- The office's table of aid sectors: a DAC purpose code (five digits) or
-- sector (three) and the project category an imported activity of it is
-- read as. Its rows come before the table twinaid ships.
CREATE TABLE sector_category (
    program_code TEXT NOT NULL REFERENCES program (code),
    sector TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (program_code, sector)
);
