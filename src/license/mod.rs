//! Signed licenses.
//!
//! A [`License`] is what a vendor grants: product, licensee, seats, expiry,
//! release version, product-version limits, the comparison [`Policy`], and
//! entitlements. [`License::sign`] wraps it in the signed envelope of
//! [`crate::signed`] under the tag `nodelock/license/v1`;
//! [`SignedLicense::from_armoured`] verifies the signature with a
//! [`TrustedKeys`] set *before* decoding anything. The [`source`] module
//! applies the release-version rule between the license compiled into the
//! application and the one on disk. A [`LicenseKey`] (`key`) is the short
//! text an end user can type instead of handling the license file.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::codec::hex::{hex, unhex};
use crate::codec::{Message, armour, bounded, tag, text};
use crate::keys::{KeyId, SecretKey, TrustedKeys};
use crate::policy::{Policy, PolicyError};
use crate::signed::{self, SignatureError};
use crate::timestamp::Timestamp;

pub mod error;
pub mod key;
pub mod lease;
pub mod source;
pub mod version;

pub use error::LicenseError;
pub use key::{LicenseKey, LicenseKeyError};
pub use lease::LicenseV2;
use lease::open_any;
pub use source::{LicenseSource, Origin, Resolved, Supersession};
pub use version::{AppInfo, Version};

/// The largest license envelope accepted.
pub const MAX_LICENSE_LEN: usize = 16 * 1024;
/// The longest product id.
pub const MAX_PRODUCT_LEN: usize = 128;
/// The longest licensee name.
pub const MAX_LICENSEE_LEN: usize = 256;
/// The most entitlement entries.
pub const MAX_FEATURES: usize = 64;
/// The longest entitlement key.
pub const MAX_FEATURE_KEY_LEN: usize = 64;
/// The longest entitlement value.
pub const MAX_FEATURE_VALUE_LEN: usize = 256;
/// Default clock tolerance: a day, so time zones, DST and NTP corrections
/// never look like a clock set back.
pub const DEFAULT_CLOCK_TOLERANCE_SECS: u32 = 24 * 3600;
/// Default temporary-activation length when temporary activations are enabled.
pub const DEFAULT_TEMPORARY_DAYS: u16 = 90;
/// Default grace after a lease ends, in days: the certificate still
/// validates (with a warning) while the machine gets its renewal through.
pub const DEFAULT_GRACE_DAYS: u16 = 7;

const fn default_grace_days() -> u16 {
    DEFAULT_GRACE_DAYS
}

/// A license id: 16 random bytes, shown like a UUID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LicenseId(pub [u8; 16]);

impl Serialize for LicenseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_str(self) } else { self.0.serialize(s) }
    }
}

impl<'de> Deserialize<'de> for LicenseId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            <[u8; 16]>::deserialize(d).map(LicenseId)
        }
    }
}

impl LicenseId {
    /// A fresh random id.
    pub fn generate() -> Result<Self, LicenseError> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(LicenseError::Random)?;
        Ok(LicenseId(id))
    }
}

impl fmt::Display for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = hex(&self.0);
        write!(f, "{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }
}

impl fmt::Debug for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenseId({self})")
    }
}

impl FromStr for LicenseId {
    type Err = LicenseError;

    /// Parses 32 hex digits, with or without the dashes.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let compact: String = s.trim().chars().filter(|c| *c != '-').collect();
        unhex::<16>(&compact).map(LicenseId).ok_or_else(|| LicenseError::BadId(s.to_owned()))
    }
}

/// The terms a vendor grants. Field order is the wire order (`docs/FORMAT.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// Stays the same across re-issues.
    pub id: LicenseId,
    /// The product this license is for (e.g. `com.example.app`).
    #[serde(deserialize_with = "bounded::string::<_, MAX_PRODUCT_LEN>")]
    pub product: String,
    /// Who the license was issued to.
    #[serde(deserialize_with = "bounded::string::<_, MAX_LICENSEE_LEN>")]
    pub licensee: String,
    /// When this release of the license was issued.
    pub issued_at: Timestamp,
    /// When the license stops being valid, if ever.
    pub expires_at: Option<Timestamp>,
    /// Starts at 1 and increases by one on every re-issue.
    pub release_version: u32,
    /// The newest product version this license covers (wildcards allowed).
    pub max_product_version: Option<Version>,
    /// Builds of the product made after this date are not covered ("updates until").
    pub updates_until: Option<Timestamp>,
    /// How many machines may hold a permanent activation at once.
    pub seats: u32,
    /// How many one-time transfers each seat allows.
    pub transfers_per_seat: u32,
    /// Length of temporary activations granted when every seat is taken; 0
    /// disables them.
    pub temporary_days: u16,
    /// How hardware profiles are compared.
    pub policy: Policy,
    /// How far the clock may go back behind the last validated time before
    /// it is reported as set back.
    pub clock_tolerance_secs: u32,
    /// Feature flags and key-value entitlements.
    #[serde(deserialize_with = "bounded::map::<_, String, String, MAX_FEATURES>")]
    pub features: BTreeMap<String, String>,
    /// How long a certificate runs before it must be renewed, in days; 0
    /// (the default) makes certificates perpetual. Not part of the version 1
    /// payload: a license with a lease is signed as `nodelock/license/v2`
    /// ([`LicenseV2`]), whose payload appends it and `grace_days`.
    #[serde(skip)]
    pub lease_days: u16,
    /// How long after its lease ends a certificate still validates, with a
    /// warning, in days (default 7). Meaningful only with a lease; a version
    /// 1 license reads back with the default.
    #[serde(skip, default = "default_grace_days")]
    pub grace_days: u16,
}

