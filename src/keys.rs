//! Vendor and authority signing keys.
//!
//! Ed25519 keys ([`SecretKey`], [`PublicKey`]) with a short [`KeyId`]: the
//! first 8 bytes of `SHA-256("nodelock/key-id/v1" ‖ 0x01 ‖ public key)`, which
//! every signed message carries so the verifier knows which key to use. An
//! application trusts a [`TrustedKeys`] set, so an old and a new key can both
//! be trusted while the vendor rotates.
//!
//! Key files are armoured frames (`docs/FORMAT.md`), read and written as
//! [`Framed`] messages like every other unsigned frame: the public key file is
//! meant to be embedded with `include_str!`; the secret key file is written
//! with mode 0600, refuses to overwrite an existing file, and the secret is
//! zeroized in memory when dropped. Secret key files are not encrypted: keep
//! them on the signing machine (or in a vault) only.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::codec::frame::{self, Framed, Message};
use crate::codec::{CodecError, armour, hex, tag};
use crate::fsio;

/// Algorithm byte of Ed25519 in keys and envelopes.
pub const ALG_ED25519: u8 = 0x01;
/// Domain tag of key ids.
pub const KEY_ID_DOMAIN: &[u8] = b"nodelock/key-id/v1";
/// The largest key file read.
const MAX_KEY_FILE: usize = 1024;

/// The short id of a public key: 8 bytes, shown as 16 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 8]);

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_str(self) } else { self.0.serialize(s) }
    }
}

impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            hex::unhex::<8>(&s)
                .map(KeyId)
                .ok_or_else(|| serde::de::Error::custom("a key id is 16 hexadecimal digits"))
        } else {
            <[u8; 8]>::deserialize(d).map(KeyId)
        }
    }
}

impl KeyId {
    /// The id of an Ed25519 public key.
    pub fn of(public: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(KEY_ID_DOMAIN);
        h.update([ALG_ED25519]);
        h.update(public);
        let d = h.finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&d[..8]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Why a key could not be made, read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed ({0}); try again")]
    Random(getrandom::Error),
    /// The key file is not a valid key.
    #[error(transparent)]
    Format(#[from] CodecError),
    /// The key bytes are not a usable Ed25519 key.
    #[error("the {0} is not a valid Ed25519 key; the file is damaged")]
    InvalidKey(&'static str),
    /// The public key is a valid point written in a non-canonical way.
    #[error(
        "the public key is not in its canonical encoding (y ≥ p); the key file was altered — use the vendor's original"
    )]
    NotCanonical,
    /// Refused to overwrite an existing key file.
    #[error(
        "{} already exists; nodelock never overwrites a key file — move it away or choose another directory",
        .0.display()
    )]
    Exists(PathBuf),
    /// The disk is full.
    #[error("disk full: cannot write {} — free some space on that disk and try again", .0.display())]
    DiskFull(PathBuf),
    /// Reading or writing the file failed.
    #[error("cannot access the key file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

fn io_error(path: &Path, source: io::Error) -> KeyError {
    if source.kind() == io::ErrorKind::AlreadyExists {
        KeyError::Exists(path.to_path_buf())
    } else if fsio::is_disk_full(&source) {
        KeyError::DiskFull(path.to_path_buf())
    } else {
        KeyError::Io { path: path.to_path_buf(), source }
    }
}

/// The public key file's payload: `0x01 ‖ key` (postcard writes a `u8` and a
/// fixed array as exactly those bytes).
#[derive(Serialize, Deserialize)]
struct PublicKeyFile {
    alg: u8,
    key: [u8; 32],
}

impl Message for PublicKeyFile {
    const TAG: tag::Tag = tag::PUBLIC_KEY;
    const MAX_LEN: usize = MAX_KEY_FILE;
}

impl Framed for PublicKeyFile {}

/// The secret key file's payload: `0x01 ‖ seed ‖ public key`; wiped when dropped.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct SecretKeyFile {
    alg: u8,
    seed: [u8; 32],
    public: [u8; 32],
}

