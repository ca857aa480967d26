//! The PostgreSQL ledger's schema and its migrations.
//!
//! The table `nodelock_schema` holds the schema version (one row);
//! [`MIGRATIONS`]`[n]` takes a database from version `n` to `n + 1`, inside
//! the transaction that bumps the version (PostgreSQL's DDL is
//! transactional), so a crash leaves either version. Two servers starting
//! together take an advisory lock first, so one migrates and the other
//! finds the work done.
//!
//! Each migration's SQL is a file of its own, `schema/v1.sql` … `v5.sql`
//! beside this module, run whole as one batch: a few `--` lines saying what
//! the version does, then its statements. A released migration is never
//! edited (a test pins each one's digest); a change is a new version.
//!
//! Version 1 is the SQLite ledger's version 5 in PostgreSQL's words: the
//! same columns, the same `CHECK`s, and triggers that refuse the same
//! writes with the same messages (the SQLite schema's
//! [`RULES`](crate::authority::sqlite::schema::RULES), raised with SQLSTATE
//! 23000 so the ledger maps them to
//! [`LedgerError::Rule`](crate::authority::LedgerError::Rule)):
//!
//! - the seat allowance against a per-license count of seat rows the
//!   database keeps itself (`seat_rows`), so no caller can write a seat over
//!   the allowance and issuing stays linear in the seats;
//! - a seat has at most one holder, an activation holds at most one seat,
//!   the holder is an active permanent activation of the same license;
//! - transfer counts only grow, within the allowance; held seats, licenses,
//!   activations and stores are never deleted;
//! - a license's key digest is unique and never changes once recorded;
//! - the history refuses every `UPDATE`, `DELETE` and `TRUNCATE`;
//! - a certified profile (an activation's lineage) is never changed, only
//!   erased by anonymising.
//!
//! Version 2 is the SQLite ledger's version 6: the digest-prefix index
//! (`profile_prefixes`, key `-1` marking an activation written with a new
//! profile and not yet indexed) and the index of free seats.
//!
//! Version 3 is the SQLite ledger's version 7 (an index of running
//! temporary activations).
//!
//! Version 4 counts seat rows once per statement instead of once per row:
//! a row trigger bumping `seat_rows` updated the license row once for each
//! seat, and PostgreSQL keeps every version of a row updated in one
//! transaction, so issuing N seats cost O(N²) (a 100,001-seat license was
//! unfinished after minutes). Statement triggers with transition tables add
//! each statement's count at once and check that new seats start free; the
//! allowance (`seat_rows ≤ total_seats`) is checked on the license row
//! then, so a set-based insert over the allowance is refused whole, with the
//! same rule, and no trigger runs per seat row. `seat_rows`
//! changes only from the counting triggers (`pg_trigger_depth() > 1`),
//! never by a caller's `UPDATE`.
//!
//! Version 5 checks a seat's references once per statement too: the
//! per-row foreign keys from `seats` (to its license, and to its holder)
//! queued one check for every seat written, most of what was left of
//! issuing a large license (1,000,000 seats: 17 s, of which the license key
//! check alone was about half). The counting trigger now refuses seats of a
//! license that does not exist, the update trigger refuses a holder from
//! another license, a license with seats keeps its id, and `TRUNCATE` of
//! licenses, activations, stores and seats is refused like their `DELETE`s
//! (a foreign key had refused some of them by accident). These raise
//! SQLSTATE 23503 (a foreign key violation, as before) with a message that
//! says which reference. The holder's uniqueness is a partial index over
//! held seats only, so a free seat adds no entry to it. The seats table is
//! vacuumed after every 1,000 changed rows: a taken seat's entry in the
//! free-seat index stays until then, and finding the lowest free seat
//! steps over it.
//!
//! Texts that are ordered (`product`) use the `"C"` collation, so lists come
//! in the same byte order as on SQLite whatever the database's locale.

/// The migrations, oldest first; the schema version is their count.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

/// The version whose migration also indexes the existing certified profiles
/// in Rust (`prefixes::index_pending`): SQL cannot read a profile.
pub const PREFIX_INDEX_VERSION: u32 = 2;

/// Version 1: the SQLite schema's version 5 (see the module docs).
const V1: &str = include_str!("schema/v1.sql");

/// Version 2: machines recognised without a scan (the SQLite schema's
/// version 6, same table, same marks, same partial index of free seats).
const V2: &str = include_str!("schema/v2.sql");

/// Version 3: the SQLite schema's version 7 (running temporary activations
/// counted from an index).
const V3: &str = include_str!("schema/v3.sql");

/// Version 4: seat rows counted per statement (see the module docs).
const V4: &str = include_str!("schema/v4.sql");

/// Version 5: a seat's references checked per statement (see the module
/// docs). The constraint names are the ones PostgreSQL gave version 1's
/// inline constraints.
const V5: &str = include_str!("schema/v5.sql");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::sqlite::schema::{RULES, migration_digests};

    #[test]
    fn released_migrations_are_unchanged() {
        let pinned = [
            "ffa1549f77b6bb6e06eb87c0181b8a9f227ae3dc2785064e7c0f51418de77f10",
            "4e60bba03680dcb7004b07e7d4021b42901d98fbfca2ef23d0b37e3d914aaa33",
            "abc50b98b6e9117f205725628d3982a1d6bf2ca9b51fe506dfaea7c2f0f8b90b",
            "78741100ebfc0b25c2c269028afde4d2be7a9f60767acd61827866d11264458a",
            "d71a75640b96b6f84ac6ba197afa4da25f33b0d33eb49716ed1e41a442d401bf",
        ];
        assert_eq!(
            migration_digests(MIGRATIONS),
            pinned,
            "a released migration was edited: add a new one instead"
        );
    }

    /// The triggers raise the SQLite schema's rules word for word, every one
    /// of them, so both ledgers refuse a write with the same `&'static str`.
    #[test]
    fn every_refusal_is_a_rule_of_the_sqlite_schema_and_every_rule_is_raised() {
        let raised: Vec<&str> = MIGRATIONS
            .iter()
            .flat_map(|m| m.split("nodelock_refuse('").skip(1).chain(m.split("refuse_delete('").skip(1)))
            .filter_map(|rest| rest.split_once("')").map(|(rule, _)| rule))
            .collect();
        for rule in &raised {
            assert!(RULES.contains(rule), "`{rule}` is raised but not in RULES");
        }
        for rule in RULES {
            assert!(raised.contains(rule), "`{rule}` is in RULES but no trigger raises it");
        }
    }
}
