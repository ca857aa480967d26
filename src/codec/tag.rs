//! Domain tags: the first bytes of every nodelock message and file, and the
//! one registry of message types.
//!
//! Each [`Tag`] knows its tag string, its name, the label of its armoured
//! text form and, for the messages that travel as offline codes, its code
//! prefix and type byte ([`CodeForm`]); nothing else in the crate keeps a
//! list of message types.
//!
//! A tag names the message type and its format version
//! (`nodelock/license/v1`). It is length-prefixed on the wire (one byte,
//! 1..=64) so a reader can say *what* it was given when it is not what it
//! expected ("this is an activation certificate, not a license").

use super::CodecError;

/// One message type and the format version this build reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// The full tag, e.g. `nodelock/license/v1`.
    pub tag: &'static str,
    /// What people call this message ("license").
    pub name: &'static str,
    /// The label of its armoured text form (`NODELOCK LICENSE`).
    pub armour: &'static str,
    /// Its offline-code form, for the messages that travel as codes.
    pub code: Option<CodeForm>,
}

/// How a message type travels as an offline code (`docs/FORMAT.md` §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeForm {
    /// The text prefix (`NLR`).
    pub prefix: &'static str,
    /// The type byte that stands for the domain tag inside the code.
    pub type_byte: u8,
    /// Whether the message is a signed envelope (algorithm, key id and a
    /// signature around the payload) rather than a frame.
    pub signed: bool,
}

impl Tag {
    /// The type prefix: everything up to and including the last `/`.
    pub fn prefix(&self) -> &'static str {
        self.tag.rsplit_once('/').map_or(self.tag, |(p, _)| &self.tag[..p.len() + 1])
    }
}

/// Signed license (vendor key).
pub const LICENSE: Tag =
    Tag { tag: "nodelock/license/v1", name: "license", armour: "NODELOCK LICENSE", code: None };
/// Signed activation certificate (authority key).
pub const CERTIFICATE: Tag = Tag {
    tag: "nodelock/activation-certificate/v1",
    name: "activation certificate",
    armour: "NODELOCK ACTIVATION CERTIFICATE",
    code: Some(CodeForm { prefix: "NLC", type_byte: 0x02, signed: true }),
};
/// Signed deactivation receipt (the activation's own key).
pub const RECEIPT: Tag = Tag {
    tag: "nodelock/deactivation-receipt/v1",
    name: "deactivation receipt",
    armour: "NODELOCK DEACTIVATION RECEIPT",
    code: Some(CodeForm { prefix: "NLD", type_byte: 0x03, signed: true }),
};
/// Unsigned activation request.
pub const REQUEST: Tag = Tag {
    tag: "nodelock/activation-request/v1",
    name: "activation request",
    armour: "NODELOCK ACTIVATION REQUEST",
    code: Some(CodeForm { prefix: "NLR", type_byte: 0x01, signed: false }),
};
/// Public key file.
pub const PUBLIC_KEY: Tag =
    Tag { tag: "nodelock/public-key/v1", name: "public key", armour: "NODELOCK PUBLIC KEY", code: None };
/// Secret key file.
pub const SECRET_KEY: Tag =
    Tag { tag: "nodelock/secret-key/v1", name: "secret key", armour: "NODELOCK SECRET KEY", code: None };

/// The activation state file of a license store (local, unsigned).
pub const STORE_STATE: Tag = Tag {
    tag: "nodelock/store-state/v1",
    name: "activation store",
    armour: "NODELOCK ACTIVATION STORE",
    code: None,
};
/// The activation state file, version 2: the activation public key is kept
/// beside its secret (`docs/FORMAT.md` §11.1). Version 1 is still read.
pub const STORE_STATE_V2: Tag = Tag {
    tag: "nodelock/store-state/v2",
    name: "activation store",
    armour: "NODELOCK ACTIVATION STORE",
    code: None,
};
/// The clock high-water mark of a license store (local, MAC-protected).
pub const CLOCK: Tag =
    Tag { tag: "nodelock/clock/v1", name: "clock record", armour: "NODELOCK CLOCK", code: None };

/// Signed license, version 2: the terms carry a lease (`lease_days`,
/// `grace_days`, `docs/FORMAT.md` §7.7). Written only for a license with a
/// lease; version 1 is still read.
pub const LICENSE_V2: Tag =
    Tag { tag: "nodelock/license/v2", name: "license", armour: "NODELOCK LICENSE", code: None };