impl Message for SecretKeyFile {
    const TAG: tag::Tag = tag::SECRET_KEY;
    const MAX_LEN: usize = MAX_KEY_FILE;
}

impl Framed for SecretKeyFile {}

/// The payload length of a secret key file.
const SECRET_PAYLOAD_LEN: usize = 1 + 32 + 32;

/// An Ed25519 public key that verifies nodelock messages.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// The key from its 32 bytes; small-order ("weak") points are refused.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::InvalidKey("public key"))?;
        if key.is_weak() {
            return Err(KeyError::InvalidKey("public key"));
        }
        // Decompression accepts y ≥ p; §1 requires the canonical `A`, the
        // one the point compresses back to.
        if key.to_edwards().compress().to_bytes() != *bytes {
            return Err(KeyError::NotCanonical);
        }
        Ok(PublicKey { key, id: KeyId::of(bytes) })
    }

    /// The 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Whether `signature` is a valid strict Ed25519 signature of `message`
    /// (`verify_strict`: canonical encodings, no small-order components).
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key.verify_strict(message, &Signature::from_bytes(signature)).is_ok()
    }

    /// The binary key file: frame(`nodelock/public-key/v1`, 0x01 ‖ key).
    pub fn to_file_bytes(&self) -> Vec<u8> {
        PublicKeyFile { alg: ALG_ED25519, key: self.to_bytes() }.encode()
    }

    /// The armoured key file, for `include_str!`.
    pub fn to_armoured(&self) -> String {
        armour::encode(tag::PUBLIC_KEY, &self.to_file_bytes())
    }

    /// Reads an armoured public key file.
    pub fn from_armoured(text: &str) -> Result<Self, KeyError> {
        let bytes = armour::decode(text, tag::PUBLIC_KEY, MAX_KEY_FILE)?;
        let file = PublicKeyFile::decode_exact(&bytes)?;
        if file.alg != ALG_ED25519 {
            return Err(
                CodecError::UnknownAlgorithm { what: tag::PUBLIC_KEY.name, algorithm: file.alg }.into()
            );
        }
        PublicKey::from_bytes(&file.key)
    }

    /// Reads an armoured public key file from disk.
    pub fn read_file(path: &Path) -> Result<Self, KeyError> {
        let bytes = fsio::read_capped(path, 4 * MAX_KEY_FILE as u64).map_err(|e| io_error(path, e))?;
        Self::from_armoured(&String::from_utf8_lossy(&bytes))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

/// An Ed25519 signing key. Zeroized when dropped; `Debug` never prints it.
pub struct SecretKey {
    key: SigningKey,
    public: PublicKey,
}

impl SecretKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(KeyError::Random)?;
        Ok(Self::from_seed(&seed))
    }

    /// The key of a 32-byte seed (for test vectors; use [`generate`](Self::generate)).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let bytes = key.verifying_key().to_bytes();
        let public = PublicKey { key: key.verifying_key(), id: KeyId::of(&bytes) };
        SecretKey { key, public }
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The id of the public half.
    pub fn key_id(&self) -> KeyId {
        self.public.id
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// `HMAC-SHA256(seed, domain ‖ input)`: a value only the holder of this
    /// key can compute, for secrets derived from it (license keys). The
    /// seed never leaves the key; `domain` keeps derivations apart.
    pub(crate) fn derive(&self, domain: &[u8], input: &[u8]) -> Zeroizing<[u8; 32]> {
        use hmac::{KeyInit, Mac};
        let seed = Zeroizing::new(self.key.to_bytes());
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(seed.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(domain);
        mac.update(input);
        Zeroizing::new(mac.finalize().into_bytes().into())
    }

    /// The binary key file: frame(`nodelock/secret-key/v1`, 0x01 ‖ seed ‖ public key).
    pub fn to_file_bytes(&self) -> Zeroizing<Vec<u8>> {
        let file =
            SecretKeyFile { alg: ALG_ED25519, seed: self.key.to_bytes(), public: self.public.to_bytes() };
        // Encoded into a fixed buffer that is wiped, never into a growing
        // vector whose old allocations would keep copies of the seed.
        let mut payload = Zeroizing::new([0u8; SECRET_PAYLOAD_LEN]);
        let used = postcard::to_slice(&file, payload.as_mut())
            .unwrap_or_else(|_| unreachable!("a secret key file payload is {SECRET_PAYLOAD_LEN} bytes"))
            .len();
        Zeroizing::new(frame::encode(tag::SECRET_KEY, &payload[..used]))
    }

    /// The armoured secret key file.
    pub fn to_armoured(&self) -> Zeroizing<String> {
        Zeroizing::new(armour::encode(tag::SECRET_KEY, &self.to_file_bytes()))
    }

    /// Reads a key from its binary file form, checking the stored public key
    /// against the seed.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let file = SecretKeyFile::decode_exact(bytes)?;
        if file.alg != ALG_ED25519 {
            return Err(
                CodecError::UnknownAlgorithm { what: tag::SECRET_KEY.name, algorithm: file.alg }.into()
            );
        }
        let key = Self::from_seed(&file.seed);
        if key.public.to_bytes() != file.public {
            return Err(KeyError::InvalidKey("secret key"));
        }
        Ok(key)
    }

    /// Reads an armoured secret key.
    pub fn from_armoured(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(armour::decode(text, tag::SECRET_KEY, MAX_KEY_FILE)?);
        Self::from_file_bytes(&bytes)
    }

    /// Reads an armoured secret key file.
    pub fn read_file(path: &Path) -> Result<Self, KeyError> {
        let bytes =
            Zeroizing::new(fsio::read_capped(path, 4 * MAX_KEY_FILE as u64).map_err(|e| io_error(path, e))?);
        let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
        Self::from_armoured(&text)
    }

    /// Writes the armoured key to a new file with mode 0600; never overwrites.
    pub fn write_new_file(&self, path: &Path) -> Result<(), KeyError> {
        fsio::write_new(path, self.to_armoured().as_bytes(), true).map_err(|e| io_error(path, e))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, ..)", self.public.id)
    }
}

