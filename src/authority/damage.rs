//! [`Damage`]: what in the ledger's data cannot be trusted — the cause
//! inside [`AuthorityError::Corrupt`](super::AuthorityError::Corrupt).

use thiserror::Error;

use super::ledger_error::LedgerError;
use crate::activation::ActivationId;
use crate::license::{LicenseError, LicenseId};
use crate::profile::ProfileError;

/// What in the ledger's data cannot be trusted (inside [`AuthorityError::Corrupt`](super::AuthorityError::Corrupt)).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Damage {
    /// An activation's recorded profile does not decode.
    #[error("the recorded profile of activation {activation_id} cannot be read ({source})")]
    Profile {
        /// The activation.
        activation_id: ActivationId,
        /// Why it does not decode.
        source: ProfileError,
    },
    /// A recorded license no longer verifies with the trusted keys.
    #[error("the recorded license {license_id} no longer verifies with this authority's keys ({source})")]
    License {
        /// The license.
        license_id: LicenseId,
        /// Why it does not verify.
        source: LicenseError,
    },
    /// A permanent activation that holds no seat.
    #[error("activation {activation_id} is permanent but holds no seat")]
    Seatless {
        /// The activation.
        activation_id: ActivationId,
    },
    /// A store record whose activation is not in the ledger.
    #[error("a store of activation {activation_id} is recorded, but the activation is not")]
    StoreWithoutActivation {
        /// The activation it names.
        activation_id: ActivationId,
    },
    /// The storage holds a value or file it cannot read back.
    #[error("{0}")]
    Storage(#[source] LedgerError),
}