/// Activation certificate, version 2: it carries the end of its lease
/// (`lease_ends`, `docs/FORMAT.md` §9.4), and its offline code has its own
/// type byte. Written only when the license has a lease; version 1 is still
/// read.
pub const CERTIFICATE_V2: Tag = Tag {
    tag: "nodelock/activation-certificate/v2",
    name: "activation certificate",
    armour: "NODELOCK ACTIVATION CERTIFICATE",
    code: Some(CodeForm { prefix: "NLC", type_byte: 0x04, signed: true }),
};

/// The activation state file, version 3: a pending request keeps the
/// profile and location stamp it was made with, so a short response can be
/// rebuilt into the certificate it stands for (`docs/FORMAT.md` §11.1).
/// Versions 1 and 2 are still read.
pub const STORE_STATE_V3: Tag = Tag {
    tag: "nodelock/store-state/v3",
    name: "activation store",
    armour: "NODELOCK ACTIVATION STORE",
    code: None,
};

/// The short response: the few fields of an activation certificate that only
/// the authority knows, and its signature; the client rebuilds the
/// certificate from its own pending request (`docs/FORMAT.md` §10.4). It
/// exists only as an `NLC-` code (type byte `05`) and is never stored: what a
/// store keeps is the rebuilt, verified certificate.
pub const SHORT_RESPONSE: Tag = Tag {
    tag: "nodelock/short-response/v1",
    name: "activation certificate",
    armour: "NODELOCK ACTIVATION CERTIFICATE",
    code: Some(CodeForm { prefix: "NLC", type_byte: 0x05, signed: false }),
};

/// Activation request, version 2: its profile is short (digests cut to 4..=15
/// bytes, `docs/FORMAT.md` §9.6), so its code can be typed; its code has its
/// own type byte. Written when the profile is short; version 1 is still read.
pub const REQUEST_V2: Tag = Tag {
    tag: "nodelock/activation-request/v2",
    name: "activation request",
    armour: "NODELOCK ACTIVATION REQUEST",
    code: Some(CodeForm { prefix: "NLR", type_byte: 0x06, signed: false }),
};

/// Activation certificate, version 3: it binds a short profile (the one a
/// version 2 request carried) and its lease end if any (`docs/FORMAT.md`
/// §9.7). Written when the profile is short; versions 1 and 2 are still read.
pub const CERTIFICATE_V3: Tag = Tag {
    tag: "nodelock/activation-certificate/v3",
    name: "activation certificate",
    armour: "NODELOCK ACTIVATION CERTIFICATE",
    code: Some(CodeForm { prefix: "NLC", type_byte: 0x07, signed: true }),
};

/// The activation state file, version 4: a pending request keeps its
/// profile in the stored form, so a short one is kept as it was sent
/// (`docs/FORMAT.md` §11.1). Versions 1 to 3 are still read.
pub const STORE_STATE_V4: Tag = Tag {
    tag: "nodelock/store-state/v4",
    name: "activation store",
    armour: "NODELOCK ACTIVATION STORE",
    code: None,
};

/// The later versions this build also reads and writes, beside the first
/// versions in [`ALL`] (which alone tell one message type from another).
pub const LATER: [Tag; 7] =
    [LICENSE_V2, CERTIFICATE_V2, STORE_STATE_V2, STORE_STATE_V3, REQUEST_V2, CERTIFICATE_V3, STORE_STATE_V4];

/// Short code forms: (the message type a code of it stands for, the short
/// form). A short form has its own tag family but travels under the code
/// prefix of the type it stands for.
pub const SHORT: [(Tag, Tag); 1] = [(CERTIFICATE, SHORT_RESPONSE)];

/// Every version and short form a code of the message type of `tag` may
/// hold.
fn code_forms_of(tag: Tag) -> impl Iterator<Item = Tag> {
    ALL.into_iter()
        .chain(LATER)
        .filter(move |t| t.prefix() == tag.prefix())
        .chain(SHORT.into_iter().filter(move |(of, _)| of.prefix() == tag.prefix()).map(|(_, s)| s))
}

/// The version (or short form) of the message type of `tag` whose offline
/// code carries `type_byte` (the tag a code restores).
pub fn by_type_byte(tag: Tag, type_byte: u8) -> Option<Tag> {
    code_forms_of(tag).find(|t| t.code.is_some_and(|c| c.type_byte == type_byte))
}

