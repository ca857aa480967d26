//! The ledger's SQL schema and its migrations.
//!
//! `PRAGMA user_version` is the schema version; [`MIGRATIONS`]`[n]` takes a
//! database from version `n` to `n + 1`, inside the same write transaction
//! that bumps the version, so a crash leaves either version.
//!
//! Each migration's SQL is a file of its own, `schema/v1.sql` … `v7.sql`
//! beside this module, run whole as one batch: a few `--` lines saying what
//! the version does, then its statements. A released migration is never
//! edited (a test pins each one's digest); a change is a new version.
//!
//! The schema itself refuses over-allocation, whatever the code above it
//! does:
//!
//! - a license has one `seats` row per seat, and a trigger refuses a row
//!   beyond the license's `total_seats`; `total_seats` cannot drop below the
//!   rows that exist;
//! - a seat names at most one activation and an activation holds at most one
//!   seat (`activation_id UNIQUE`); the composite foreign key keeps the seat
//!   and its holder in the same license; a trigger refuses a holder that is
//!   not active and permanent;
//! - an activation cannot end, or become temporary, while it holds a seat;
//! - a seat's transfer count only grows, and never beyond the license's
//!   allowance;
//! - a held seat cannot be deleted; licenses and activations are never
//!   deleted;
//! - the history refuses every `UPDATE` and `DELETE`;
//! - (version 3) the seat allowance is checked against a per-license count
//!   of seat rows that the database keeps itself (`seat_rows`, one step per
//!   inserted or deleted seat), so adding a seat costs the same whatever the
//!   license's size: issuing is linear in its seats, not quadratic;
//! - (version 4) a license's key digest is unique (an index) and, once
//!   recorded, never changes; the history accepts `culled` entries;
//! - (version 5) a certified profile names an activation and is never
//!   changed (only erased, by anonymising);
//! - (version 6) the digest-prefix index (`profile_prefixes`) follows every
//!   activation's profile: the database marks an activation written with a
//!   new profile as not yet indexed (key `-1`, a candidate for every
//!   request), and the ledger replaces the mark with the profile's keys —
//!   so a row edited by hand is still compared (and its damage reported),
//!   never silently missed; erasing the profile drops its keys. Free seats
//!   have an index of their own, so the lowest free seat costs the same in
//!   a full license as in an empty one.
//! - (version 7) running temporary activations have an index of their own,
//!   so a refusal counts them without reading the license's activations;
//! - (version 2) a store row names an activation of its own license, starts
//!   unsurrendered, keeps its activation, license and key, never changes once
//!   surrendered, and is never deleted.

/// The migrations, oldest first; the schema version is their count.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The version whose migration also indexes the existing certified profiles
/// in Rust (`prefixes::index_pending`): SQL cannot read a profile.
pub const PREFIX_INDEX_VERSION: u32 = 6;

/// The rules the schema's triggers enforce, word for word as they refuse
/// (`RAISE(ABORT, …)`), so a refusal names its rule as a `&'static str`.
pub const RULES: &[&str] = &[
    "over-allocation: the license has no seat left to add",
    "the seat allowance cannot drop below the seats that exist",
    "a new seat starts free",
    "only an active permanent activation can hold a seat",
    "a seat keeps its license, number and pack",
    "transfers are counted up, within the allowance",
    "a held seat cannot be removed",
    "an activation that holds a seat must give it up before it ends",
    "an activation keeps its id and license",
    "activations are never deleted; anonymise them instead",
    "licenses are never deleted; revoke them instead",
    "the history is append-only",
    "a store belongs to an activation of its license",
    "a new store holds its certificate",
    "a store keeps its activation, license and key",
    "a surrendered store is never granted again",
    "stores are never deleted",
    "the seat count is kept by the database",
    "a license keeps its key",
    "a license key opens one license",
    "a certified profile is never changed",
];

/// Version 1: licenses, activations, seats and the history, and the
/// triggers listed in the module docs.
const V1: &str = include_str!("schema/v1.sql");

