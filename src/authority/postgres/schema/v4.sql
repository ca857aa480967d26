-- PostgreSQL ledger, version 4: seat rows counted once per statement (triggers over
-- transition tables), not once per row, and the allowance checked on the license row.

DROP TRIGGER IF EXISTS seat_rows_counted ON seats;
DROP FUNCTION IF EXISTS seat_rows_counted();
DROP TRIGGER IF EXISTS seat_rows_added ON seats;
DROP TRIGGER IF EXISTS seat_rows_removed ON seats;

DROP TRIGGER IF EXISTS seats_before_insert ON seats;
DROP FUNCTION IF EXISTS seats_before_insert();

CREATE OR REPLACE FUNCTION seat_rows_added() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE activation_id IS NOT NULL) THEN
        PERFORM nodelock_refuse('a new seat starts free');
    END IF;
    UPDATE licenses l SET seat_rows = l.seat_rows + n.added
      FROM (SELECT license_id, count(*) AS added FROM inserted GROUP BY license_id) n
     WHERE l.license_id = n.license_id;
    RETURN NULL;
END $$;
CREATE TRIGGER seat_rows_added AFTER INSERT ON seats
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION seat_rows_added();

CREATE OR REPLACE FUNCTION seat_rows_removed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE licenses l SET seat_rows = l.seat_rows - n.removed
      FROM (SELECT license_id, count(*) AS removed FROM deleted GROUP BY license_id) n
     WHERE l.license_id = n.license_id;
    RETURN NULL;
END $$;
CREATE TRIGGER seat_rows_removed AFTER DELETE ON seats
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION seat_rows_removed();

CREATE OR REPLACE FUNCTION licenses_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows IS DISTINCT FROM OLD.seat_rows AND pg_trigger_depth() < 2 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
    END IF;
    IF NEW.seat_rows > NEW.total_seats THEN
        PERFORM nodelock_refuse('over-allocation: the license has no seat left to add');
    END IF;
    IF NEW.total_seats < OLD.seat_rows THEN
        PERFORM nodelock_refuse('the seat allowance cannot drop below the seats that exist');
    END IF;
    IF OLD.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest THEN
        PERFORM nodelock_refuse('a license keeps its key');
    END IF;
    IF NEW.key_digest IS NOT NULL AND NEW.key_digest IS DISTINCT FROM OLD.key_digest AND EXISTS (
        SELECT 1 FROM licenses WHERE key_digest = NEW.key_digest AND license_id <> NEW.license_id) THEN
        PERFORM nodelock_refuse('a license key opens one license');
    END IF;
    RETURN NEW;
END $$;
