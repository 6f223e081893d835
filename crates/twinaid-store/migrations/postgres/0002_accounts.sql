-- Accounts, server-side sessions and API tokens. Secrets are never stored:
-- passwords as argon2id hashes, session ids and tokens as SHA-256 hashes.

CREATE TABLE app_user (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    -- administrator, program_office, helper_unit, helped_county, expert, viewer
    role TEXT NOT NULL,
    -- the program, unit or region the role is scoped to
    scope TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE user_session (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_token (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
