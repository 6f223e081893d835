-- An account can be disabled (and enabled again) rather than deleted: its
-- audit events keep their actor. A disabled account cannot sign in, and
-- its sessions and tokens end when it is disabled.
ALTER TABLE app_user ADD COLUMN disabled_at TEXT;
