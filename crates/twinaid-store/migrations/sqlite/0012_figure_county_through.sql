-- Each county's figure of every part summed over the years up to each year,
-- with how many of those years have any: one row per year from the county's
-- first year with the part to its last. The years before any year are then
-- one year of rows, however many years there are (a middle year of a
-- national program added up seven years of county rows, 150,000 of them).
-- Kept current by each write, as the other roll-ups are.
CREATE TABLE figure_county_through (
    program_code TEXT NOT NULL,
    part TEXT NOT NULL,
    county TEXT NOT NULL,
    year INTEGER NOT NULL,
    value BIGINT NOT NULL,
    years BIGINT NOT NULL,
    PRIMARY KEY (program_code, part, county, year)
);
-- Reports read one year of it for all counties, from this index alone.
CREATE INDEX figure_county_through_year
    ON figure_county_through (program_code, part, year, county, value, years);

WITH RECURSIVE span (program_code, part, county, year, last) AS (
    SELECT program_code, part, county, MIN(year), MAX(year)
    FROM figure_county GROUP BY program_code, part, county
    UNION ALL
    SELECT program_code, part, county, year + 1, last FROM span WHERE year < last
)
INSERT INTO figure_county_through (program_code, part, county, year, value, years)
SELECT s.program_code, s.part, s.county, s.year,
    CAST(SUM(COALESCE(f.value, 0)) OVER w AS BIGINT),
    CAST(COUNT(f.value) OVER w AS BIGINT)
FROM span s LEFT JOIN figure_county f
    ON f.program_code = s.program_code AND f.part = s.part
    AND f.year = s.year AND f.county = s.county
WINDOW w AS (PARTITION BY s.program_code, s.part, s.county ORDER BY s.year);

-- A county's last year with the part: before a year after it, the county's
-- sum is its total, and it has no row there.
ALTER TABLE figure_county_total ADD COLUMN last_year BIGINT NOT NULL DEFAULT 0;
UPDATE figure_county_total SET last_year = (
    SELECT MAX(t.year) FROM figure_county_through t
    WHERE t.program_code = figure_county_total.program_code
    AND t.part = figure_county_total.part AND t.county = figure_county_total.county
);
