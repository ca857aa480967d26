//! [`AuthorityError`]: every way an authority operation can refuse or fail.
//!
//! Refusals (no free seat, transfers used up, revoked license …) are the
//! customer's or administrator's business and say what to do next; failures
//! (storage, a damaged ledger) are the operator's. [`AuthorityError::is_refusal`]
//! tells them apart. No message names another license's machines or data: a
//! refusal only ever lists the seats of the license the request was for.
//!
//! Every failure carries its cause typed: [`Damage`] says what in the
//! ledger's data cannot be trusted, [`LedgerError`] what went wrong in the
//! storage under it, [`BadName`] which name was refused, and
//! [`ActivationError`] why a certificate could not be issued.

use std::path::PathBuf;

use thiserror::Error;

use super::damage::Damage;
use super::ledger_error::LedgerError;
use super::names::BadName;
use super::record::{ActivationState, SeatHolder};
use crate::activation::{ActivationError, ActivationId};
use crate::keys::{KeyError, KeyId};
use crate::license::{LicenseError, LicenseId};
use crate::policy::{Implausible, WeakProfile};
use crate::timestamp::Timestamp;

/// Why the authority refused or could not carry out an operation. Nothing
/// was changed when an operation returns one of these.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// The license is not in the ledger.
    #[error(
        "license {license_id} is not known to this authority; add it first (`nodelock authority add-license`)"
    )]
    UnknownLicense {
        /// The license asked for.
        license_id: LicenseId,
    },
    /// The license was revoked.
    #[error("license {license_id} was revoked on {}; it cannot be activated or changed", at.date_string())]
    LicenseRevoked {
        /// The license.
        license_id: LicenseId,
        /// When it was revoked.
        at: Timestamp,
    },
    /// The license has expired.
    #[error("license {license_id} expired on {}; ask the vendor to renew it", at.date_string())]
    LicenseExpired {
        /// The license.
        license_id: LicenseId,
        /// Its expiry.
        at: Timestamp,
    },
    /// The request was made with another release of the license than the current one.
    #[error("{}", release_message(*license_id, *requested, *current))]
    ReleaseMismatch {
        /// The license.
        license_id: LicenseId,
        /// The release the machine has.
        requested: u32,
        /// The release the authority knows as current.
        current: u32,
    },
    /// The machine's profile identifies too few kinds of hardware.
    #[error("{0}")]
    WeakProfile(#[from] WeakProfile),
    /// The request's profile cannot be one real machine's: a made-up
    /// component, or the digests of several machines in one request.
    #[error("{0}")]
    ImplausibleProfile(Implausible),
    /// Every seat is taken and temporary activations are off.
    #[error("{}", no_free_seat_message(*license_id, *total, holders, *holding, None))]
    NoFreeSeat {
        /// The license.
        license_id: LicenseId,
        /// Its seats.
        total: u32,
        /// The machines holding them, so the customer can choose one to
        /// release: the first 20 (by seat number, then running temporary ones).
        holders: Vec<SeatHolder>,
        /// How many machines hold the license in all (seats and running
        /// temporary activations); `holders` lists the first of them.
        holding: u32,
    },
    /// Every seat is taken and this machine already had its temporary activation.
    #[error("{}", no_free_seat_message(*license_id, *total, holders, *holding, Some(*ended)))]
    TemporaryUsed {
        /// The license.
        license_id: LicenseId,
        /// Its seats.
        total: u32,
        /// When this machine's temporary activation ended.
        ended: Timestamp,
        /// The machines holding the seats: the first 20, as in `NoFreeSeat`.
        holders: Vec<SeatHolder>,
        /// How many machines hold the license in all.
        holding: u32,
    },
    /// A renewal (a request announcing the key of an activation the ledger
    /// knows) of an activation that no longer holds its seat.
    #[error("activation {activation_id} of license {license_id} cannot be renewed: {}", renewal_refusal(*state))]
    RenewalRefused {
        /// The license.
        license_id: LicenseId,
        /// The activation the request renews.
        activation_id: ActivationId,
        /// What happened to it.
        state: ActivationState,
    },
    /// A request from a store that gave its activation up with a receipt:
    /// the receipt proved its key destroyed, so a request signed for that key
    /// comes from a copy kept back.
    #[error(
        "this request comes from a store of activation {activation_id} (license {license_id}) that was \
         deactivated on {}: its key was given up with a deactivation receipt and cannot be used again; \
         run `nodelock activate request` in a fresh store (it takes a free seat if there is one)",
        at.date_string()
    )]
    KeySurrendered {
        /// The license.
        license_id: LicenseId,
        /// The activation the store held.
        activation_id: ActivationId,
        /// When its receipt was accepted.
        at: Timestamp,
    },
    /// No license has this key.
    #[error(
        "no license has this license key; check the key against the one you received, or ask the vendor \
         for it"
    )]
    UnknownLicenseKey,
    /// The license's recorded key was derived with another signing key than
    /// this authority's (the vendor rotated keys): its key cannot be printed
    /// with this one.
    #[error(
        "the key of license {license_id} was made with another signing key than the one given; give the \
         key the license was first issued with (`--key`) to print its license key"
    )]
    LicenseKeyOfAnotherKey {
        /// The license.
        license_id: LicenseId,
    },
    /// No such activation in the ledger.
    #[error("activation {activation_id} is not in the ledger; check the id (`nodelock seats status`)")]
    UnknownActivation {
        /// The activation asked for.
        activation_id: ActivationId,
    },
    /// The activation no longer holds anything.
    #[error("activation {activation_id} is not active (it was {state}); nothing to do")]
    NotActive {
        /// The activation.
        activation_id: ActivationId,
        /// What happened to it.
        state: ActivationState,
    },
    /// A temporary activation holds no seat, so there is nothing to transfer.
    #[error(
        "activation {activation_id} is temporary and holds no seat, so it cannot be transferred; \
         activate the new machine instead"
    )]
    NotTransferable {
        /// The activation.
        activation_id: ActivationId,
    },
    /// The seat's transfers are used up.
    #[error(
        "seat {seat} of license {license_id} has used {used} of its {allowed} transfer(s), and a seat's \
         transfers never come back (neither a release nor a seat pack resets them); to move the customer \
         anyway, release the old machine (`nodelock seats release`) and answer the new machine's request \
         with `nodelock authority grant`: it takes the freed seat, whose count stays at {used} and is not \
         used by a grant; or add seats (`nodelock seats reissue`) and give the new machine one with \
         `nodelock authority grant`, not `seats transfer`"
    )]
    TransfersExhausted {
        /// The license.
        license_id: LicenseId,
        /// The seat.
        seat: u32,
        /// Transfers made from it.
        used: u32,
        /// Transfers it allows.
        allowed: u32,
    },
    /// The transfer's new machine already holds a seat of the license.
    #[error(
        "the new machine already holds seat {seat} of this license (activation {activation_id}); \
         nothing to transfer"
    )]
    AlreadyHoldsSeat {
        /// Its activation.
        activation_id: ActivationId,
        /// Its seat.
        seat: u32,
    },
    /// The transfer's request is for another license than the activation.
    #[error(
        "the request is for license {requested}, but activation {activation_id} belongs to another \
         license; make the request with the license of that activation"
    )]
    TransferToOtherLicense {
        /// The activation being transferred.
        activation_id: ActivationId,
        /// The license the request names.
        requested: LicenseId,
    },
    /// A deactivation receipt, license or request that cannot be read.
    #[error("{0}")]
    BadMessage(#[from] ActivationError),
    /// The receipt's signature does not verify with the activation's key.
    #[error(
        "the deactivation receipt for activation {activation_id} is not signed by the machine that \
         holds it; nothing was changed"
    )]
    ReceiptNotValid {
        /// The activation it names.
        activation_id: ActivationId,
    },
    /// A license not signed by a key this authority trusts, or not valid.
    #[error("this license cannot be added: {0}")]
    UntrustedLicense(#[source] LicenseError),
    /// A release not newer than the recorded one.
    #[error(
        "license {license_id} is recorded at release {recorded}; release {offered} is not newer \
         (a re-issue must have release {recorded} + 1 or higher)"
    )]
    StaleRelease {
        /// The license.
        license_id: LicenseId,
        /// The recorded release.
        recorded: u32,
        /// The release offered.
        offered: u32,
    },
    /// A re-issue changing the product.
    #[error("license {license_id} is for product `{recorded}`; a re-issue cannot change it to `{offered}`")]
    ProductMismatch {
        /// The license.
        license_id: LicenseId,
        /// The recorded product.
        recorded: String,
        /// The offered product.
        offered: String,
    },
    /// A re-issue with fewer seats than are free to take away.
    #[error(
        "the new release has {wanted} fewer seat(s), but only {free} of those seats are free; \
         release machines first (`nodelock seats release`)"
    )]
    SeatsInUse {
        /// Seats to take away.
        wanted: u32,
        /// Free seats that could be taken away.
        free: u32,
    },
    /// A seat count that cannot be granted.
    #[error("cannot grant {requested} seat(s): {reason}")]
    BadSeatCount {
        /// The count asked for.
        requested: u64,
        /// Why not.
        reason: &'static str,
    },
    /// An actor name or machine label that cannot be recorded.
    #[error("{0}")]
    BadName(#[from] BadName),
    /// The ledger file records no authority key.
    #[error(
        "{} has no authority key; run `nodelock authority init --db {} --key SECRET` first",
        ledger.display(),
        ledger.display()
    )]
    NoAuthorityKey {
        /// The ledger file.
        ledger: PathBuf,
    },
    /// The ledger belongs to another authority key.
    #[error(
        "the ledger {} belongs to key {recorded}, not {given}; give that key, or create a new ledger",
        ledger.display()
    )]
    LedgerOfAnotherKey {
        /// The ledger file.
        ledger: PathBuf,
        /// The key it belongs to.
        recorded: KeyId,
        /// The key given.
        given: KeyId,
    },
    /// A secret key that is not the ledger's.
    #[error(
        "the key in {} ({given}) is not this ledger's key ({recorded}); use the key given to `authority init`",
        key_file.display()
    )]
    NotTheLedgersKey {
        /// The key file.
        key_file: PathBuf,
        /// Its key.
        given: KeyId,
        /// The ledger's key.
        recorded: KeyId,
    },
    /// No secret key given, and no key file recorded in the ledger.
    #[error("no secret key path is recorded in the ledger; give the key with --key")]
    NoKeyPath,
    /// A key that cannot be read: a secret key file, or the public key recorded in the ledger.
    #[error("{}{source}", file.as_ref().map_or_else(String::new, |f| format!("{}: ", f.display())))]
    Key {
        /// The key file; `None` for the key recorded in the ledger.
        file: Option<PathBuf>,
        /// Why it cannot be read.
        source: KeyError,
    },
    /// This authority was built without a signing key.
    #[error("this operation issues a certificate and needs the authority's secret key; give it with --key")]
    NoSigningKey,
    /// Another writer held the ledger for longer than the busy timeout.
    #[error("the ledger is busy (another process is writing to it); try again in a moment")]
    Busy,
    /// The database refused a change that would break one of its rules.
    #[error(
        "the ledger refused an inconsistent change ({0}); nothing was changed. This is a bug in \
         nodelock or the database was edited by hand: please report it"
    )]
    LedgerRefused(#[source] LedgerError),
    /// The ledger's schema is newer than this build understands.
    #[error(
        "the ledger was written by a newer nodelock (schema {found}, this build knows up to {known}); \
         upgrade nodelock"
    )]
    SchemaTooNew {
        /// The schema version found.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
    /// The ledger holds data that cannot be read back.
    #[error("the ledger is damaged: {0}; restore it from a backup or ask nodelock's support for help")]
    Corrupt(#[source] Damage),
    /// Reading or writing the ledger failed.
    #[error("cannot use the ledger: {0}; check that the database file exists and is writable")]
    Storage(#[source] LedgerError),
    /// The file given as the ledger is none: empty, not a database, or
    /// another program's database (left unchanged).
    #[error("{0}")]
    NotALedger(#[source] LedgerError),
    /// The batch commit holding this operation (and others) failed because
    /// of another operation of the batch, whose error this carries.
    #[error("the change was not saved because its commit failed ({0}); try again")]
    CommitFailed(#[source] std::sync::Arc<AuthorityError>),
    /// Signing a certificate or drawing a random id failed.
    #[error("the authority could not issue the certificate: {0}; try again")]
    Issue(#[source] ActivationError),
}

impl From<Implausible> for AuthorityError {
    fn from(error: Implausible) -> Self {
        match error {
            Implausible::Weak(weak) => AuthorityError::WeakProfile(weak),
            other => AuthorityError::ImplausibleProfile(other),
        }
    }
}

impl AuthorityError {
    /// Whether this is a refusal under the license's rules (the answer to
    /// give the customer) rather than bad input or a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            AuthorityError::LicenseRevoked { .. }
                | AuthorityError::LicenseExpired { .. }
                | AuthorityError::ReleaseMismatch { .. }
                | AuthorityError::WeakProfile(_)
                | AuthorityError::ImplausibleProfile(_)
                | AuthorityError::NoFreeSeat { .. }
                | AuthorityError::TemporaryUsed { .. }
                | AuthorityError::RenewalRefused { .. }
                | AuthorityError::KeySurrendered { .. }
                | AuthorityError::NotActive { .. }
                | AuthorityError::NotTransferable { .. }
                | AuthorityError::TransfersExhausted { .. }
                | AuthorityError::AlreadyHoldsSeat { .. }
                | AuthorityError::StaleRelease { .. }
                | AuthorityError::SeatsInUse { .. }
        )
    }
}

fn renewal_refusal(state: ActivationState) -> &'static str {
    match state {
        ActivationState::Released => {
            "its seat was released by the vendor; deactivate this machine, then make \
             a new activation request (it takes a free seat if there is one)"
        }
        ActivationState::Transferred => {
            "its seat was transferred to another machine; deactivate this machine, \
             then make a new activation request (it takes a free seat if there is one)"
        }
        ActivationState::Deactivated => {
            "it was deactivated, and its receipt proves its key is gone; make a new \
             activation request"
        }
        _ => "it is not active; make a new activation request",
    }
}

fn release_message(license_id: LicenseId, requested: u32, current: u32) -> String {
    if requested < current {
        format!(
            "this machine has release {requested} of license {license_id}, but the current release is \
             {current}; install release {current} of the license and make a new request"
        )
    } else {
        format!(
            "the request is for release {requested} of license {license_id}, but this authority knows \
             release {current} only; the vendor must add release {requested} first \
             (`nodelock authority add-license`)"
        )
    }
}

fn no_free_seat_message(
    license_id: LicenseId,
    total: u32,
    holders: &[SeatHolder],
    holding: u32,
    temporary_ended: Option<Timestamp>,
) -> String {
    let mut text = format!("all {total} seat(s) of license {license_id} are in use");
    if let Some(ended) = temporary_ended {
        text.push_str(&format!(
            ", and this machine's temporary activation ended on {} (one per machine)",
            ended.date_string()
        ));
    }
    text.push_str(
        "; deactivate one of these machines, or ask the vendor to release its seat \
         (`nodelock seats release`):",
    );
    for h in holders {
        text.push_str(&format!(
            "\n  seat {}: {} since {} (activation {})",
            h.seat.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            h.label.as_deref().unwrap_or("(unnamed machine)"),
            h.since.date_string(),
            h.activation_id
        ));
    }
    if holding as usize > holders.len() {
        text.push_str(&format!(
            "\n  … and {} more (`nodelock seats status` lists them all)",
            holding as usize - holders.len()
        ));
    }
    text
}
