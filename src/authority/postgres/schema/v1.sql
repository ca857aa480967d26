-- PostgreSQL ledger, version 1: the SQLite ledger's version 5 in PostgreSQL's words —
-- the same tables and CHECKs, and triggers that refuse the same writes with the same
-- rules (SQLSTATE 23000).

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE licenses (
    license_id         BYTEA PRIMARY KEY CHECK (length(license_id) = 16),
    product            TEXT COLLATE "C" NOT NULL CHECK (length(product) > 0),
    release_version    BIGINT NOT NULL CHECK (release_version >= 1),
    signed             BYTEA NOT NULL,
    total_seats        BIGINT NOT NULL CHECK (total_seats BETWEEN 1 AND 1000000),
    transfers_per_seat BIGINT NOT NULL CHECK (transfers_per_seat >= 0),
    added_at           BIGINT NOT NULL,
    revoked_at         BIGINT,
    seat_rows          BIGINT NOT NULL DEFAULT 0 CHECK (seat_rows >= 0),
    key_digest         BYTEA CHECK (key_digest IS NULL OR length(key_digest) = 32)
);

CREATE UNIQUE INDEX licenses_by_key_digest ON licenses (key_digest);

CREATE TABLE activations (
    activation_id   BYTEA PRIMARY KEY CHECK (length(activation_id) = 16),
    license_id      BYTEA NOT NULL REFERENCES licenses (license_id),
    state           TEXT NOT NULL
                    CHECK (state IN ('active', 'deactivated', 'released', 'transferred')),
    kind            TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary')),
    temporary_until BIGINT,
    release_version BIGINT NOT NULL CHECK (release_version >= 1),
    profile         BYTEA,
    fingerprint     TEXT,
    label           TEXT CHECK (label IS NULL OR octet_length(label) BETWEEN 1 AND 256),
    stamp           BYTEA CHECK (stamp IS NULL OR length(stamp) = 16),
    activation_key  BYTEA NOT NULL CHECK (length(activation_key) = 32),
    nonce           BYTEA NOT NULL CHECK (length(nonce) = 16),
    since           BIGINT NOT NULL,
    renewed_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    forked_at       BIGINT,
    CHECK (kind = 'permanent' OR temporary_until IS NOT NULL),
    CHECK ((state = 'active') = (ended_at IS NULL)),
    UNIQUE (license_id, activation_id)
);

CREATE INDEX activations_by_license ON activations (license_id, state, since);

CREATE TABLE seats (
    license_id     BYTEA NOT NULL REFERENCES licenses (license_id),
    seat           BIGINT NOT NULL CHECK (seat >= 1),
    pack           BIGINT NOT NULL CHECK (pack >= 1),
    transfers_used BIGINT NOT NULL DEFAULT 0 CHECK (transfers_used >= 0),
    activation_id  BYTEA UNIQUE,
    PRIMARY KEY (license_id, seat),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
);

CREATE TABLE stores (
    activation_id  BYTEA NOT NULL,
    license_id     BYTEA NOT NULL,
    activation_key BYTEA NOT NULL CHECK (length(activation_key) = 32),
    first_granted  BIGINT NOT NULL,
    last_granted   BIGINT NOT NULL CHECK (last_granted >= first_granted),
    certificates   BIGINT NOT NULL CHECK (certificates >= 1),
    nonce          BYTEA NOT NULL CHECK (length(nonce) = 16),
    lease_ends     BIGINT,
    diverged_at    BIGINT,
    surrendered_at BIGINT,
    PRIMARY KEY (activation_id, activation_key),
    FOREIGN KEY (license_id, activation_id) REFERENCES activations (license_id, activation_id)
);

CREATE INDEX stores_by_key ON stores (license_id, activation_key);

CREATE TABLE history (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL CHECK (length(actor) > 0),
    kind          TEXT NOT NULL CHECK (kind IN ('issue', 'reissue', 'activation', 'renewal',
                  'temporary', 'upgrade', 'deactivation', 'release', 'transfer', 'seat_reissue',
                  'revoke', 'anonymise', 'fork', 'culled')),
    license_id    BYTEA,
    activation_id BYTEA,
    details       TEXT NOT NULL
);

CREATE INDEX history_by_license ON history (license_id, seq);

CREATE TABLE certified_profiles (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activation_id BYTEA NOT NULL REFERENCES activations (activation_id),
    at            BIGINT NOT NULL,
    profile       BYTEA NOT NULL
);

CREATE INDEX certified_profiles_by_activation ON certified_profiles (activation_id, seq);

CREATE FUNCTION nodelock_refuse(rule TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = rule, ERRCODE = '23000';
END $$;

CREATE FUNCTION seats_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT seat_rows >= total_seats FROM licenses WHERE license_id = NEW.license_id) THEN
        PERFORM nodelock_refuse('over-allocation: the license has no seat left to add');
    END IF;
    IF NEW.activation_id IS NOT NULL THEN
        PERFORM nodelock_refuse('a new seat starts free');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER seats_before_insert BEFORE INSERT ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_insert();