impl License {
    /// A license for `seats` seats of `product` issued to `licensee` at
    /// `issued_at`, with release version 1, the default policy, one transfer
    /// per seat, no temporary activations, no expiry and no version limits.
    pub fn new(
        id: LicenseId,
        product: impl Into<String>,
        licensee: impl Into<String>,
        seats: u32,
        issued_at: Timestamp,
    ) -> Self {
        License {
            id,
            product: product.into(),
            licensee: licensee.into(),
            issued_at,
            expires_at: None,
            release_version: 1,
            max_product_version: None,
            updates_until: None,
            seats,
            transfers_per_seat: 1,
            temporary_days: 0,
            policy: Policy::default(),
            clock_tolerance_secs: DEFAULT_CLOCK_TOLERANCE_SECS,
            features: BTreeMap::new(),
            lease_days: 0,
            grace_days: DEFAULT_GRACE_DAYS,
        }
    }

    /// The next release of this license: same id and terms, release version
    /// + 1, issued at `now`. Change the terms on the result before signing.
    pub fn reissue(&self, now: Timestamp) -> Result<License, LicenseError> {
        let release_version = self.release_version.checked_add(1).ok_or(LicenseError::Invalid(
            "the release version cannot grow any further; issue a new license",
        ))?;
        Ok(License { release_version, issued_at: now, ..self.clone() })
    }

    /// Checks the rules every license obeys (also applied when decoding);
    /// the error names the broken rule.
    pub fn check_rules(&self) -> Result<(), &'static str> {
        if self.product.is_empty() || self.product.len() > MAX_PRODUCT_LEN {
            return Err(rule::PRODUCT);
        }
        if self.licensee.len() > MAX_LICENSEE_LEN {
            return Err(rule::LICENSEE);
        }
        if self.release_version == 0 {
            return Err(rule::RELEASE);
        }
        if self.seats == 0 {
            return Err(rule::SEATS);
        }
        if self.features.len() > MAX_FEATURES {
            return Err(rule::FEATURES);
        }
        if self
            .features
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > MAX_FEATURE_KEY_LEN || v.len() > MAX_FEATURE_VALUE_LEN)
        {
            return Err(rule::FEATURE_SIZE);
        }
        if self.expires_at.is_some_and(|e| e <= self.issued_at) {
            return Err(rule::EXPIRY);
        }
        self.policy.validate().map_err(|e| match e {
            PolicyError::PartialAboveDefault { .. } => rule::PARTIAL_WEIGHT,
            PolicyError::MinKindsTooLarge(_) => rule::MIN_KINDS,
        })
    }

    /// Signs the license with the vendor's key.
    pub fn sign(&self, key: &SecretKey) -> Result<SignedLicense, LicenseError> {
        // The policy first: its own error names the kind and the weights.
        self.policy.validate()?;
        self.check_rules().map_err(LicenseError::Invalid)?;
        let bytes = if self.lease_days == 0 {
            signed::seal(self, key)
        } else {
            signed::seal(&LicenseV2::of(self.clone()), key)
        };
        Ok(SignedLicense { bytes, license: self.clone(), key_id: key.key_id() })
    }

    /// Whether the license has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }

    /// The entitlement `key`, if granted.
    pub fn feature(&self, key: &str) -> Option<&str> {
        self.features.get(key).map(String::as_str)
    }

    /// Checks the license against the running application and the time:
    /// product, expiry, maximum product version and "updates until".
    pub fn check_for(&self, app: &AppInfo, now: Timestamp) -> Result<(), LicenseError> {
        self.check_product(&app.product)?;
        self.check_terms(app, now)
    }

    /// Checks that the license is for `product`.
    pub fn check_product(&self, product: &str) -> Result<(), LicenseError> {
        if self.product != product {
            return Err(LicenseError::WrongProduct {
                expected: product.to_owned(),
                found: self.product.clone(),
            });
        }
        Ok(())
    }

    /// Checks the license's terms against the running application and the
    /// time — expiry, maximum product version and "updates until" — but not
    /// the product (see [`check_product`](Self::check_product); the
    /// [`source`] resolver checks it once).
    pub fn check_terms(&self, app: &AppInfo, now: Timestamp) -> Result<(), LicenseError> {
        if let Some(at) = self.expires_at.filter(|_| self.is_expired(now)) {
            return Err(LicenseError::Expired { at });
        }
        if let Some(max) = self.max_product_version.filter(|max| app.version > *max) {
            return Err(LicenseError::VersionNotCovered { max, running: app.version });
        }
        if let Some(until) = self.updates_until.filter(|until| app.build_date > *until) {
            return Err(LicenseError::UpdatesEnded { until, build_date: app.build_date });
        }
        Ok(())
    }
}

