-- A project's aid funds: the money the helper put into it (fen). Aid-fund
-- figures add these to disbursements made to no project.
ALTER TABLE project ADD COLUMN amount INTEGER;
