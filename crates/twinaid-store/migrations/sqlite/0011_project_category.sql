-- The dashboard counts a year's projects by category: from this index alone,
-- not from every project row of the year.
CREATE INDEX project_program_year_category ON project (program_code, year, category);
