//! Short profiles: the same keyed digests cut to their first `width` bytes
//! (`docs/FORMAT.md` §8.5), so an activation request fits a code a person can
//! type.
//!
//! A profile's width is part of its value: a short profile is another
//! profile than the full one it was cut from, with its own encodings — the
//! **short form** inside version 2 requests and version 3 certificates, and
//! the **stored form** (`FF` then the short form) where a profile is kept on
//! its own (ledgers, the store's pending requests). Profiles of different
//! widths are compared at the shorter width ([`crate::compare()`]).
//!
//! Short form: `width (1 byte, 4..=15) ‖ varint n ‖ n × (varint kind ‖
//! varint len ‖ len bytes)`, kinds strictly increasing, each entry's bytes
//! one to [`MAX_INSTANCES`] digests of `width` bytes, strictly increasing.
//! Anything else is refused, so every short profile has one encoding.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DIGEST_LEN, Digest, MAX_INSTANCES, Profile, ProfileError};
use crate::codec::{CodecError, bounded, canonical, frame};
use crate::hardware::ComponentKind;

/// The narrowest digest a profile may carry (32 bits). The authority finds
/// a machine's certified digests by their first 4 bytes, so no width is
/// narrower.
pub const MIN_WIDTH: usize = 4;
/// The width of the digests in the requests nodelock makes by default (a
/// version 2 request, `docs/FORMAT.md` §9.6).
pub const REQUEST_WIDTH: usize = 4;
/// The first byte of a short profile's stored form (never the first byte of
/// a full profile, whose first byte is its kind count, 0..=8).
pub const STORED_MARK: u8 = 0xFF;
/// The longest short form: a width, 8 kinds of 32 digests of 15 bytes.
pub const MAX_SHORT_LEN: usize = 2 + 8 * (1 + 2 + MAX_INSTANCES * (DIGEST_LEN - 1));

impl Profile {
    /// The same profile with every digest cut to its first `width` bytes
    /// (clamped to [`MIN_WIDTH`]..=[`width`](Self::width): a profile
    /// is never widened). Two digests equal after the cut count once.
    pub fn shortened(&self, width: usize) -> Profile {
        let w = width.clamp(MIN_WIDTH, self.width());
        if w == self.width() {
            return self.clone();
        }
        let mut out = Profile { width: w as u8, kinds: Default::default() };
        for (i, set) in self.kinds.iter().enumerate() {
            let cut = &mut out.kinds[i];
            cut.extend(set.iter().map(|d| {
                let mut b = [0u8; DIGEST_LEN];
                b[..w].copy_from_slice(&d.0[..w]);
                Digest(b)
            }));
            cut.sort_unstable();
            cut.dedup();
        }
        out
    }

    /// This profile at `width` when it is wider, else itself (the form
    /// [`crate::compare()`] compares two profiles in).
    pub fn at_width(&self, width: usize) -> std::borrow::Cow<'_, Profile> {
        if width < self.width() {
            std::borrow::Cow::Owned(self.shortened(width))
        } else {
            std::borrow::Cow::Borrowed(self)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    kind: ComponentKind,
    #[serde(deserialize_with = "bounded::vec::<_, u8, { MAX_INSTANCES * (DIGEST_LEN - 1) }>")]
    digests: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Form {
    width: u8,
    #[serde(deserialize_with = "bounded::vec::<_, Entry, { ComponentKind::COUNT }>")]
    entries: Vec<Entry>,
}

fn form(profile: &Profile) -> Form {
    let w = profile.width();
    let entries = ComponentKind::ALL
        .into_iter()
        .filter(|k| !profile.digests(*k).is_empty())
        .map(|kind| Entry {
            kind,
            digests: profile.digests(kind).iter().flat_map(|d| d.0[..w].to_vec()).collect(),
        })
        .collect();
    Form { width: w as u8, entries }
}

/// Why a short form is not a short profile (a canonical-form rule, or
/// another defect).
enum Refusal {
    Rule(&'static str),
    Width(usize),
}

fn profile_of(form: Form) -> Result<Profile, Refusal> {
    let w = usize::from(form.width);
    if !(MIN_WIDTH..DIGEST_LEN).contains(&w) {
        return Err(Refusal::Width(w));
    }
    let mut profile = Profile { width: form.width, ..Profile::default() };
    let mut last: Option<ComponentKind> = None;
    for entry in form.entries {
        if last.is_some_and(|k| k >= entry.kind) {
            return Err(Refusal::Rule("kinds are not strictly increasing"));
        }
        last = Some(entry.kind);
        if entry.digests.is_empty() {
            return Err(Refusal::Rule("a kind has no digests"));
        }
        if entry.digests.len() % w != 0 {
            return Err(Refusal::Rule(
                "a kind's digests are not a whole number of digests of the profile's width",
            ));
        }
        if entry.digests.len() / w > MAX_INSTANCES {
            return Err(Refusal::Rule("a kind has more digests than a profile may hold"));
        }
        let digests: Vec<Digest> = entry
            .digests
            .chunks_exact(w)
            .map(|c| {
                let mut d = [0u8; DIGEST_LEN];
                d[..w].copy_from_slice(c);
                Digest(d)
            })
            .collect();
        if digests.windows(2).any(|p| p[0] >= p[1]) {
            return Err(Refusal::Rule("digests are not strictly increasing"));
        }
        profile.kinds[entry.kind.index()] = digests;
    }
    Ok(profile)
}

/// Serialises a short profile in the short form (`#[serde(with)]` of the
/// profile field of version 2 requests and version 3 certificates). A full
/// profile has no short form: it is refused, and such a message is written
/// in its earlier version instead.
pub fn serialize<S: Serializer>(profile: &Profile, s: S) -> Result<S::Ok, S::Error> {
    if !profile.is_short() {
        return Err(serde::ser::Error::custom("a full profile has no short form"));
    }
    form(profile).serialize(s)
}

/// Reads the short form, refusing any non-canonical one as a typed rule.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
    profile_of(Form::deserialize(d)?).map_err(|r| match r {
        Refusal::Rule(rule) => canonical::reject(rule),
        Refusal::Width(_) => canonical::reject("a short profile's digests are 4 to 15 bytes wide"),
    })
}

/// The stored form of a short profile: [`STORED_MARK`] then the short form.
pub(super) fn to_stored(profile: &Profile) -> Vec<u8> {
    let mut out = vec![STORED_MARK];
    out.extend(
        postcard::to_allocvec(&form(profile)).unwrap_or_else(|_| unreachable!("a short form always encodes")),
    );
    out
}

/// Reads a stored form after its mark.
pub(super) fn from_stored(bytes: &[u8]) -> Result<Profile, ProfileError> {
    let form = frame::decode_exact_postcard::<Form>(bytes, "hardware profile").map_err(|e| match e {
        CodecError::TrailingBytes { count, .. } => ProfileError::TrailingBytes(count),
        CodecError::NotCanonical { rule, .. } => ProfileError::NotCanonical(rule),
        CodecError::Malformed { source, .. } => ProfileError::Malformed(source),
        _ => ProfileError::Malformed(postcard::Error::SerdeDeCustom),
    })?;
    profile_of(form).map_err(|r| match r {
        Refusal::Rule(rule) => ProfileError::NotCanonical(rule),
        Refusal::Width(w) => ProfileError::Width(w),
    })
}
