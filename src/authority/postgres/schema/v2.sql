-- PostgreSQL ledger, version 2 (the SQLite ledger's version 6): the digest-prefix index
-- (profile_prefixes, key -1 marking a profile not yet indexed) and the index of free seats.

CREATE TABLE profile_prefixes (
    license_id    BYTEA NOT NULL,
    prefix        BIGINT NOT NULL CHECK (prefix BETWEEN -1 AND 4294967295),
    activation_id BYTEA NOT NULL REFERENCES activations (activation_id),
    PRIMARY KEY (license_id, prefix, activation_id)
);

CREATE INDEX profile_prefixes_by_activation ON profile_prefixes (activation_id, prefix);

CREATE FUNCTION profile_prefixes_marked() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.profile IS NOT DISTINCT FROM OLD.profile THEN
            RETURN NULL;
        END IF;
        DELETE FROM profile_prefixes WHERE activation_id = NEW.activation_id;
    END IF;
    IF NEW.profile IS NOT NULL THEN
        INSERT INTO profile_prefixes (license_id, prefix, activation_id)
        VALUES (NEW.license_id, -1, NEW.activation_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER profile_prefixes_marked AFTER INSERT OR UPDATE OF profile ON activations
    FOR EACH ROW EXECUTE FUNCTION profile_prefixes_marked();

INSERT INTO profile_prefixes (license_id, prefix, activation_id)
SELECT license_id, -1, activation_id FROM activations WHERE profile IS NOT NULL;

CREATE INDEX seats_free ON seats (license_id, seat) WHERE activation_id IS NULL;
