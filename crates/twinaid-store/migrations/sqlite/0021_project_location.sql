-- Where a project is, for the map: millionths of a degree, optional.
ALTER TABLE project ADD COLUMN latitude INTEGER;
ALTER TABLE project ADD COLUMN longitude INTEGER;
