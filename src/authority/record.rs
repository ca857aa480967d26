//! What a ledger stores: license, seat and activation records and history
//! events. Plain data, with no rules; the rules live in the authority's
//! operations, which read and write these through a [`LedgerTx`](super::LedgerTx).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::activation::{ActivationId, ActivationKind, LocationStamp, Nonce};
use crate::license::LicenseId;
use crate::timestamp::Timestamp;

/// A license as the ledger keeps it: the signed bytes of its current release
/// and the counts the database checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRecord {
    /// The license id.
    pub license_id: LicenseId,
    /// Its product.
    pub product: String,
    /// Its current release.
    pub release_version: u32,
    /// The signed envelope of the current release.
    pub signed: Vec<u8>,
    /// Seats it may have: the license's seats plus every re-issued seat pack.
    pub total_seats: u32,
    /// One-time transfers allowed per seat (from the current release).
    pub transfers_per_seat: u32,
    /// When it was first added.
    pub added_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// One seat of a license. A license has one row per seat; a seat pack adds
/// rows; a seat is free when it has no holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatRecord {
    /// The license.
    pub license_id: LicenseId,
    /// The seat number, from 1.
    pub seat: u32,
    /// The pack it came with: 1 for the license's own seats, 2… for re-issued packs.
    pub pack: u32,
    /// Transfers already made from this seat.
    pub transfers_used: u32,
    /// The activation holding it.
    pub holder: Option<ActivationId>,
}

/// What became of an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActivationState {
    /// Holds its seat (or its temporary period).
    Active,
    /// Given up by the machine with a deactivation receipt.
    Deactivated,
    /// Released by an administrator.
    Released,
    /// Its seat was transferred to another machine.
    Transferred,
}

impl ActivationState {
    /// Every state.
    pub const ALL: [ActivationState; 4] = [
        ActivationState::Active,
        ActivationState::Deactivated,
        ActivationState::Released,
        ActivationState::Transferred,
    ];

    /// The snake_case name (`released`).
    pub const fn name(self) -> &'static str {
        match self {
            ActivationState::Active => "active",
            ActivationState::Deactivated => "deactivated",
            ActivationState::Released => "released",
            ActivationState::Transferred => "transferred",
        }
    }

    /// The state named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for ActivationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One machine's activation of one license.
///
/// A machine keeps its record across renewals: reactivating it updates the
/// recorded profile, location, key and nonce and keeps the id, the seat and
/// `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRecord {
    /// Its id (in every certificate issued for it).
    pub activation_id: ActivationId,
    /// The license.
    pub license_id: LicenseId,
    /// Active or how it ended.
    pub state: ActivationState,
    /// Permanent (holding a seat while active) or temporary.
    pub kind: ActivationKind,
    /// The end of the temporary period this machine was granted, kept after
    /// an upgrade: one temporary period per machine and license.
    pub temporary_until: Option<Timestamp>,
    /// The release of the license it was last certified for.
    pub release_version: u32,
    /// The canonical encoding of the certified profile; `None` once anonymised.
    pub profile: Option<Vec<u8>>,
    /// The profile's fingerprint code; `None` once anonymised.
    pub fingerprint: Option<String>,
    /// The machine's name; `None` when it gave none or once anonymised.
    pub label: Option<String>,
    /// The certified store location; `None` once anonymised.
    pub stamp: Option<LocationStamp>,
    /// The activation public key of the latest certificate (verifies receipts).
    pub activation_key: [u8; 32],
    /// The nonce of the latest certificate (a receipt must name it).
    pub nonce: Nonce,
    /// When the machine first got this activation.
    pub since: Timestamp,
    /// When the latest certificate was issued.
    pub renewed_at: Timestamp,
    /// When it stopped being active.
    pub ended_at: Option<Timestamp>,
    /// When a renewal showed two branches of this activation running on
    /// machines out of tolerance of each other (see `lineage.rs`); `None`
    /// while it has not forked.
    pub forked_at: Option<Timestamp>,
}

impl ActivationRecord {
    /// Whether it holds a seat or a running temporary period at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.state == ActivationState::Active
            && match self.kind {
                ActivationKind::Permanent => true,
                ActivationKind::Temporary { until } => now < until,
            }
    }
}

