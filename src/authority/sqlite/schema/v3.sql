-- SQLite ledger, version 3: the seat allowance checked against a seat count the
-- database keeps (seat_rows) instead of counting seat rows on every insert.

ALTER TABLE licenses ADD COLUMN seat_rows INTEGER NOT NULL DEFAULT 0 CHECK (seat_rows >= 0);

UPDATE licenses SET seat_rows = (SELECT count(*) FROM seats WHERE seats.license_id = licenses.license_id);

DROP TRIGGER seats_within_allowance;
DROP TRIGGER allowance_covers_seats;

CREATE TRIGGER seats_within_allowance BEFORE INSERT ON seats
WHEN (SELECT seat_rows >= total_seats FROM licenses WHERE license_id = NEW.license_id)
BEGIN
    SELECT RAISE(ABORT, 'over-allocation: the license has no seat left to add');
END;

CREATE TRIGGER allowance_covers_seats BEFORE UPDATE OF total_seats ON licenses
WHEN NEW.total_seats < OLD.seat_rows
BEGIN
    SELECT RAISE(ABORT, 'the seat allowance cannot drop below the seats that exist');
END;

CREATE TRIGGER seat_rows_kept BEFORE UPDATE OF seat_rows ON licenses
WHEN NEW.seat_rows IS NOT OLD.seat_rows + 1 AND NEW.seat_rows IS NOT OLD.seat_rows - 1
BEGIN
    SELECT RAISE(ABORT, 'the seat count is kept by the database');
END;

CREATE TRIGGER seat_row_added AFTER INSERT ON seats
BEGIN
    UPDATE licenses SET seat_rows = seat_rows + 1 WHERE license_id = NEW.license_id;
END;

CREATE TRIGGER seat_row_removed AFTER DELETE ON seats
BEGIN
    UPDATE licenses SET seat_rows = seat_rows - 1 WHERE license_id = OLD.license_id;
END;
