-- Program groups: programs reported together (a helping province's, the
-- national cooperation). A program may be in several groups; a group's
-- figures are its members' figures added up.
CREATE TABLE program_group (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE program_group_member (
    group_code TEXT NOT NULL REFERENCES program_group (code),
    program_code TEXT NOT NULL REFERENCES program (code),
    position INTEGER NOT NULL,
    PRIMARY KEY (group_code, program_code)
);