/// One store's part in an activation: every certificate the authority
/// granted for the activation to the store holding one activation key.
///
/// A store keeps its key for all its requests and renewals, so its
/// certificates — earlier ones, and later ones it never installed — are all
/// this one record, and the store's deactivation receipt (signed with that
/// key, proving it is gone) retires them all. An activation may have several
/// stores (one machine, several OS users); its seat is free when none of
/// them holds a live certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRecord {
    /// The activation.
    pub activation_id: ActivationId,
    /// Its license.
    pub license_id: LicenseId,
    /// The store's activation public key, in each of its certificates.
    pub activation_key: [u8; 32],
    /// When its first certificate was granted.
    pub first_granted: Timestamp,
    /// When its latest certificate was granted.
    pub last_granted: Timestamp,
    /// How many certificates it was granted.
    pub certificates: u32,
    /// The nonce of its latest certificate.
    pub nonce: Nonce,
    /// When its latest certificate's lease ends; `None` for a perpetual one
    /// (and for stores recorded before leases were tracked per store).
    pub lease_ends: Option<Timestamp>,
    /// When it asked for a renewal from a machine out of tolerance of the
    /// activation's certified profile (and was answered as a new machine).
    pub diverged_at: Option<Timestamp>,
    /// When its deactivation receipt retired every certificate it holds.
    pub surrendered_at: Option<Timestamp>,
}

impl StoreRecord {
    /// Whether one of its certificates can still validate at `now`: not
    /// surrendered, and its lease (plus `grace_secs`) not over.
    pub fn is_live(&self, now: Timestamp, grace_secs: u64) -> bool {
        self.surrendered_at.is_none() && self.lease_ends.is_none_or(|end| now < end.plus_secs(grace_secs))
    }
}

/// What kind of thing a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A license was added.
    Issue,
    /// A new release of a license replaced the recorded one.
    Reissue,
    /// A machine took a seat.
    Activation,
    /// A machine holding a seat (or a temporary period) was certified again.
    Renewal,
    /// A machine got a temporary activation because every seat was taken.
    Temporary,
    /// A temporary activation took a seat that had become free.
    Upgrade,
    /// A machine gave its activation up with a receipt.
    Deactivation,
    /// An administrator released an activation.
    Release,
    /// A seat moved permanently to another machine.
    Transfer,
    /// A new seat pack was granted.
    SeatReissue,
    /// A license was revoked.
    Revoke,
    /// A machine's label and profile were erased.
    Anonymise,
    /// An activation's certificates were found running on two machines out
    /// of tolerance of each other.
    Fork,
    /// A machine that stopped renewing lost its seat: every certificate of
    /// it ended more than the license's grace ago ([`Authority::cull`](super::Authority::cull)).
    Culled,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 14] = [
        EventKind::Issue,
        EventKind::Reissue,
        EventKind::Activation,
        EventKind::Renewal,
        EventKind::Temporary,
        EventKind::Upgrade,
        EventKind::Deactivation,
        EventKind::Release,
        EventKind::Transfer,
        EventKind::SeatReissue,
        EventKind::Revoke,
        EventKind::Anonymise,
        EventKind::Fork,
        EventKind::Culled,
    ];

    /// The snake_case name (`seat_reissue`).
    pub const fn name(self) -> &'static str {
        match self {
            EventKind::Issue => "issue",
            EventKind::Reissue => "reissue",
            EventKind::Activation => "activation",
            EventKind::Renewal => "renewal",
            EventKind::Temporary => "temporary",
            EventKind::Upgrade => "upgrade",
            EventKind::Deactivation => "deactivation",
            EventKind::Release => "release",
            EventKind::Transfer => "transfer",
            EventKind::SeatReissue => "seat_reissue",
            EventKind::Revoke => "revoke",
            EventKind::Anonymise => "anonymise",
            EventKind::Fork => "fork",
            EventKind::Culled => "culled",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something that happened, as the history records it: no labels, profiles
/// or other personal data, only ids, counts and dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// Who did it (an administrator, a service, `customer` for receipts).
    pub actor: String,
    /// What.
    pub kind: EventKind,
    /// The license concerned.
    pub license_id: Option<LicenseId>,
    /// The activation concerned.
    pub activation_id: Option<ActivationId>,
    /// Details in words (seat numbers, releases, dates).
    pub details: String,
}