/// Version 2: machine identity by lineage. Every certificate is recorded
/// against its store (`stores`); an activation can be marked forked; the
/// history accepts `fork` entries (SQLite cannot alter a CHECK constraint,
/// so the history table is rebuilt with the same rows, positions and
/// triggers). Existing activations become one store each, with the key and
/// nonce of their latest certificate; their lease end is not known
/// (`NULL`, counted as running until a receipt or release).
const V2: &str = include_str!("schema/v2.sql");

/// Version 3: the seat allowance without counting. Version 1's triggers
/// counted a license's seat rows on every insert (issuing n seats cost
/// O(n²)); the count is now a column the database keeps, one step per seat
/// row inserted or deleted, and the same two rules read it.
const V3: &str = include_str!("schema/v3.sql");

/// Version 4: license keys and culling. A license records the digest of its
/// key (`key_digest`, `NULL` for licenses added before; the authority records
/// it when the key is first asked for), unique and indexed, and never changed
/// once recorded. The history accepts `culled` entries (rebuilt as in
/// version 2, same rows, positions and triggers).
const V4: &str = include_str!("schema/v4.sql");

/// Version 5: every profile an activation was certified for, in order (the
/// lineage `policy simulate --db` replays). Existing activations start with
/// the profile they were first certified for.
const V5: &str = include_str!("schema/v5.sql");

/// Version 6: machines recognised without a scan. `profile_prefixes` maps
/// the first four bytes (big-endian) of each digest of an activation's
/// certified profile to the activation; triggers mark an activation written
/// with a new profile as not yet indexed (key `-1`), which the ledger
/// replaces with the profile's keys in the same transaction. Existing
/// activations are marked here and indexed by the migration
/// ([`PREFIX_INDEX_VERSION`]). Free seats get a partial index.
const V6: &str = include_str!("schema/v6.sql");

/// Version 7: running temporary activations are counted from an index (a
/// refusal says how many machines hold the license without reading them).
const V7: &str = include_str!("schema/v7.sql");

/// The SHA-256 (lower-case hex) of each migration's SQL, that is its text
/// after the `--` comment lines at the top of its file: what a test pins, on
/// both ledgers, so a released migration is never edited (a database past
/// its version never runs it again, so an edit would leave two schemas under
/// one version number).
#[cfg(test)]
pub(crate) fn migration_digests(migrations: &[&str]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    migrations
        .iter()
        .map(|m| {
            let sql: String = m.split_inclusive('\n').skip_while(|line| line.starts_with("--")).collect();
            crate::codec::hex::hex(&Sha256::digest(sql.as_bytes()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_migrations_are_unchanged() {
        let pinned = [
            "f63b76a58c79cfd6a17a6dfb14966a41961177491896592534433b8290fef712",
            "5852f0565c8b4838a1986e91e6b99945d1e32f20fe853cf601156cfbc61244a8",
            "5562b94b87e7dce7234e40215c537dbe2d2474a603eb3846ccaf5b588c14cdee",
            "1a30a9ebd6f9afa330d19bfc5fe3410e29877f3791f34ca5aba713c709c93350",
            "88b97d8ef6bc54e48c66bd57ed46dd3e4d87533487a6801769e2a91f014179a3",
            "15997a8619589b225a2d7565793c7fe096da828f5862015f15c7e0d3c18f7ee9",
            "abc50b98b6e9117f205725628d3982a1d6bf2ca9b51fe506dfaea7c2f0f8b90b",
        ];
        assert_eq!(
            migration_digests(MIGRATIONS),
            pinned,
            "a released migration was edited: add a new one instead"
        );
    }

    #[test]
    fn every_trigger_refuses_with_a_listed_rule_and_every_rule_is_raised() {
        let raised: Vec<&str> = MIGRATIONS
            .iter()
            .flat_map(|m| m.split("RAISE(ABORT, '").skip(1))
            .filter_map(|rest| rest.split_once("')").map(|(rule, _)| rule))
            .collect();
        assert_eq!(raised.len(), 28);
        for rule in &raised {
            assert!(RULES.contains(rule), "`{rule}` is raised but not in RULES");
        }
        for rule in RULES {
            assert!(raised.contains(rule), "`{rule}` is in RULES but no trigger raises it");
        }
    }
}
