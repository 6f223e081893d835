-- Where a project is, for the map: millionths of a degree, optional.
ALTER TABLE project ADD COLUMN latitude BIGINT;
ALTER TABLE project ADD COLUMN longitude BIGINT;