CREATE FUNCTION seats_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id OR NEW.seat IS DISTINCT FROM OLD.seat
       OR NEW.pack IS DISTINCT FROM OLD.pack THEN
        PERFORM nodelock_refuse('a seat keeps its license, number and pack');
    END IF;
    IF NEW.activation_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activations WHERE activation_id = NEW.activation_id
                       AND state = 'active' AND kind = 'permanent') THEN
        PERFORM nodelock_refuse('only an active permanent activation can hold a seat');
    END IF;
    IF NEW.transfers_used < OLD.transfers_used
       OR (NEW.transfers_used > OLD.transfers_used AND NEW.transfers_used >
           (SELECT transfers_per_seat FROM licenses WHERE license_id = NEW.license_id)) THEN
        PERFORM nodelock_refuse('transfers are counted up, within the allowance');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER seats_before_update BEFORE UPDATE ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_update();

CREATE FUNCTION seats_before_delete() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.activation_id IS NOT NULL THEN
        PERFORM nodelock_refuse('a held seat cannot be removed');
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER seats_before_delete BEFORE DELETE ON seats
    FOR EACH ROW EXECUTE FUNCTION seats_before_delete();

CREATE FUNCTION seat_rows_counted() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE licenses SET seat_rows = seat_rows + 1 WHERE license_id = NEW.license_id;
        RETURN NEW;
    END IF;
    UPDATE licenses SET seat_rows = seat_rows - 1 WHERE license_id = OLD.license_id;
    RETURN OLD;
END $$;
CREATE TRIGGER seat_rows_counted AFTER INSERT OR DELETE ON seats
    FOR EACH ROW EXECUTE FUNCTION seat_rows_counted();

CREATE FUNCTION licenses_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows <> 0 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER licenses_before_insert BEFORE INSERT ON licenses
    FOR EACH ROW EXECUTE FUNCTION licenses_before_insert();

CREATE FUNCTION licenses_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seat_rows IS DISTINCT FROM OLD.seat_rows
       AND NEW.seat_rows IS DISTINCT FROM OLD.seat_rows + 1
       AND NEW.seat_rows IS DISTINCT FROM OLD.seat_rows - 1 THEN
        PERFORM nodelock_refuse('the seat count is kept by the database');
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
CREATE TRIGGER licenses_before_update BEFORE UPDATE ON licenses
    FOR EACH ROW EXECUTE FUNCTION licenses_before_update();

CREATE FUNCTION activations_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.license_id IS DISTINCT FROM OLD.license_id
       OR NEW.activation_id IS DISTINCT FROM OLD.activation_id THEN
        PERFORM nodelock_refuse('an activation keeps its id and license');
    END IF;
    IF (NEW.state <> 'active' OR NEW.kind <> 'permanent')
       AND EXISTS (SELECT 1 FROM seats WHERE activation_id = NEW.activation_id) THEN
        PERFORM nodelock_refuse('an activation that holds a seat must give it up before it ends');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER activations_before_update BEFORE UPDATE ON activations
    FOR EACH ROW EXECUTE FUNCTION activations_before_update();

CREATE FUNCTION stores_before_insert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM activations
                   WHERE activation_id = NEW.activation_id AND license_id = NEW.license_id) THEN
        PERFORM nodelock_refuse('a store belongs to an activation of its license');
    END IF;
    IF NEW.surrendered_at IS NOT NULL THEN
        PERFORM nodelock_refuse('a new store holds its certificate');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stores_before_insert BEFORE INSERT ON stores
    FOR EACH ROW EXECUTE FUNCTION stores_before_insert();

CREATE FUNCTION stores_before_update() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.activation_id IS DISTINCT FROM OLD.activation_id OR NEW.license_id IS DISTINCT FROM OLD.license_id
       OR NEW.activation_key IS DISTINCT FROM OLD.activation_key THEN
        PERFORM nodelock_refuse('a store keeps its activation, license and key');
    END IF;
    IF OLD.surrendered_at IS NOT NULL THEN
        PERFORM nodelock_refuse('a surrendered store is never granted again');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER stores_before_update BEFORE UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION stores_before_update();

CREATE FUNCTION refuse_delete() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nodelock_refuse(TG_ARGV[0]);
    RETURN NULL;
END $$;
CREATE TRIGGER activations_kept BEFORE DELETE ON activations
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('activations are never deleted; anonymise them instead');
CREATE TRIGGER licenses_kept BEFORE DELETE ON licenses
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('licenses are never deleted; revoke them instead');
CREATE TRIGGER stores_kept BEFORE DELETE ON stores
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('stores are never deleted');
CREATE TRIGGER history_no_update BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('the history is append-only');
CREATE TRIGGER certified_profile_unchanged BEFORE UPDATE ON certified_profiles
    FOR EACH ROW EXECUTE FUNCTION refuse_delete('a certified profile is never changed');
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete('the history is append-only');
