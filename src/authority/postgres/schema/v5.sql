-- PostgreSQL ledger, version 5: a seat's references checked once per statement instead of
-- by per-row foreign keys (SQLSTATE 23503), TRUNCATE refused like DELETE, and the seats
-- table vacuumed after 1,000 changed rows.

ALTER TABLE seats DROP CONSTRAINT seats_license_id_fkey;
ALTER TABLE seats DROP CONSTRAINT seats_license_id_activation_id_fkey;
ALTER TABLE seats DROP CONSTRAINT seats_activation_id_key;
CREATE UNIQUE INDEX seats_by_holder ON seats (activation_id) WHERE activation_id IS NOT NULL;

CREATE FUNCTION nodelock_dangling(what TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = what, ERRCODE = '23503';
END $$;

CREATE OR REPLACE FUNCTION seat_rows_added() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    n RECORD;
BEGIN
    FOR n IN SELECT license_id, count(*) AS added, bool_or(activation_id IS NOT NULL) AS held
               FROM inserted GROUP BY license_id LOOP
        IF n.held THEN
            PERFORM nodelock_refuse('a new seat starts free');
        END IF;
        UPDATE licenses SET seat_rows = seat_rows + n.added WHERE license_id = n.license_id;
        IF NOT FOUND THEN
            PERFORM nodelock_dangling('a seat belongs to a license of the ledger');
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION seats_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id OR NEW.seat IS DISTINCT FROM OLD.seat
       OR NEW.pack IS DISTINCT FROM OLD.pack THEN
        PERFORM nodelock_refuse('a seat keeps its license, number and pack');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND state = 'active' AND kind = 'permanent') THEN
        PERFORM nodelock_refuse('only an active permanent activation can hold a seat');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND license_id = NEW.license_id) THEN
        PERFORM nodelock_dangling('a seat is held by an activation of its own license');
    END IF;
    IF NEW.transfers_used < OLD.transfers_used
       OR (NEW.transfers_used > OLD.transfers_used AND NEW.transfers_used >
           (SELECT transfers_per_seat FROM licenses WHERE license_id = NEW.license_id)) THEN
        PERFORM nodelock_refuse('transfers are counted up, within the allowance');
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION licenses_keep_id() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM seats WHERE license_id = OLD.license_id) THEN
        PERFORM nodelock_dangling('a license with seats keeps its id');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER licenses_keep_id BEFORE UPDATE OF license_id ON licenses
    FOR EACH ROW WHEN (NEW.license_id IS DISTINCT FROM OLD.license_id) EXECUTE FUNCTION licenses_keep_id();

CREATE TRIGGER licenses_not_truncated BEFORE TRUNCATE ON licenses
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('licenses are never deleted; revoke them instead');
CREATE TRIGGER activations_not_truncated BEFORE TRUNCATE ON activations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('activations are never deleted; anonymise them instead');
CREATE TRIGGER stores_not_truncated BEFORE TRUNCATE ON stores
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('stores are never deleted');
CREATE TRIGGER seats_not_truncated BEFORE TRUNCATE ON seats
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('the seat count is kept by the database');

-- Taking a seat leaves a dead entry in the free-seat index until the table
-- is vacuumed, and each lookup of the lowest free seat steps over them:
-- vacuum after 1,000 changed seats, not after 20 % of the table (20,000
-- dead entries in a 100,000-seat license).
ALTER TABLE seats SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
