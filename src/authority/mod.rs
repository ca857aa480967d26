//! The vendor's activation authority, always compiled with its in-memory
//! ledger; the durable SQLite ledger needs feature `authority` (alias `sqlite`).
//!
//! An [`Authority`] is the vendor's signing key plus a [`Ledger`] of
//! licenses, seats, activations and history. It answers the client's
//! [`ActivationRequest`](crate::activation::ActivationRequest)s with signed
//! [`ActivationCertificate`](crate::activation::ActivationCertificate)s and
//! accepts its [`DeactivationReceipt`](crate::activation::DeactivationReceipt)s;
//! it uses the client's message types and the client knows nothing of it.
//!
//! The rules, as Terminal Services licensing and Altiris Notification Server
//! taught users to expect them:
//!
//! - **Seats**: a license has `seats` seats (plus re-issued seat packs). A new
//!   machine takes the free seat with the lowest number.
//! - **Reactivation** of a machine that already holds a seat (an active
//!   activation whose certified profile compares within the license's
//!   tolerance) reuses its seat and issues a fresh certificate; it never
//!   takes a second seat.
//! - **Temporary activations**: with every seat taken and `temporary_days > 0`,
//!   a machine gets one temporary activation per license, ending
//!   `temporary_days` after it was granted; it holds no seat and is upgraded
//!   to a seat when the machine activates again once one is free.
//!   Otherwise the refusal lists the machines holding the seats.
//! - **Reclaim**: a deactivation receipt (once every store of the machine has
//!   given its certificates up), or an administrator's release, frees the
//!   seat at once. Nothing deleted on a client frees a seat. **Culling**
//!   ([`Authority::cull`], `cull.rs`) releases, with a `culled` history entry,
//!   every machine whose certificates all ended (lease plus grace) without a
//!   renewal; perpetual certificates are never culled.
//! - **Transfer**: each seat may be moved permanently to another machine
//!   `transfers_per_seat` times; then the vendor can re-issue a seat pack.
//! - **History**: every change is appended to a log that nothing shortens;
//!   anonymising a machine erases its label and profile, not its counts.
//!
//! Every operation runs inside one ledger transaction, so it happens
//! completely or not at all, on every backend: [`MemoryLedger`] for tests and
//! `SqliteLedger` (feature `authority`), the durable embedded default.
//!
//! # How the code is laid out
//!
//! - `rules.rs` holds what the operations share, written once: which license
//!   a request may use, recognising a machine (by `lineage.rs`'s rule, among
//!   the candidates `candidates.rs` finds through the ledger's digest-prefix
//!   index rather than by reading every activation), the seat list,
//!   temporary periods, signing a [`Grant`], the history entry.
//! - The operations are leaves over it, one file per group, none importing
//!   another: `activate.rs` ([`Authority::activate`], read top to bottom
//!   with `rules.rs` beside it), `seats.rs` (deactivate, release, transfer,
//!   seat packs, anonymise), `licenses.rs` (add, issue, re-issue, revoke,
//!   license keys), `status.rs` (status, history), `cull.rs` (culling).
//! - Storage only, no rules: `ledger.rs` (the [`Ledger`] trait and
//!   [`LedgerError`]), `record.rs` (the records), `memory.rs`, `sqlite/`, `postgres/` (feature
//!   `postgres`).
//! - `error.rs` ([`AuthorityError`]), `damage.rs` ([`Damage`]) and
//!   `names.rs` (actor and label checks, [`BadName`]).
//!
//! # Decisions where the specification is silent
//!
//! - **A seat is one machine, by lineage** (`lineage.rs`): an activation
//!   keeps the profile it was **first certified** with; a request is the
//!   same machine only within the license's tolerance of that profile,
//!   compared as the client compares (normal weights: the certificate is
//!   installed where the request was made). Renewals keep the activation id,
//!   the seat and `since`, and update location, key, nonce and label — never
//!   the certified profile, so a chain of small changes cannot walk a seat to
//!   another machine. The cost, for an honest machine upgraded piece by
//!   piece beyond tolerance of its first profile: its next request is a new
//!   machine (a free seat, a temporary period, or the vendor's counted
//!   transfer).
//! - **Certificates belong to stores.** A client store keeps one activation
//!   key for all its requests until it deactivates; every grant is recorded
//!   against that store ([`StoreRecord`]). Several stores can hold one seat
//!   (one machine, several OS users). A store's receipt — verified with its
//!   key, for any of its certificates, earlier ones included — retires every
//!   certificate the store was granted; the seat frees when no other store
//!   holds a live certificate of it ([`Deactivation::StillHeld`] otherwise).
//!   A store that surrendered its key is never answered again
//!   ([`AuthorityError::KeySurrendered`]). A receipt after a release or
//!   transfer changes no seat but retires the certificates still running out.
//! - **A request answered twice** (a retry after a lost answer, or a
//!   replay): the request a store's last certificate answered — same key,
//!   same nonce — is answered with that certificate again (its issue time
//!   and lease end; [`GrantKind::Repeated`]) and nothing is written, so
//!   retrying is safe and a replay cannot extend a lease or add history.
//!   Any other request of the store is a renewal.
//! - **Forks**: a store renewing from a machine out of tolerance of its
//!   activation's certified profile is answered as a new machine; when
//!   another branch of the activation still runs on the certified machine
//!   (another live store, or the same store renewing from there again), the
//!   activation is marked forked (`forked` in the seat list, a `fork` entry
//!   in the history naming the stores) — recorded even when the diverging
//!   request is refused.
//! - **Releases and transfers** free the seat at once; the machine's
//!   certificates are never renewed and run out at their lease end + grace
//!   (listed in the status as `running_out` until then; never, for perpetual
//!   certificates — the price of `lease_days = 0`).
//! - **Temporary periods** run from the first grant to the machine, one per
//!   machine and license: asking again during the period (even after
//!   deactivating) gets the same end; after it, a refusal
//!   ([`AuthorityError::TemporaryUsed`]) unless a seat is free. A temporary
//!   activation stops counting at its end without any write.
//! - **Transfers** are counted per seat and stay with the seat: releasing it
//!   and giving it to another machine does not give the count back. A
//!   transfer to a machine holding a temporary activation turns that
//!   activation into the seat's holder.
//! - **Seat packs** add seats (numbered after the highest); a re-issued
//!   license may raise its own seat count, or lower it when enough of its
//!   highest-numbered own seats are free.
//! - **Revocation** stops activations, transfers, seat packs and re-issues;
//!   certificates already issued stay valid offline until they end, and
//!   deactivation receipts are still accepted.
//! - **Anonymising** erases label, profile, fingerprint and location stamp;
//!   the machine can no longer be recognised, so its next request counts as
//!   a new machine. The history never holds labels or profiles in the first
//!   place: only ids, seat numbers, releases and dates.
//! - **License keys** ([`LicenseKey`](crate::license::LicenseKey)) are
//!   derived from the signing key and the license id, so they survive
//!   re-issues and can be printed again ([`Authority::license_key`]); the
//!   ledger keeps only their digest, unique and indexed
//!   ([`Authority::license_for_key`] looks a key up by it).
//! - **Licenses are verified again** with the trusted keys whenever their
//!   terms are read, so a ledger edited by hand cannot grant a license the
//!   vendor never signed; add old keys with [`Authority::trust`] when
//!   rotating.
//!
//! # Example
//!
//! ```
//! use nodelock::activation::{ActivationRequest, LocationStamp, Nonce};
//! use nodelock::authority::{Authority, GrantKind, MemoryLedger};
//! use nodelock::hardware::ComponentKind;
//! use nodelock::license::{License, LicenseId};
//! use nodelock::profile::{Digest, Profile};
//! use nodelock::{SecretKey, Timestamp};
//!
//! let now = Timestamp(1_782_907_200);
//! let authority = Authority::new(SecretKey::generate()?, MemoryLedger::new());
//! let license = License::new(LicenseId::generate()?, "com.example.app", "ACME", 1, now);
//! authority.issue(&license, "vendor", now)?;
//!
//! // What a machine sends; normally made by `Validator::request_activation`.
//! let machine_key = SecretKey::generate()?;
//! let hardware = [ComponentKind::Mac, ComponentKind::Cpu, ComponentKind::SystemDrive];
//! let request = ActivationRequest {
//!     license_id: license.id,
//!     release_version: 1,
//!     profile: Profile::from_digests(hardware.map(|k| (k, Digest([k as u8; 16]))))?,
//!     stamp: LocationStamp([0; 16]),
//!     nonce: Nonce::generate()?,
//!     activation_key: machine_key.public_key().to_bytes(),
//!     label: Some("Alice's laptop".into()),
//!     client_time: now,
//! };
//! let grant = authority.activate(&request, None, "activation desk", now)?;
//! assert_eq!((grant.kind, grant.certificate.seat), (GrantKind::Seat, Some(1)));
//! let response_code = grant.code(); // NLC-…, for the customer
//! # assert!(response_code.starts_with("NLC-"));
//!
//! // The same machine asking again (a new request) renews its seat; the
//! // seat count holds.
//! let renewal = ActivationRequest { nonce: Nonce::generate()?, ..request.clone() };
//! let again = authority.activate(&renewal, None, "activation desk", now)?;
//! assert_eq!(again.kind, GrantKind::Renewal);
//! assert_eq!(authority.status(None, now)?.licenses[0].in_use, 1);
//!
//! // The very same request again (a retry after a lost answer, or a
//! // replay) gets the same certificate, and nothing changes.
//! let retry = authority.activate(&renewal, None, "activation desk", now)?;
//! assert_eq!((retry.kind, &retry.bytes), (GrantKind::Repeated, &again.bytes));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::keys::{PublicKey, SecretKey, TrustedKeys};

