//! Stable error codes: the one mapping from every library error to the short
//! machine-readable code that `nodelock … --json` prints as
//! `{"error": {"code": "...", "message": "..."}}` (and that an online service
//! answers with). The codes are a contract: a code is never renamed or
//! reused; new errors get new codes. The README's table lists every code.
//!
//! Errors that wrap another (an activation error carrying a signature error,
//! say) take the code of the error they wrap, so the code names the first
//! thing that went wrong, not the layer that noticed it.

use std::error::Error;

use crate::activation::ActivationError;
use crate::authority::{AuthorityError, BadName, Damage, LedgerError};
use crate::capture::CaptureError;
use crate::codec::{CodeError, CodecError};
use crate::compare::CompareError;
use crate::keys::KeyError;
use crate::license::{LicenseError, LicenseKeyError};
use crate::policy::{Implausible, PolicyError};
use crate::profile::ProfileError;
use crate::signed::SignatureError;
use crate::simulate::SimulateError;

/// Defines [`ErrorCode`] with its text and the list of every code.
macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// A stable error code (see the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the README's table.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as printed (`no_free_seat`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }

            /// The code printed as `name`, if it is one (what a client reads
            /// from a service's error body).
            pub fn from_name(name: &str) -> Option<ErrorCode> {
                match name {
                    $($text => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    // The command line itself.
    Usage => "usage",
    BadInput => "bad_input",
    Refused => "refused",
    Io => "io",
    EmptyFile => "empty_file",
    DiskFull => "disk_full",
    // Bytes, codes, armour, keys, signatures.
    TooLarge => "too_large",
    Truncated => "truncated",
    TrailingBytes => "trailing_bytes",
    NotNodelock => "not_nodelock",
    WrongType => "wrong_type",
    UnsupportedVersion => "unsupported_version",
    UnknownAlgorithm => "unknown_algorithm",
    Malformed => "malformed",
    NotCanonical => "not_canonical",
    NoArmour => "no_armour",
    BadArmour => "bad_armour",
    BadBase64 => "bad_base64",
    NotACode => "not_a_code",
    WrongCodeKind => "wrong_code_kind",
    CodeTypo => "code_typo",
    CodeChecksum => "code_checksum",
    CodeLength => "code_length",
    CodeIncomplete => "code_incomplete",
    CodeTooManySymbols => "code_too_many_symbols",
    CodeUnknownType => "code_unknown_type",
    InvalidKey => "invalid_key",
    KeyExists => "key_exists",
    UnknownKey => "unknown_key",
    BadSignature => "bad_signature",
    Random => "random",
    // Profiles, captures, policies.
    BadProfile => "bad_profile",
    BadCapture => "bad_capture",
    DifferentProducts => "different_products",
    BadPolicy => "bad_policy",
    WeakProfile => "weak_profile",
    ImplausibleProfile => "implausible_profile",
    BadHistory => "bad_history",
    // Licenses.
    WrongProduct => "wrong_product",
    LicenseExpired => "license_expired",
    VersionNotCovered => "version_not_covered",
    UpdatesEnded => "updates_ended",
    NoLicense => "no_license",
    InvalidLicense => "invalid_license",
    BadId => "bad_id",
    LicenseKeyLength => "license_key_length",
    LicenseKeyCharacter => "license_key_character",
    LicenseKeyTypo => "license_key_typo",
    // The machine's store.
    NoPendingRequest => "no_pending_request",
    WrongLicense => "wrong_license",
    NotActivated => "not_activated",
    NothingToRenew => "nothing_to_renew",
    StoreCorrupt => "store_corrupt",
    StoreWritableByOthers => "store_writable_by_others",
    NoDefaultStore => "no_default_store",
    NoStore => "no_store",
    // The authority.
    UnknownLicense => "unknown_license",
    LicenseRevoked => "license_revoked",
    ReleaseMismatch => "release_mismatch",
    NoFreeSeat => "no_free_seat",
    TemporaryUsed => "temporary_used",
    RenewalRefused => "renewal_refused",
    KeySurrendered => "key_surrendered",
    UnknownActivation => "unknown_activation",
    NotActive => "not_active",
    NotTransferable => "not_transferable",
    TransfersExhausted => "transfers_exhausted",
    AlreadyHoldsSeat => "already_holds_seat",
    TransferToOtherLicense => "transfer_to_other_license",
    ReceiptNotValid => "receipt_not_valid",
    UnknownLicenseKey => "unknown_license_key",
    LicenseKeyOfAnotherKey => "license_key_of_another_key",
    // Retired (never reused): every certificate of a store is retired by its
    // receipt now, so no receipt is refused for an earlier certificate.
    ReceiptSuperseded => "receipt_superseded",
    UntrustedLicense => "untrusted_license",
    StaleRelease => "stale_release",
    SeatsInUse => "seats_in_use",
    BadSeatCount => "bad_seat_count",
    BadName => "bad_name",
    NoAuthorityKey => "no_authority_key",
    LedgerOfAnotherKey => "ledger_of_another_key",
    NotTheLedgersKey => "not_the_ledgers_key",
    NoKeyPath => "no_key_path",
    NoSigningKey => "no_signing_key",
    Busy => "busy",
    // The ledger's storage.
    NoLedger => "no_ledger",
    LedgerEmpty => "ledger_empty",
    NotALedger => "not_a_ledger",
    LedgerUnusable => "ledger_unusable",
    LedgerRefused => "ledger_refused",
    SchemaTooNew => "schema_too_new",
    LedgerDamaged => "ledger_damaged",
    Storage => "storage",
    // The online service and its client.
    BadRequestBody => "bad_request_body",
    WrongContentType => "wrong_content_type",
    BodyTooLarge => "body_too_large",
    Unauthorized => "unauthorized",
    AdminDisabled => "admin_disabled",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    RateLimited => "rate_limited",
    Internal => "internal",
    Unreachable => "unreachable",
    BadAnswer => "bad_answer",
}

/// The code of `error`: any error of this crate, found by its type; an error
/// from elsewhere is [`ErrorCode::Io`] when it is an I/O error and
/// [`ErrorCode::BadInput`] otherwise.
pub fn error_code(error: &(dyn Error + 'static)) -> ErrorCode {
    macro_rules! try_types {
        ($($ty:ty => $f:ident),* $(,)?) => {
            $(if let Some(e) = error.downcast_ref::<$ty>() {
                return $f(e);
            })*
        };
    }
    try_types!(
        AuthorityError => authority, LedgerError => ledger, Damage => damage, BadName => bad_name,
        ActivationError => activation, LicenseError => license, SimulateError => simulate,
        CompareError => compare, PolicyError => policy, Implausible => implausible, CaptureError => capture,
        ProfileError => profile, SignatureError => signature, KeyError => key, CodecError => codec,
        CodeError => code, LicenseKeyError => license_key,
    );
    if error.is::<std::io::Error>() { ErrorCode::Io } else { ErrorCode::BadInput }
}

fn authority(e: &AuthorityError) -> ErrorCode {
    use AuthorityError as A;
    match e {
        A::UnknownLicense { .. } => ErrorCode::UnknownLicense,
        A::LicenseRevoked { .. } => ErrorCode::LicenseRevoked,
        A::LicenseExpired { .. } => ErrorCode::LicenseExpired,
        A::ReleaseMismatch { .. } => ErrorCode::ReleaseMismatch,
        A::WeakProfile(_) => ErrorCode::WeakProfile,
        A::ImplausibleProfile(i) => implausible(i),
        A::NoFreeSeat { .. } => ErrorCode::NoFreeSeat,
        A::TemporaryUsed { .. } => ErrorCode::TemporaryUsed,
        A::RenewalRefused { .. } => ErrorCode::RenewalRefused,
        A::KeySurrendered { .. } => ErrorCode::KeySurrendered,
        A::UnknownActivation { .. } => ErrorCode::UnknownActivation,
        A::NotActive { .. } => ErrorCode::NotActive,
        A::NotTransferable { .. } => ErrorCode::NotTransferable,
        A::TransfersExhausted { .. } => ErrorCode::TransfersExhausted,
        A::AlreadyHoldsSeat { .. } => ErrorCode::AlreadyHoldsSeat,
        A::TransferToOtherLicense { .. } => ErrorCode::TransferToOtherLicense,
        A::BadMessage(e) | A::Issue(e) => activation(e),
        A::ReceiptNotValid { .. } => ErrorCode::ReceiptNotValid,
        A::UnknownLicenseKey => ErrorCode::UnknownLicenseKey,
        A::LicenseKeyOfAnotherKey { .. } => ErrorCode::LicenseKeyOfAnotherKey,
        A::UntrustedLicense(_) => ErrorCode::UntrustedLicense,
        A::StaleRelease { .. } => ErrorCode::StaleRelease,
        A::ProductMismatch { .. } => ErrorCode::WrongProduct,
        A::SeatsInUse { .. } => ErrorCode::SeatsInUse,
        A::BadSeatCount { .. } => ErrorCode::BadSeatCount,
        A::BadName(_) => ErrorCode::BadName,
        A::NoAuthorityKey { .. } => ErrorCode::NoAuthorityKey,
        A::LedgerOfAnotherKey { .. } => ErrorCode::LedgerOfAnotherKey,
        A::NotTheLedgersKey { .. } => ErrorCode::NotTheLedgersKey,
        A::NoKeyPath => ErrorCode::NoKeyPath,
        A::Key { .. } => ErrorCode::InvalidKey,
        A::NoSigningKey => ErrorCode::NoSigningKey,
        A::Busy => ErrorCode::Busy,
        A::LedgerRefused(_) => ErrorCode::LedgerRefused,
        A::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
        A::Corrupt(d) => damage(d),
        A::Storage(l) | A::NotALedger(l) => ledger(l),
        A::CommitFailed(inner) => authority(inner),
    }
}

fn ledger(e: &LedgerError) -> ErrorCode {
    match e {
        LedgerError::NoLedger { .. } => ErrorCode::NoLedger,
        LedgerError::Empty { .. } => ErrorCode::LedgerEmpty,
        LedgerError::NotALedger { .. } => ErrorCode::NotALedger,
        LedgerError::DiskFull { .. } => ErrorCode::DiskFull,
        #[cfg(feature = "sqlite")]
        LedgerError::Open { .. } => ErrorCode::LedgerUnusable,
        LedgerError::NoWriteAheadLog { .. } => ErrorCode::LedgerUnusable,
        LedgerError::BadValue { .. } | LedgerError::TimeOutOfRange(_) => ErrorCode::LedgerDamaged,
        LedgerError::Rule(_) => ErrorCode::LedgerRefused,
        #[cfg(feature = "sqlite")]
        LedgerError::Constraint(_) => ErrorCode::LedgerRefused,
        #[cfg(feature = "sqlite")]
        LedgerError::Sqlite(_) => ErrorCode::Storage,
        LedgerError::RolledBack | LedgerError::Panicked => ErrorCode::Storage,
        #[cfg(feature = "postgres")]
        LedgerError::PostgresUrl { .. } | LedgerError::PostgresConnect { .. } => ErrorCode::LedgerUnusable,
        #[cfg(feature = "postgres")]
        LedgerError::Postgres(_) => ErrorCode::Storage,
        #[cfg(feature = "postgres")]
        LedgerError::PostgresConstraint(_) => ErrorCode::LedgerRefused,
        LedgerError::BadSchemaName { .. } => ErrorCode::LedgerUnusable,
        LedgerError::ForeignPostgresSchema => ErrorCode::NotALedger,
        LedgerError::PostgresNotBuilt => ErrorCode::LedgerUnusable,
    }
}

fn damage(e: &Damage) -> ErrorCode {
    match e {
        Damage::Storage(l) => ledger(l),
        Damage::Profile { .. }
        | Damage::License { .. }
        | Damage::Seatless { .. }
        | Damage::StoreWithoutActivation { .. } => ErrorCode::LedgerDamaged,
    }
}

fn bad_name(_: &BadName) -> ErrorCode {
    ErrorCode::BadName
}

fn activation(e: &ActivationError) -> ErrorCode {
    use ActivationError as A;
    match e {
        A::Format(c) => codec(c),
        A::Signature(s) => signature(s),
        A::Code(c) => code(c),
        A::License(l) => license(l),
        A::WeakProfile(_) => ErrorCode::WeakProfile,
        A::ImplausibleProfile(i) => implausible(i),
        A::NoPendingRequest => ErrorCode::NoPendingRequest,
        A::ShortResponseKey { .. } => ErrorCode::UnknownKey,
        A::ShortResponseToOldRequest => ErrorCode::NoPendingRequest,
        A::ShortResponseUnknownActivation => ErrorCode::NoPendingRequest,
        A::WrongLicense { .. } => ErrorCode::WrongLicense,
        A::NotActivated => ErrorCode::NotActivated,
        A::NothingToRenew => ErrorCode::NothingToRenew,
        #[cfg(feature = "client")]
        A::StoreCorrupt(_) => ErrorCode::StoreCorrupt,
        A::Io { .. } => ErrorCode::Io,
        A::DiskFull { .. } => ErrorCode::DiskFull,
        A::StoreWritableByOthers { .. } => ErrorCode::StoreWritableByOthers,
        A::Random(_) => ErrorCode::Random,
        A::BadId { .. } => ErrorCode::BadId,
        A::NoDefaultStore => ErrorCode::NoDefaultStore,
    }
}

fn license(e: &LicenseError) -> ErrorCode {
    use LicenseError as L;
    match e {
        L::Format(c) => codec(c),
        L::Signature(s) => signature(s),
        L::WrongProduct { .. } => ErrorCode::WrongProduct,
        L::Expired { .. } => ErrorCode::LicenseExpired,
        L::VersionNotCovered { .. } => ErrorCode::VersionNotCovered,
        L::UpdatesEnded { .. } => ErrorCode::UpdatesEnded,
        L::NoLicense => ErrorCode::NoLicense,
        L::Invalid(_) => ErrorCode::InvalidLicense,
        L::Policy(p) => policy(p),
        L::BadId(_) => ErrorCode::BadId,
        L::Random(_) => ErrorCode::Random,
        L::Io { .. } => ErrorCode::Io,
    }
}

fn license_key(e: &LicenseKeyError) -> ErrorCode {
    match e {
        LicenseKeyError::Empty | LicenseKeyError::WrongLength { .. } => ErrorCode::LicenseKeyLength,
        LicenseKeyError::BadCharacter { .. } => ErrorCode::LicenseKeyCharacter,
        LicenseKeyError::Typo => ErrorCode::LicenseKeyTypo,
    }
}

fn simulate(e: &SimulateError) -> ErrorCode {
    use SimulateError as S;
    match e {
        S::Policy(p) => policy(p),
        S::Read { .. } => ErrorCode::Io,
        S::Capture { .. } => ErrorCode::BadCapture,
        S::WrongProduct { .. } | S::MixedProducts { .. } => ErrorCode::DifferentProducts,
        S::Weights(_) | S::BadRange { .. } => ErrorCode::BadPolicy,
        S::NoMachines | S::EmptyHistory { .. } | S::TooManyCaptures { .. } | S::RawMismatch { .. } => {
            ErrorCode::BadHistory
        }
    }
}

fn compare(e: &CompareError) -> ErrorCode {
    match e {
        CompareError::DifferentProducts { .. } => ErrorCode::DifferentProducts,
    }
}

fn policy(e: &PolicyError) -> ErrorCode {
    match e {
        PolicyError::PartialAboveDefault { .. } | PolicyError::MinKindsTooLarge(_) => ErrorCode::BadPolicy,
    }
}

fn implausible(e: &Implausible) -> ErrorCode {
    match e {
        Implausible::Weak(_) => ErrorCode::WeakProfile,
        Implausible::TooManyInstances { .. } => ErrorCode::ImplausibleProfile,
    }
}

fn capture(e: &CaptureError) -> ErrorCode {
    match e {
        CaptureError::TooLarge(_) => ErrorCode::TooLarge,
        CaptureError::Malformed(_) | CaptureError::UnknownVersion(_) | CaptureError::FingerprintMismatch => {
            ErrorCode::BadCapture
        }
    }
}

fn profile(e: &ProfileError) -> ErrorCode {
    match e {
        ProfileError::TooLong(_) => ErrorCode::TooLarge,
        ProfileError::TrailingBytes(_) => ErrorCode::TrailingBytes,
        ProfileError::NotCanonical(_) => ErrorCode::NotCanonical,
        ProfileError::Malformed(_) | ProfileError::TooManyInstances(_) | ProfileError::Width(_) => {
            ErrorCode::BadProfile
        }
    }
}

fn signature(e: &SignatureError) -> ErrorCode {
    match e {
        SignatureError::Format(c) => codec(c),
        SignatureError::UnknownKey { .. } => ErrorCode::UnknownKey,
        SignatureError::BadSignature { .. } => ErrorCode::BadSignature,
    }
}

fn key(e: &KeyError) -> ErrorCode {
    match e {
        KeyError::Random(_) => ErrorCode::Random,
        KeyError::Format(c) => codec(c),
        KeyError::InvalidKey(_) => ErrorCode::InvalidKey,
        KeyError::NotCanonical => ErrorCode::NotCanonical,
        KeyError::Exists(_) => ErrorCode::KeyExists,
        KeyError::Io { .. } => ErrorCode::Io,
        KeyError::DiskFull(_) => ErrorCode::DiskFull,
    }
}

fn codec(e: &CodecError) -> ErrorCode {
    use CodecError as C;
    match e {
        C::TooLarge { .. } | C::TooLargeText { .. } => ErrorCode::TooLarge,
        C::Truncated { .. } => ErrorCode::Truncated,
        C::TrailingBytes { .. } => ErrorCode::TrailingBytes,
        C::NotNodelock { .. } => ErrorCode::NotNodelock,
        C::WrongType { .. } => ErrorCode::WrongType,
        C::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
        C::UnknownAlgorithm { .. } => ErrorCode::UnknownAlgorithm,
        C::Malformed { .. } | C::Invalid { .. } => ErrorCode::Malformed,
        C::NotCanonical { .. } => ErrorCode::NotCanonical,
        C::NoArmour { .. } => ErrorCode::NoArmour,
        C::BadArmour(_) => ErrorCode::BadArmour,
        C::BadBase64 { .. } => ErrorCode::BadBase64,
        C::Code(c) => code(c),
    }
}

fn code(e: &CodeError) -> ErrorCode {
    match e {
        CodeError::NotACode { .. } => ErrorCode::NotACode,
        CodeError::WrongKind { .. } => ErrorCode::WrongCodeKind,
        CodeError::BadCharacter { .. } => ErrorCode::CodeTypo,
        CodeError::Checksum { .. } => ErrorCode::CodeChecksum,
        CodeError::Length { .. } => ErrorCode::CodeLength,
        CodeError::Incomplete { .. } => ErrorCode::CodeIncomplete,
        CodeError::TooManySymbols { .. } => ErrorCode::CodeTooManySymbols,
        CodeError::WrongType { .. } => ErrorCode::CodeUnknownType,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(s.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
    }

    #[test]
    fn a_wrapped_error_takes_the_code_of_what_it_wraps() {
        let wrapped = ActivationError::Code(CodeError::Length { expected: "request", problem: "too long" });
        assert_eq!(error_code(&wrapped), ErrorCode::CodeLength);
        assert_eq!(error_code(&AuthorityError::BadMessage(wrapped)), ErrorCode::CodeLength);
        assert_eq!(error_code(&std::io::Error::other("x")), ErrorCode::Io);
    }
}
