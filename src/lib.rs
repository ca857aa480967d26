//! # nodelock
//!
//! Node-locked licensing for Rust applications: a vendor links nodelock into
//! the application it sells and, at start-up, asks one question — *may this
//! copy run on this machine?* — and gets a precise, explainable answer, offline.
//!
//! The layers, lowest first (a layer never imports a higher one):
//!
//! - [`hardware`]: collect the eight component kinds of this machine into an
//!   [`Inventory`].
//! - [`profile`]: turn an inventory into keyed, irreversible digests.
//! - [`policy`] and [`compare()`]: the DeployLX weighted comparison of a stored
//!   and a current profile.
//! - [`codec`] and [`keys`]: domain-separated signed envelopes, armour, Ed25519
//!   keys with key ids.
//! - [`license`]: signed licenses and the release-version rule.
//! - [`activation`]: requests, certificates, receipts, offline codes, the
//!   durable store with its location stamp, and the [`Validator`](activation::Validator).
//! - `authority` (feature `authority`): the vendor's side — licenses, seats,
//!   activations and history in a ledger (SQLite by default).
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod activation;
#[cfg(feature = "authority")]
pub mod authority;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codec;
pub mod compare;
pub mod fsio;
pub mod hardware;
pub mod keys;
pub mod license;
pub mod policy;
pub mod profile;
pub mod timestamp;

pub use compare::{Change, CompareError, Comparison, KindChange, WeightRule, compare, compare_captures};
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
