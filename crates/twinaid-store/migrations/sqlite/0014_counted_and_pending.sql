-- The official figures count a project from the step its year's guidance
-- names (registered by default), and money linked to a project as the
-- project counts; what is on its way is kept apart as the pending share.
-- Summaries made before this counted every project: emptied here, they are
-- filled afresh when the database is opened (the store does that for an
-- empty summary).
DELETE FROM figure_summary;
DELETE FROM figure_county;
DELETE FROM figure_county_total;
DELETE FROM figure_county_through;
DELETE FROM figure_source;
-- A project's step finds the money linked to it from this index.
CREATE INDEX fund_transaction_project ON fund_transaction (program_code, project_code);
-- The dashboard counts a year's counted projects by category: the status
-- beside the category keeps that read on the index alone.
DROP INDEX project_program_year_category;
CREATE INDEX project_program_year_category ON project (program_code, year, category, status);
