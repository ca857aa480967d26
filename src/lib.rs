//! # nodelock
//!
//! Node-locked licensing for Rust applications: a vendor links nodelock into
//! the application it sells and, at start-up, asks one question — *may this
//! copy run on this machine?* — and gets a precise, explainable answer, offline.
//!
//! The layers, in import order, lowest first: a layer imports only layers
//! listed before it, never one listed after it (the import graph has no
//! circle).
//!
//! 1. [`timestamp`] and [`fsio`]: time, and durable atomic file writes.
//! 2. [`codec`]: pure bytes — the one registry of domain tags, the
//!    [`Message`](codec::Message) trait with its one exact decoder, armour,
//!    offline codes, the one text reader, base32, hex, capped serde helpers.
//! 3. [`keys`]: Ed25519 keys with key ids, trusted key sets, key files.
//! 4. [`signed`]: the signed envelope (seal / open) and its
//!    [`SignatureError`](signed::SignatureError).
//! 5. [`hardware`]: collect the eight component kinds of this machine into an
//!    [`Inventory`].
//! 6. [`profile`]: turn an inventory into keyed, irreversible digests;
//!    [`capture`]: the Profile Helper's diagnostic file.
//! 7. [`policy`] and [`compare()`]: the DeployLX weighted comparison of a stored
//!    and a current profile.
//! 8. [`license`]: signed licenses and the release-version rule.
//! 9. [`activation`]: requests, certificates, receipts, the durable store
//!    with its location stamp, and the [`Validator`](activation::Validator).
//! 10. [`simulate`]: replay machines' hardware histories against a policy —
//!     false reactivations, false accepts, the recommended tolerance.
//! 11. [`authority`]: the vendor's side — licenses, seats, activations and
//!     history in a ledger (in memory always; SQLite with feature `authority`).
//! 12. [`codes`]: the stable error code of every error above, for
//!     `--json` output and services.
//! 13. [`wire`]: the online service's JSON bodies, one definition for both
//!     ends (always compiled: plain data, so a fuzz target and a vendor's own
//!     service can read them without the HTTP stack).
//! 14. `online` (feature `online`): the blocking HTTP client — activate,
//!     renew when due, deactivate — beside `server` (feature `server`): the
//!     HTTP activation service over the authority.
//! 15. `cli` (feature `cli`): argument parsing and presentation only.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod activation;
pub mod authority;
pub mod capture;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codec;
pub mod codes;
pub mod compare;
pub mod fsio;
pub mod hardware;
pub mod keys;
pub mod license;
#[cfg(feature = "online")]
pub mod online;
pub mod policy;
pub mod profile;
#[cfg(feature = "server")]
pub mod server;
pub mod signed;
pub mod simulate;
pub mod timestamp;
pub mod wire;

pub use compare::{
    Change, CompareError, Comparison, KindChange, WeightRule, compare, compare_captures, compare_read,
};
pub use hardware::{Collector, Component, ComponentKind, Environment, Inventory};
pub use keys::{KeyId, PublicKey, SecretKey, TrustedKeys};
pub use license::{License, LicenseId, SignedLicense};
pub use policy::{Policy, Weights};
pub use profile::{Fingerprint, ProductKey, Profile};
pub use timestamp::Timestamp;

/// The README's code, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