mod activate;
mod candidates;
mod cull;
mod damage;
#[cfg(feature = "sqlite")]
mod db;
mod error;
mod ledger;
mod ledger_error;
mod licenses;
mod lineage;
mod memory;
mod names;
#[cfg(feature = "postgres")]
pub mod postgres;
mod record;
mod refusal;
mod replay;
mod rules;
mod seats;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod status;

pub use candidates::digest_prefixes;
pub use cull::Culled;
pub use damage::Damage;
#[cfg(feature = "sqlite")]
pub use db::{DbLedger, is_postgres_url};
pub use error::AuthorityError;
pub use ledger::{Ledger, LedgerTx, Which};
pub use ledger_error::LedgerError;
pub use licenses::{LicenseAdded, LicenseChange};
pub use memory::MemoryLedger;
pub use names::{BadName, MAX_ACTOR_LEN};
#[cfg(feature = "postgres")]
pub use postgres::PostgresLedger;
pub use record::{
    ActivationRecord, ActivationState, Event, EventKind, HistoryEntry, LicenseRecord, LiveCertificates,
    RunningOut, SeatHolder, SeatRecord, StoreRecord,
};
pub use refusal::MAX_LISTED_HOLDERS;
pub use replay::seat_histories;
pub use rules::{Grant, GrantKind, MAX_TOTAL_SEATS};
pub use seats::{Deactivation, Freed, MAX_PACK_SEATS, SeatPack};
#[cfg(feature = "sqlite")]
pub use sqlite::{KeyBinding, SqliteLedger};
pub use status::{LicenseStatus, ProductStatus, SeatPage, Status};

