-- SQLite ledger, version 5: every profile an activation was certified for, in order
-- (certified_profiles), never changed.

CREATE TABLE certified_profiles (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    activation_id BLOB NOT NULL REFERENCES activations (activation_id),
    at            INTEGER NOT NULL,
    profile       BLOB NOT NULL
) STRICT;

CREATE INDEX certified_profiles_by_activation ON certified_profiles (activation_id, seq);

CREATE TRIGGER certified_profile_unchanged BEFORE UPDATE ON certified_profiles
BEGIN
    SELECT RAISE(ABORT, 'a certified profile is never changed');
END;

INSERT INTO certified_profiles (activation_id, at, profile)
SELECT activation_id, since, profile FROM activations WHERE profile IS NOT NULL ORDER BY since, activation_id;