/// The rules [`License::check_rules`] names (their numbers are the `MAX_*`
/// constants of this module).
mod rule {
    pub(super) const PRODUCT: &str = "the product id must be 1 to 128 bytes";
    pub(super) const LICENSEE: &str = "the licensee must be at most 256 bytes";
    pub(super) const RELEASE: &str = "the release version starts at 1";
    pub(super) const SEATS: &str = "a license needs at least one seat";
    pub(super) const FEATURES: &str = "at most 64 features";
    pub(super) const FEATURE_SIZE: &str = "feature keys are 1 to 64 bytes and values at most 256";
    pub(super) const EXPIRY: &str = "the license would expire before it was issued";
    pub(super) const PARTIAL_WEIGHT: &str = "a partial weight is greater than the default weight of its kind";
    pub(super) const MIN_KINDS: &str = "min_kinds is greater than the number of component kinds";
    pub(super) const V2_WITHOUT_LEASE: &str =
        "a version 2 license has a lease (lease_days 0 is written as version 1)";
}

/// A license is signed by the vendor: it is read only through [`signed::open`].
impl Message for License {
    const TAG: tag::Tag = tag::LICENSE;
    const MAX_LEN: usize = MAX_LICENSE_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        self.check_rules()
    }
}

/// A license together with its signed bytes: either just issued, or read and
/// verified against trusted keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLicense {
    bytes: Vec<u8>,
    license: License,
    key_id: KeyId,
}

impl SignedLicense {
    /// Verifies envelope bytes against `trusted`, then decodes them.
    pub fn from_bytes(bytes: &[u8], trusted: &TrustedKeys) -> Result<Self, LicenseError> {
        let opened = open_any(
            bytes,
            |b| signed::open::<License>(b, trusted),
            |b| signed::open::<LicenseV2>(b, trusted),
        )?;
        Ok(SignedLicense { bytes: bytes.to_vec(), license: opened.message, key_id: opened.key_id })
    }

    /// Verifies an armoured license against `trusted`, then decodes it.
    pub fn from_armoured(text: &str, trusted: &TrustedKeys) -> Result<Self, LicenseError> {
        Self::from_bytes(&armour::decode(text, tag::LICENSE, MAX_LICENSE_LEN)?, trusted)
    }

    /// Verifies a license given as armoured text or as envelope bytes (the
    /// one text reader, [`text::read`]), then decodes it.
    pub fn from_text_or_bytes(data: &[u8], trusted: &TrustedKeys) -> Result<Self, LicenseError> {
        Self::from_bytes(&text::read::<License>(data)?, trusted)
    }

    /// Decodes an armoured license **without** verifying it, for display
    /// only: nothing in the result may be trusted.
    pub fn inspect_unverified(text: &str) -> Result<(License, KeyId), LicenseError> {
        let bytes = armour::decode(text, tag::LICENSE, MAX_LICENSE_LEN)?;
        let opened = open_any(
            &bytes,
            |b| signed::decode_unverified::<License>(b).map_err(SignatureError::from),
            |b| signed::decode_unverified::<LicenseV2>(b).map_err(SignatureError::from),
        )?;
        Ok((opened.message, opened.key_id))
    }

    /// The license.
    pub fn license(&self) -> &License {
        &self.license
    }