/// The vendor's authority: signing key, trusted keys and ledger.
pub struct Authority<L> {
    signer: Option<SecretKey>,
    trusted: TrustedKeys,
    ledger: L,
}

impl<L: std::fmt::Debug> std::fmt::Debug for Authority<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("key_id", &self.signer.as_ref().map(SecretKey::key_id))
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl<L: Ledger> Authority<L> {
    /// An authority that signs certificates with `key` and accepts licenses
    /// signed by it.
    pub fn new(key: SecretKey, ledger: L) -> Self {
        let trusted = TrustedKeys::single(key.public_key().clone());
        Authority { signer: Some(key), trusted, ledger }
    }

    /// An authority for administration only (status, history, release,
    /// seat packs, revocation, deactivation receipts, adding licenses signed
    /// by `key`): anything that issues a certificate fails with
    /// [`AuthorityError::NoSigningKey`].
    pub fn without_signing_key(key: PublicKey, ledger: L) -> Self {
        Authority { signer: None, trusted: TrustedKeys::single(key), ledger }
    }

    /// Also accepts licenses signed by `key` (key rotation).
    pub fn trust(mut self, key: PublicKey) -> Self {
        self.trusted.add(key);
        self
    }

    /// The ledger.
    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    /// The keys whose licenses this authority accepts.
    pub fn trusted_keys(&self) -> &TrustedKeys {
        &self.trusted
    }

    fn signer(&self) -> Result<&SecretKey, AuthorityError> {
        self.signer.as_ref().ok_or(AuthorityError::NoSigningKey)
    }
}
