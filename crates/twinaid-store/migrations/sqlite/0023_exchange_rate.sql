-- The office's exchange rates: yuan for one unit of a currency on a day
-- (YYYY-MM-DD) or through a year (YYYY), with where the rate comes from.
-- They come before the bank's reference rates twinaid ships.
CREATE TABLE exchange_rate (
    program_code TEXT NOT NULL REFERENCES program (code),
    currency TEXT NOT NULL,
    on_date TEXT NOT NULL,
    rate TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (program_code, currency, on_date)
);