/// The version (or short form) of the message type of `tag` that `message`
/// starts with, if this build knows it (so a message is coded under its own
/// version).
pub fn version_of(tag: Tag, message: &[u8]) -> Option<Tag> {
    code_forms_of(tag).find(|t| {
        message.first() == Some(&(t.tag.len() as u8))
            && message.get(1..1 + t.tag.len()) == Some(t.tag.as_bytes())
    })
}

/// Whether `tag` is a short form ([`SHORT`]).
pub fn is_short(tag: Tag) -> bool {
    SHORT.iter().any(|(_, s)| *s == tag)
}

/// The flag bits of a short response (`docs/FORMAT.md` §10.4).
pub mod short_flags {
    /// A temporary activation (else permanent).
    pub const TEMPORARY: u8 = 0x01;
    /// The certificate has a lease end (version 2).
    pub const LEASE: u8 = 0x02;
    /// The activation id is that of the activation the store holds (a
    /// renewal); else it is derived from the request.
    pub const RENEWAL: u8 = 0x04;
    /// Every defined bit.
    pub const ALL: u8 = TEMPORARY | LEASE | RENEWAL;
}

/// The length of a short response's data (type byte to signature, without
/// the CRC) that starts with `flags`, or `None` for undefined flag bits: the
/// code reader uses it to say how much of a code is missing.
pub const fn short_response_len(flags: u8) -> Option<usize> {
    if flags & !short_flags::ALL != 0 {
        return None;
    }
    // type, flags, issued_at, seat or days, [lease days], key hint, nonce hint, signature
    let lease = if flags & short_flags::LEASE != 0 { 2 } else { 0 };
    Some(1 + 1 + 4 + 2 + lease + 2 + 1 + 64)
}

/// Every tag this build knows, for telling one message from another.
pub const ALL: [Tag; 8] =
    [LICENSE, CERTIFICATE, RECEIPT, REQUEST, PUBLIC_KEY, SECRET_KEY, STORE_STATE, CLOCK];

/// The message types that travel as offline codes, with their code forms.
pub fn with_codes() -> impl Iterator<Item = (Tag, CodeForm)> {
    ALL.into_iter().filter_map(|t| t.code.map(|c| (t, c)))
}

/// The longest tag a reader accepts.
pub const MAX_TAG_LEN: usize = 64;

/// Writes `tag` length-prefixed.
pub fn write(out: &mut Vec<u8>, tag: Tag) {
    out.push(tag.tag.len() as u8);
    out.extend_from_slice(tag.tag.as_bytes());
}

