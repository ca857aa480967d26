-- SQLite ledger, version 6: the digest-prefix index (profile_prefixes, key -1 marking a
-- profile not yet indexed) and the index of free seats.

CREATE TABLE profile_prefixes (
    license_id    BLOB NOT NULL,
    prefix        INTEGER NOT NULL CHECK (prefix BETWEEN -1 AND 4294967295),
    activation_id BLOB NOT NULL REFERENCES activations (activation_id),
    PRIMARY KEY (license_id, prefix, activation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX profile_prefixes_by_activation ON profile_prefixes (activation_id, prefix);

CREATE TRIGGER profile_prefixes_on_insert AFTER INSERT ON activations
WHEN NEW.profile IS NOT NULL
BEGIN
    INSERT INTO profile_prefixes (license_id, prefix, activation_id)
    VALUES (NEW.license_id, -1, NEW.activation_id);
END;

CREATE TRIGGER profile_prefixes_on_update AFTER UPDATE OF profile ON activations
WHEN NEW.profile IS NOT OLD.profile
BEGIN
    DELETE FROM profile_prefixes WHERE activation_id = NEW.activation_id;
    INSERT INTO profile_prefixes (license_id, prefix, activation_id)
    SELECT NEW.license_id, -1, NEW.activation_id WHERE NEW.profile IS NOT NULL;
END;

INSERT INTO profile_prefixes (license_id, prefix, activation_id)
SELECT license_id, -1, activation_id FROM activations WHERE profile IS NOT NULL;

CREATE INDEX seats_free ON seats (license_id, seat) WHERE activation_id IS NULL;
