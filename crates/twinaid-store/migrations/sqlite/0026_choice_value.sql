-- Values an installation adds to a built-in choice list (choices.csv):
-- `field` is `kind.field` (project.category), `code` the value records
-- store. Installation-wide, like indicators: every program may use them.
CREATE TABLE choice_value (
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (field, code)
);