/// Whether `found` is some version of `tag`'s type: its type prefix, then
/// `v` and a decimal number without leading zeros (`nodelock/license/v12`;
/// not `nodelock/license/` + anything).
fn is_version_of(found: &str, tag: Tag) -> bool {
    found.strip_prefix(tag.prefix()).and_then(|v| v.strip_prefix('v')).is_some_and(|n| {
        !n.is_empty() && n.len() <= 9 && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Reads a length-prefixed tag from the start of `bytes`, checks that it is
/// `expected`, and returns the rest.
pub fn read(bytes: &[u8], expected: Tag) -> Result<&[u8], CodecError> {
    let (&len, rest) = bytes.split_first().ok_or(CodecError::Truncated { what: expected.name })?;
    let len = usize::from(len);
    if len == 0 || len > MAX_TAG_LEN {
        return Err(CodecError::NotNodelock { expected: expected.name });
    }
    let found = rest.get(..len).ok_or(CodecError::Truncated { what: expected.name })?;
    if found == expected.tag.as_bytes() {
        return Ok(&rest[len..]);
    }
    let found =
        std::str::from_utf8(found).map_err(|_| CodecError::NotNodelock { expected: expected.name })?;
    if is_version_of(found, expected) {
        return Err(CodecError::UnsupportedVersion { what: expected.name, found: found.to_owned() });
    }
    match ALL.iter().find(|t| is_version_of(found, **t)) {
        Some(other) => Err(CodecError::WrongType { expected: expected.name, found: other.name }),
        None => Err(CodecError::NotNodelock { expected: expected.name }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(t: &str) -> Vec<u8> {
        let mut v = vec![t.len() as u8];
        v.extend_from_slice(t.as_bytes());
        v.push(0xaa);
        v
    }

    #[test]
    fn only_a_version_number_after_the_type_prefix_is_another_version() {
        for other in [
            "nodelock/license/",
            "nodelock/license/x",
            "nodelock/license/v",
            "nodelock/license/v01",
            "nodelock/license/v2x",
        ] {
            assert_eq!(
                read(&tagged(other), LICENSE),
                Err(CodecError::NotNodelock { expected: "license" }),
                "{other}"
            );
        }
        assert!(matches!(
            read(&tagged("nodelock/license/v10"), LICENSE),
            Err(CodecError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            read(&tagged("nodelock/activation-certificate/v9"), LICENSE),
            Err(CodecError::WrongType { .. })
        ));
    }

    #[test]
    fn reads_and_classifies_tags() {
        assert_eq!(read(&tagged("nodelock/license/v1"), LICENSE).unwrap(), &[0xaa]);
        assert_eq!(
            read(&tagged("nodelock/license/v2"), LICENSE),
            Err(CodecError::UnsupportedVersion { what: "license", found: "nodelock/license/v2".into() })
        );
        assert_eq!(
            read(&tagged("nodelock/activation-certificate/v1"), LICENSE),
            Err(CodecError::WrongType { expected: "license", found: "activation certificate" })
        );
        assert_eq!(
            read(&tagged("something else"), LICENSE),
            Err(CodecError::NotNodelock { expected: "license" })
        );
        assert_eq!(read(&[], LICENSE), Err(CodecError::Truncated { what: "license" }));
        assert_eq!(read(&[40, b'n'], LICENSE), Err(CodecError::Truncated { what: "license" }));
        assert_eq!(read(&[0], LICENSE), Err(CodecError::NotNodelock { expected: "license" }));
        assert_eq!(LICENSE.prefix(), "nodelock/license/");
        for t in ALL {
            assert!(t.tag.len() <= MAX_TAG_LEN && t.tag.starts_with("nodelock/"));
        }
    }

    #[test]
    fn the_registry_is_unambiguous() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.prefix(), b.prefix(), "{} and {}", a.name, b.name);
                assert_ne!(a.name, b.name);
                assert_ne!(a.armour, b.armour);
                if let (Some(x), Some(y)) = (a.code, b.code) {
                    assert_ne!(x.prefix, y.prefix);
                    assert_ne!(x.type_byte, y.type_byte);
                }
            }
        }
        let codes: Vec<&str> = with_codes().map(|(_, c)| c.prefix).collect();
        assert_eq!(codes, ["NLC", "NLD", "NLR"]);
        // A later version is the same type (its prefix is in ALL) and its
        // code type byte is unique across every version and short form of
        // every type.
        let bytes: Vec<u8> = ALL
            .into_iter()
            .chain(LATER)
            .chain(SHORT.map(|(_, s)| s))
            .filter_map(|t| t.code)
            .map(|c| c.type_byte)
            .collect();
        let mut unique = bytes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), bytes.len());
        for t in LATER {
            assert!(ALL.iter().any(|a| a.prefix() == t.prefix() && a.name == t.name && a.armour == t.armour));
        }
        assert_eq!(by_type_byte(CERTIFICATE, 0x04), Some(CERTIFICATE_V2));
        assert_eq!(by_type_byte(CERTIFICATE, 0x02), Some(CERTIFICATE));
        assert_eq!(by_type_byte(CERTIFICATE, 0x01), None);
        assert_eq!(version_of(CERTIFICATE, &tagged(CERTIFICATE_V2.tag)), Some(CERTIFICATE_V2));
        assert_eq!(version_of(LICENSE, &tagged("nodelock/license/v3")), None);
        // A short form travels under the code prefix of the type it stands for.
        for (of, short) in SHORT {
            assert_eq!(short.code.map(|c| c.prefix), of.code.map(|c| c.prefix));
            assert!(ALL.iter().chain(&LATER).all(|t| t.prefix() != short.prefix()));
            assert!(is_short(short) && !is_short(of));
        }
        assert_eq!(by_type_byte(CERTIFICATE, 0x05), Some(SHORT_RESPONSE));
        assert_eq!(by_type_byte(REQUEST, 0x05), None);
        assert_eq!(by_type_byte(REQUEST, 0x06), Some(REQUEST_V2));
        assert_eq!(by_type_byte(CERTIFICATE, 0x07), Some(CERTIFICATE_V3));
        assert_eq!(by_type_byte(CERTIFICATE, 0x06), None);
        assert_eq!(version_of(CERTIFICATE, &tagged(SHORT_RESPONSE.tag)), Some(SHORT_RESPONSE));
        assert_eq!(short_response_len(0), Some(75));
        assert_eq!(short_response_len(short_flags::LEASE), Some(77));
        assert_eq!(short_response_len(0x08), None);
    }
}
