//! Privacy-preserving hardware profiles.
//!
//! A [`Profile`] holds, per [`ComponentKind`], the sorted set of keyed digests
//! `HMAC-SHA-256(product_key, "nodelock/component/v1" ‖ 0x00 ‖ kind ‖ value)`
//! truncated to 128 bits. The digests cannot be reversed into component values
//! and differ between products, so two vendors cannot link one machine. The
//! [`Fingerprint`] hashes a whole profile and has a short human form for
//! support calls. (The Profile Helper's diagnostic file is
//! [`crate::capture`].)
//!
//! A profile may be **short** ([`Profile::shortened`], [`short`]): its
//! digests cut to their first 4..=15 bytes, so that a request fits a code a
//! person can type; profiles of different widths compare at the shorter one.
//!
//! Removable devices are left out unless the caller includes them (a license's
//! policy says whether: `Policy::include_removable`). This layer knows
//! hardware and the codec, nothing of policies or licenses.

use std::fmt;

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::codec::hex::{hex, unhex};
use crate::codec::{CodecError, base32, bounded, canonical, frame};
use crate::hardware::{ComponentKind, Inventory, keep_rank};

pub mod short;

/// Domain tag of component digests.
pub const COMPONENT_DOMAIN: &[u8] = b"nodelock/component/v1";
/// Domain tag of profile fingerprints.
pub const FINGERPRINT_DOMAIN: &[u8] = b"nodelock/profile-fingerprint/v1";
/// Domain tag of product-key derivation.
pub const PRODUCT_KEY_DOMAIN: &[u8] = b"nodelock/product-key/v1";
/// The most instances of one kind a profile may hold.
pub const MAX_INSTANCES: usize = 32;
/// The most components of a kind a profile built from an inventory keeps
/// (the rule lives with the hardware, where collectors use it too).
pub use crate::hardware::kept_instances;
/// The most bytes an encoded profile may take (8 kinds × 32 digests, framed).
pub const MAX_PROFILE_LEN: usize = 8 * (2 + MAX_INSTANCES * DIGEST_LEN) + 2;
/// Length of one component digest (128 bits).
pub const DIGEST_LEN: usize = 16;

/// The per-product key of the component digests.
///
/// It is derived from the product id, so every installation of a product
/// computes the same digests and different products compute unrelated ones.
/// It is a domain separator, not a secret: it keeps profiles of different
/// vendors unlinkable, but a vendor who knows a component value can always
/// recompute its digest.
#[derive(Clone, PartialEq, Eq)]
pub struct ProductKey([u8; 32]);

impl ProductKey {
    /// The key of the product named `product_id` (e.g. `com.example.app`).
    pub fn for_product(product_id: &str) -> Self {
        let mut h = Sha256::new();
        h.update(PRODUCT_KEY_DOMAIN);
        h.update([0u8]);
        h.update(product_id.as_bytes());
        ProductKey(h.finalize().into())
    }

    /// A key given as raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        ProductKey(bytes)
    }

    /// The keyed digest of one normalised component value.
    pub fn digest(&self, kind: ComponentKind, value: &str) -> Digest {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(COMPONENT_DOMAIN);
        mac.update(&[0u8, kind.index() as u8]);
        mac.update(value.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; DIGEST_LEN];
        out.copy_from_slice(&full[..DIGEST_LEN]);
        Digest(out)
    }
}

impl fmt::Debug for ProductKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProductKey({})", hex(&self.0[..4]))
    }
}

/// A 128-bit keyed digest of one component value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; DIGEST_LEN]);

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", hex(&self.0))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.serialize_str(&hex(&self.0)) } else { self.0.serialize(s) }
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            unhex::<DIGEST_LEN>(&s)
                .map(Digest)
                .ok_or_else(|| serde::de::Error::custom("a digest is 32 hexadecimal digits"))
        } else {
            <[u8; DIGEST_LEN]>::deserialize(d).map(Digest)
        }
    }
}

/// The digests of one kind, on the wire.
#[derive(Serialize, Deserialize)]
struct KindEntry {
    kind: ComponentKind,
    #[serde(deserialize_with = "bounded::vec::<_, _, MAX_INSTANCES>")]
    digests: Vec<Digest>,
}