    /// The id of the key that signed it.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The envelope bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The armoured text form.
    pub fn to_armoured(&self) -> String {
        armour::encode(tag::LICENSE, &self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> License {
        let mut l =
            License::new(LicenseId([9; 16]), "com.example.app", "ACME Corp", 5, Timestamp(1_700_000_000));
        l.features.insert("edition".into(), "pro".into());
        l
    }

    #[test]
    fn sign_verify_round_trip() {
        let key = SecretKey::from_seed(&[3; 32]);
        let signed = sample().sign(&key).unwrap();
        let trusted = TrustedKeys::single(key.public_key().clone());
        let read = SignedLicense::from_armoured(&signed.to_armoured(), &trusted).unwrap();
        assert_eq!(read.license(), &sample());
        assert_eq!(read.key_id(), key.key_id());
        assert_eq!(read.license().feature("edition"), Some("pro"));
    }

    #[test]
    fn unknown_key_and_bad_signature_are_distinct() {
        let key = SecretKey::from_seed(&[3; 32]);
        let other = SecretKey::from_seed(&[4; 32]);
        let signed = sample().sign(&key).unwrap();
        let err =
            SignedLicense::from_bytes(signed.as_bytes(), &TrustedKeys::single(other.public_key().clone()));
        assert!(matches!(err, Err(LicenseError::Signature(SignatureError::UnknownKey { .. }))));
        let mut bytes = signed.as_bytes().to_vec();
        let n = bytes.len();
        bytes[n - 70] ^= 0x01; // inside the payload
        let err = SignedLicense::from_bytes(&bytes, &TrustedKeys::single(key.public_key().clone()));
        assert!(matches!(err, Err(LicenseError::Signature(SignatureError::BadSignature { .. }))), "{err:?}");
    }

    #[test]
    fn checks_against_the_application() {
        let mut l = sample();
        l.expires_at = Some(Timestamp(1_800_000_000));
        l.max_product_version = Some(Version::parse_limit("3").unwrap());
        l.updates_until = Some(Timestamp(1_750_000_000));
        let app = AppInfo::new("com.example.app", Version::new(3, 4, 0), Timestamp(1_740_000_000));
        l.check_for(&app, Timestamp(1_760_000_000)).unwrap();
        assert!(matches!(l.check_for(&app, Timestamp(1_800_000_000)), Err(LicenseError::Expired { .. })));
        let v4 = AppInfo { version: Version::new(4, 0, 0), ..app.clone() };
        assert!(matches!(
            l.check_for(&v4, Timestamp(1_760_000_000)),
            Err(LicenseError::VersionNotCovered { .. })
        ));
        let late = AppInfo { build_date: Timestamp(1_750_000_001), ..app.clone() };
        assert!(matches!(
            l.check_for(&late, Timestamp(1_760_000_000)),
            Err(LicenseError::UpdatesEnded { .. })
        ));
        let other = AppInfo { product: "com.example.other".into(), ..app };
        let err = l.check_for(&other, Timestamp(1_760_000_000)).unwrap_err();
        assert!(err.to_string().contains("issued for product `com.example.app`"), "{err}");
    }

    #[test]
    fn reissue_keeps_id_and_bumps_release() {
        let l = sample();
        let r = l.reissue(Timestamp(1_710_000_000)).unwrap();
        assert_eq!((r.id, r.release_version, r.issued_at), (l.id, 2, Timestamp(1_710_000_000)));
    }

    #[test]
    fn invalid_terms_are_not_signed() {
        let key = SecretKey::from_seed(&[3; 32]);
        let mut l = sample();
        l.seats = 0;
        assert!(matches!(l.sign(&key), Err(LicenseError::Invalid(rule::SEATS))));
        let mut l = sample();
        l.policy.min_kinds = 9;
        assert!(matches!(l.sign(&key), Err(LicenseError::Policy(PolicyError::MinKindsTooLarge(9)))));
        assert_eq!(l.check_rules(), Err(rule::MIN_KINDS));
    }

    #[test]
    fn rule_texts_state_the_limits_in_force() {
        assert!(rule::PRODUCT.ends_with(&format!("1 to {MAX_PRODUCT_LEN} bytes")));
        assert!(rule::LICENSEE.ends_with(&format!("at most {MAX_LICENSEE_LEN} bytes")));
        assert_eq!(rule::FEATURES, format!("at most {MAX_FEATURES} features"));
        assert_eq!(
            rule::FEATURE_SIZE,
            format!(
                "feature keys are 1 to {MAX_FEATURE_KEY_LEN} bytes and values at most {MAX_FEATURE_VALUE_LEN}"
            )
        );
    }

    #[test]
    fn licenses_read_from_armour_or_bytes() {
        let key = SecretKey::from_seed(&[3; 32]);
        let signed = sample().sign(&key).unwrap();
        let trusted = TrustedKeys::single(key.public_key().clone());
        for data in [signed.to_armoured().into_bytes(), signed.as_bytes().to_vec()] {
            assert_eq!(SignedLicense::from_text_or_bytes(&data, &trusted).unwrap(), signed);
        }
    }

    #[test]
    fn license_ids_parse_with_or_without_dashes() {
        let id = LicenseId([0xab; 16]);
        assert_eq!(id.to_string().parse::<LicenseId>().unwrap(), id);
        assert_eq!(hex(&id.0).parse::<LicenseId>().unwrap(), id);
        assert!("xyz".parse::<LicenseId>().is_err());
    }
}