/// Writes a new key pair as `dir/secret.key` (0600) and `dir/public.key`,
/// refusing to overwrite either.
pub fn generate_files(dir: &Path) -> Result<SecretKey, KeyError> {
    let secret_path = dir.join("secret.key");
    let public_path = dir.join("public.key");
    for p in [&secret_path, &public_path] {
        if p.exists() {
            return Err(KeyError::Exists(p.clone()));
        }
    }
    // 0700 whatever the umask (`umask 000` would leave a plain
    // `create_dir_all` world-writable): only its owner may list or swap keys.
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io_error(dir, e))?;
    let key = SecretKey::generate()?;
    key.write_new_file(&secret_path)?;
    fsio::write_new(&public_path, key.public_key().to_armoured().as_bytes(), false)
        .map_err(|e| io_error(&public_path, e))?;
    Ok(key)
}

/// The public keys an application trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of one key.
    pub fn single(key: PublicKey) -> Self {
        TrustedKeys { keys: vec![key] }
    }

    /// Adds a key (a key already present is not added twice).
    pub fn add(&mut self, key: PublicKey) -> &mut Self {
        if self.get(key.id()).is_none() {
            self.keys.push(key);
        }
        self
    }

    /// The set of the armoured public keys `texts` (e.g. `include_str!`ed files).
    pub fn from_armoured<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, KeyError> {
        let mut set = TrustedKeys::new();
        for text in texts {
            set.add(PublicKey::from_armoured(text)?);
        }
        Ok(set)
    }

    /// The key with id `id`.
    pub fn get(&self, id: KeyId) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Every trusted key.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip() {
        let key = SecretKey::from_seed(&[7; 32]);
        let again = SecretKey::from_armoured(&key.to_armoured()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let public = PublicKey::from_armoured(&key.public_key().to_armoured()).unwrap();
        assert_eq!(&public, key.public_key());
        assert_eq!(public.id().to_string().len(), 16);
    }

    #[test]
    fn debug_shows_the_key_id_and_nothing_of_the_secret() {
        let key = SecretKey::from_seed(&[7; 32]);
        // Exactly the public id: no byte of the seed can appear.
        assert_eq!(format!("{key:?}"), format!("SecretKey({}, ..)", key.key_id()));
        assert_eq!(format!("{:?}", key.public_key()), format!("PublicKey({})", key.key_id()));
        assert_eq!(format!("{:?}", key.key_id()), format!("KeyId({})", key.key_id()));
    }

    #[test]
    fn key_file_payloads_are_the_documented_bytes() {
        // docs/FORMAT.md §6: public = 0x01 ‖ key, secret = 0x01 ‖ seed ‖ key,
        // each after the tag and a u32 length.
        let key = SecretKey::from_seed(&[7; 32]);
        let public = key.public_key().to_bytes();
        let mut expected = frame::encode(tag::PUBLIC_KEY, &[&[ALG_ED25519][..], &public].concat());
        assert_eq!(key.public_key().to_file_bytes(), expected);
        expected = frame::encode(tag::SECRET_KEY, &[&[ALG_ED25519][..], &[7; 32], &public].concat());
        assert_eq!(key.to_file_bytes().as_slice(), expected);
        let mut other_alg = key.to_file_bytes().to_vec();
        other_alg[1 + tag::SECRET_KEY.tag.len() + 4] = 2;
        assert!(matches!(
            SecretKey::from_file_bytes(&other_alg),
            Err(KeyError::Format(CodecError::UnknownAlgorithm { algorithm: 2, .. }))
        ));
        let mut short = frame::encode(tag::SECRET_KEY, &expected[expected.len() - 64..]);
        assert!(matches!(SecretKey::from_file_bytes(&short), Err(KeyError::Format(_))));
        short.push(0);
        assert!(matches!(SecretKey::from_file_bytes(&short), Err(KeyError::Format(_))));
    }

    #[test]
    fn damaged_secret_key_is_refused() {
        let key = SecretKey::from_seed(&[7; 32]);
        let mut bytes = key.to_file_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(SecretKey::from_file_bytes(&bytes), Err(KeyError::InvalidKey(_))));
        assert!(matches!(
            PublicKey::from_armoured(&key.to_armoured()),
            Err(KeyError::Format(CodecError::WrongType { .. }))
        ));
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point is of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(PublicKey::from_bytes(&identity), Err(KeyError::InvalidKey(_))));
    }

    #[test]
    fn non_canonical_public_keys_are_refused() {
        // y = p + 3 (p = 2^255 - 19): the point y = 3, written with y ≥ p.
        let mut high = [0xff; 32];
        high[0] = 0xf0;
        high[31] = 0x7f;
        assert!(VerifyingKey::from_bytes(&high).is_ok_and(|k| !k.is_weak()), "a valid point");
        assert!(matches!(PublicKey::from_bytes(&high), Err(KeyError::NotCanonical)));
        let file = frame::encode(tag::PUBLIC_KEY, &[&[ALG_ED25519][..], &high].concat());
        let text = armour::encode(tag::PUBLIC_KEY, &file);
        assert!(matches!(PublicKey::from_armoured(&text), Err(KeyError::NotCanonical)));
    }

    #[test]
    fn generated_files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate_files(dir.path()).unwrap();
        let read = SecretKey::read_file(&dir.path().join("secret.key")).unwrap();
        assert_eq!(read.key_id(), key.key_id());
        assert_eq!(PublicKey::read_file(&dir.path().join("public.key")).unwrap().id(), key.key_id());
        assert!(matches!(generate_files(dir.path()), Err(KeyError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn trusted_keys_find_by_id() {
        let a = SecretKey::from_seed(&[1; 32]);
        let b = SecretKey::from_seed(&[2; 32]);
        let set = TrustedKeys::from_armoured([
            a.public_key().to_armoured().as_str(),
            b.public_key().to_armoured().as_str(),
        ])
        .unwrap();
        assert_eq!(set.get(b.key_id()), Some(b.public_key()));
        assert_eq!(set.iter().count(), 2);
        assert!(set.get(KeyId([0; 8])).is_none());
    }
}