/// A machine's hardware profile: per kind, the sorted set of component digests.
///
/// Encoding (postcard, see `docs/FORMAT.md`): a sequence of `(kind, digests)`
/// entries for the kinds that have at least one digest, kinds strictly
/// increasing, digests strictly increasing. Decoding rejects any other order,
/// empty entries and more than [`MAX_INSTANCES`] digests per kind, so every
/// profile has exactly one encoding and one fingerprint.
///
/// A profile has a digest **width**: [`DIGEST_LEN`] (full) or, for a short
/// profile, 4..=15 bytes; a short digest keeps its first `width` bytes and
/// zeros after them. The width is part of the value (a short profile is not
/// equal to the full one it was cut from) and of its encodings: the serde
/// (postcard) form above is that of full profiles; short ones have their own
/// ([`short`]), and [`to_bytes`](Self::to_bytes) gives either.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Profile {
    width: u8,
    kinds: [Vec<Digest>; ComponentKind::COUNT],
}

impl Default for Profile {
    fn default() -> Self {
        Profile { width: DIGEST_LEN as u8, kinds: Default::default() }
    }
}

impl Profile {
    /// Builds the profile of `inventory` under `key`. Removable components are
    /// left out unless `include_removable` (a license's
    /// `policy.include_removable`).
    ///
    /// A multi-instance kind keeps at most [`kept_instances`] components,
    /// chosen the same way on every run: plain ones before virtual or locally administered
    /// ones, those before removable ones, and within each group by value. So
    /// a machine with 64 network adapters has a profile of 16 of them — its
    /// plain physical adapters with the lowest addresses — and can be
    /// activated, where hashing them all made it implausible.
    pub fn build(inventory: &Inventory, key: &ProductKey, include_removable: bool) -> Self {
        let mut chosen: [Vec<(u8, &str)>; ComponentKind::COUNT] = Default::default();
        for c in &inventory.components {
            let removable = c.flags.exclusion().is_some();
            if removable && !include_removable {
                continue;
            }
            chosen[c.kind.index()].push((keep_rank(&c.flags), c.value.as_str()));
        }
        let mut profile = Profile::default();
        for (i, set) in chosen.iter_mut().enumerate() {
            let kind = ComponentKind::ALL[i];
            // One value listed twice counts once, in its best group.
            set.sort_unstable_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)));
            set.dedup_by(|later, first| later.1 == first.1);
            set.sort_unstable();
            // A single-instance kind listed twice is two machines' (or a
            // made-up) component: both are kept, for the plausibility rule
            // to refuse, rather than one chosen silently.
            let keep = kept_instances(kind);
            set.truncate(if keep > 1 { keep } else { MAX_INSTANCES });
            let digests = &mut profile.kinds[i];
            digests.extend(set.iter().map(|(_, value)| key.digest(kind, value)));
            digests.sort_unstable();
            digests.dedup();
        }
        profile
    }

    /// Builds a profile from digests given per kind (sorted and de-duplicated
    /// here). Fails when a kind has more than [`MAX_INSTANCES`] digests.
    pub fn from_digests(
        entries: impl IntoIterator<Item = (ComponentKind, Digest)>,
    ) -> Result<Self, ProfileError> {
        let mut profile = Profile::default();
        for (kind, digest) in entries {
            profile.kinds[kind.index()].push(digest);
        }
        for (i, set) in profile.kinds.iter_mut().enumerate() {
            set.sort_unstable();
            set.dedup();
            if set.len() > MAX_INSTANCES {
                return Err(ProfileError::TooManyInstances(ComponentKind::ALL[i]));
            }
        }
        Ok(profile)
    }

    /// The width of its digests in bytes: [`DIGEST_LEN`] unless short.
    pub fn width(&self) -> usize {
        usize::from(self.width)
    }

    /// Whether its digests are shortened ([`shortened`](Self::shortened)).
    pub fn is_short(&self) -> bool {
        self.width() < DIGEST_LEN
    }

    /// The sorted digests of `kind`.
    pub fn digests(&self, kind: ComponentKind) -> &[Digest] {
        &self.kinds[kind.index()]
    }

    /// The number of distinct kinds with at least one digest.
    pub fn kind_count(&self) -> usize {
        self.kinds.iter().filter(|s| !s.is_empty()).count()
    }

    /// Whether the profile holds no digest at all.
    pub fn is_empty(&self) -> bool {
        self.kind_count() == 0
    }

    /// The canonical encoding: the postcard form of a full profile, the
    /// stored form ([`short::STORED_MARK`] then the short form) of a short one.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.is_short() {
            return short::to_stored(self);
        }
        postcard::to_allocvec(self).unwrap_or_else(|_| unreachable!("a full profile always encodes"))
    }

    /// Decodes a canonical encoding (full or stored short form), refusing
    /// anything longer than [`MAX_PROFILE_LEN`] before decoding it, any
    /// trailing bytes, and integers (counts, kind indexes) not in their
    /// shortest varint form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProfileError> {
        if bytes.len() > MAX_PROFILE_LEN {
            return Err(ProfileError::TooLong(bytes.len()));
        }
        if let Some((&short::STORED_MARK, rest)) = bytes.split_first() {
            return short::from_stored(rest);
        }
        let profile =
            frame::decode_exact_postcard::<Profile>(bytes, "hardware profile").map_err(|e| match e {
                CodecError::TrailingBytes { count, .. } => ProfileError::TrailingBytes(count),
                CodecError::NotCanonical { rule, .. } => ProfileError::NotCanonical(rule),
                CodecError::Malformed { source, .. } => ProfileError::Malformed(source),
                // The postcard decoder reports nothing else.
                _ => ProfileError::Malformed(postcard::Error::SerdeDeCustom),
            })?;
        // An overlong varint (`80 00` for 0) is refused by the one reader
        // (`codec::reader`), like in every other message.
        Ok(profile)
    }

    /// The fingerprint of this profile.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(FINGERPRINT_DOMAIN);
        h.update(self.to_bytes());
        Fingerprint(h.finalize().into())
    }

    fn entries(&self) -> Vec<KindEntry> {
        ComponentKind::ALL
            .into_iter()
            .filter(|k| !self.digests(*k).is_empty())
            .map(|kind| KindEntry { kind, digests: self.digests(kind).to_vec() })
            .collect()
    }

    fn from_entries(entries: Vec<KindEntry>) -> Result<Self, ProfileError> {
        let mut profile = Profile::default();
        let mut last_kind: Option<ComponentKind> = None;
        for entry in entries {
            if last_kind.is_some_and(|k| k >= entry.kind) {
                return Err(ProfileError::NotCanonical("kinds are not strictly increasing"));
            }
            last_kind = Some(entry.kind);
            if entry.digests.is_empty() {
                return Err(ProfileError::NotCanonical("a kind has no digests"));
            }
            if entry.digests.windows(2).any(|w| w[0] >= w[1]) {
                return Err(ProfileError::NotCanonical("digests are not strictly increasing"));
            }
            profile.kinds[entry.kind.index()] = entry.digests;
        }
        Ok(profile)
    }
}