/// An entry of the append-only history: an event and its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Its position, increasing from 1; entries are never removed or changed.
    pub seq: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// A machine holding a seat or a temporary activation, as the seat list and
/// refusals show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatHolder {
    /// The activation.
    pub activation_id: ActivationId,
    /// The seat it holds; `None` for a temporary activation.
    pub seat: Option<u32>,
    /// The machine's name.
    pub label: Option<String>,
    /// The fingerprint code of its profile.
    pub fingerprint: Option<String>,
    /// Since when it holds the activation.
    pub since: Timestamp,
    /// `permanent` or `temporary`.
    #[serde(serialize_with = "kind_name")]
    pub kind: ActivationKind,
    /// When a temporary activation ends.
    pub until: Option<Timestamp>,
    /// When it was last certified.
    pub renewed_at: Timestamp,
    /// When the lease of its latest live certificate ends; `None` when the
    /// license's certificates are perpetual. Filled in by the status view,
    /// which knows the license's terms.
    pub lease_ends: Option<Timestamp>,
    /// Whether its certificates were found running on two machines out of
    /// tolerance of each other (see [`EventKind::Fork`] in the history).
    pub forked: bool,
    /// The stores holding a live certificate of it (filled in by the status
    /// view; empty in refusals).
    pub certificates: Vec<LiveCertificates>,
}

/// One store's live certificates of an activation, as the seat list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveCertificates {
    /// The store: the first eight bytes of its activation key, in hex.
    pub store: String,
    /// When its first certificate was granted.
    pub first_granted: Timestamp,
    /// When its latest certificate was granted.
    pub last_granted: Timestamp,
    /// How many certificates it was granted.
    pub certificates: u32,
    /// When its latest certificate's lease ends (`None`: perpetual).
    pub lease_ends: Option<Timestamp>,
    /// Whether it asked for a renewal from a machine out of tolerance.
    pub diverged: bool,
}

impl LiveCertificates {
    /// The seat list's view of `store`.
    pub fn of(store: &StoreRecord) -> Self {
        LiveCertificates {
            store: crate::codec::hex::hex(&store.activation_key[..8]),
            first_granted: store.first_granted,
            last_granted: store.last_granted,
            certificates: store.certificates,
            lease_ends: store.lease_ends,
            diverged: store.diverged_at.is_some(),
        }
    }
}

/// An activation that ended (released by an administrator, or its seat
/// transferred) whose certificates still run until their lease plus grace
/// ends: the seat is free, but the machine validates until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunningOut {
    /// The activation.
    pub activation_id: ActivationId,
    /// How it ended.
    pub state: ActivationState,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// The machine's name.
    pub label: Option<String>,
    /// The fingerprint code of its certified profile.
    pub fingerprint: Option<String>,
    /// When its last certificate stops validating (lease end plus grace);
    /// `None` when its certificates are perpetual and never stop.
    pub runs_until: Option<Timestamp>,
    /// The stores holding its live certificates.
    pub certificates: Vec<LiveCertificates>,
}

impl SeatHolder {
    /// The seat list entry of `record` holding `seat`.
    pub fn of(record: &ActivationRecord, seat: Option<u32>) -> Self {
        SeatHolder {
            activation_id: record.activation_id,
            seat,
            label: record.label.clone(),
            fingerprint: record.fingerprint.clone(),
            since: record.since,
            kind: record.kind,
            until: match record.kind {
                ActivationKind::Temporary { until } => Some(until),
                ActivationKind::Permanent => None,
            },
            renewed_at: record.renewed_at,
            lease_ends: None,
            forked: record.forked_at.is_some(),
            certificates: Vec::new(),
        }
    }
}

fn kind_name<S: Serializer>(kind: &ActivationKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match kind {
        ActivationKind::Permanent => "permanent",
        ActivationKind::Temporary { .. } => "temporary",
    })
}