/// The full form only: a short profile is written by [`short::serialize`]
/// (inside the messages that carry one) or [`Profile::to_bytes`].
impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_short() {
            return Err(serde::ser::Error::custom("a short profile has only its own encoding"));
        }
        self.entries().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = bounded::vec::<_, KindEntry, { ComponentKind::COUNT }>(d)?;
        // Refused as a typed rule, so a message holding this profile (a
        // request, a certificate) reports it as not canonical, not malformed.
        Profile::from_entries(entries).map_err(|e| match e {
            ProfileError::NotCanonical(rule) => canonical::reject(rule),
            other => serde::de::Error::custom(other),
        })
    }
}

/// A profile that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The encoding is longer than any profile can be.
    #[error("the hardware profile is {0} bytes long, more than any profile can be; the data is corrupt")]
    TooLong(usize),
    /// The encoding is not a profile.
    #[error("the hardware profile is malformed ({0}); the data is corrupt")]
    Malformed(postcard::Error),
    /// Bytes follow the profile.
    #[error("{0} unexpected bytes follow the hardware profile; the data is corrupt")]
    TrailingBytes(usize),
    /// The profile is not in canonical order.
    #[error("the hardware profile is not in canonical form: {0}")]
    NotCanonical(&'static str),
    /// A short profile's digests are narrower than [`short::MIN_WIDTH`] or
    /// not narrower than a full digest.
    #[error(
        "the hardware profile's digests are {0} bytes wide; a short profile's are 4 to 15 bytes; the data is corrupt"
    )]
    Width(usize),
    /// More than [`MAX_INSTANCES`] digests for one kind.
    #[error("the hardware profile lists more than {MAX_INSTANCES} instances of {0}")]
    TooManyInstances(ComponentKind),
}

/// The SHA-256 fingerprint of a whole [`Profile`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The short human form for support calls: the first 80 bits in Crockford
    /// base32, as four groups of four (`7KQ2-M9XD-4HT0-ABCD`).
    pub fn code(&self) -> String {
        let chars = base32::encode(&self.0[..10]);
        chars
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.code())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.serialize_str(&hex(&self.0)) } else { self.0.serialize(s) }
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            unhex::<32>(&s)
                .map(Fingerprint)
                .ok_or_else(|| serde::de::Error::custom("a fingerprint is 64 hexadecimal digits"))
        } else {
            <[u8; 32]>::deserialize(d).map(Fingerprint)
        }
    }
}
