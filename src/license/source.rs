//! Where the license comes from: the one compiled into the application, or
//! the one on disk — the DeployLX release-version rule.
//!
//! - Only one of them exists: it is used.
//! - Both exist, carry the **same license id**, and the embedded one has a
//!   **greater release version**: the embedded license wins; the disk copy,
//!   and any activation stored with it, is ignored and reported as
//!   [`Supersession`] (the activation was signed against the old release, so
//!   the user must activate again).
//! - Otherwise the disk copy is used (an installer that copies the same
//!   build over an activated installation keeps the activation).
//!
//! This is the one embedded-vs-disk resolver: the
//! [`Validator`](crate::activation::Validator) resolves through a
//! [`LicenseSource`].
//!
//! Both licenses must verify against the trusted keys and name the expected
//! product; a disk license that fails verification is an error, never
//! silently replaced, so tampering is reported rather than hidden.

use std::path::{Path, PathBuf};

use super::{LicenseError, MAX_LICENSE_LEN, SignedLicense};
use crate::fsio;
use crate::keys::TrustedKeys;

/// Which copy of the license is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The license compiled into the application.
    Embedded,
    /// The license file on disk.
    Disk,
}

/// The disk license was superseded by a newer release embedded in the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Supersession {
    /// The release version of the ignored disk copy.
    pub disk_release: u32,
    /// The release version of the embedded copy now in force.
    pub embedded_release: u32,
}

/// The license in force, where it came from, and whether a disk copy was superseded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The verified license in force.
    pub license: SignedLicense,
    /// Where it came from.
    pub origin: Origin,
    /// Set when a disk copy of the same license was ignored because the
    /// embedded release is newer.
    pub superseded: Option<Supersession>,
}

/// Verifies `text` against `trusted` and checks that it is a license for `product`.
pub fn verify_for(text: &str, trusted: &TrustedKeys, product: &str) -> Result<SignedLicense, LicenseError> {
    let signed = SignedLicense::from_armoured(text, trusted)?;
    signed.license().check_product(product)?;
    Ok(signed)
}

/// Applies the release-version rule to an embedded and a disk license text.
/// Each distinct text is verified once: a disk copy byte-identical to the
/// embedded license is the same license, verified once (and the disk copy is
/// in force, as for any same release).
pub fn resolve(
    embedded: Option<&str>,
    disk: Option<&str>,
    trusted: &TrustedKeys,
    product: &str,
) -> Result<Resolved, LicenseError> {
    let verify = |text: &str| verify_for(text, trusted, product);
    if let (Some(e), Some(d)) = (embedded, disk)
        && e.as_bytes() == d.as_bytes()
    {
        return Ok(Resolved { license: verify(d)?, origin: Origin::Disk, superseded: None });
    }
    let embedded = embedded.map(verify).transpose()?;
    let disk = disk.map(verify).transpose()?;
    match (embedded, disk) {
        (None, None) => Err(LicenseError::NoLicense),
        (Some(license), None) => Ok(Resolved { license, origin: Origin::Embedded, superseded: None }),
        (None, Some(license)) => Ok(Resolved { license, origin: Origin::Disk, superseded: None }),
        (Some(e), Some(d)) => {
            let (el, dl) = (e.license(), d.license());
            if el.id == dl.id && el.release_version > dl.release_version {
                let superseded =
                    Supersession { disk_release: dl.release_version, embedded_release: el.release_version };
                Ok(Resolved { license: e, origin: Origin::Embedded, superseded: Some(superseded) })
            } else {
                Ok(Resolved { license: d, origin: Origin::Disk, superseded: None })
            }
        }
    }
}

/// The places an application looks for its license.
#[derive(Debug, Clone, Default)]
pub struct LicenseSource {
    embedded: Option<String>,
    disk: Option<PathBuf>,
}

impl LicenseSource {
    /// No license anywhere yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The license compiled into the application (`include_str!`).
    pub fn embedded(mut self, text: impl Into<String>) -> Self {
        self.embedded = Some(text.into());
        self
    }

    /// The license file on disk (a missing file simply means "none").
    pub fn disk(mut self, path: impl Into<PathBuf>) -> Self {
        self.disk = Some(path.into());
        self
    }

    /// The disk path, if any.
    pub fn disk_path(&self) -> Option<&Path> {
        self.disk.as_deref()
    }

    /// Reads the disk copy (if present) and applies the release-version rule.
    pub fn resolve(&self, trusted: &TrustedKeys, product: &str) -> Result<Resolved, LicenseError> {
        let disk_text = match &self.disk {
            Some(path) => read_license_file(path)?,
            None => None,
        };
        resolve(self.embedded.as_deref(), disk_text.as_deref(), trusted, product)
    }
}

/// Reads a license file, `None` when it does not exist; refuses files larger
/// than any license could be before reading them, and anything but a
/// regular file — a FIFO, a device, or a symbolic link (the disk copy is the
/// store's, and no read follows a link out of the store).
pub fn read_license_file(path: &Path) -> Result<Option<String>, LicenseError> {
    match fsio::read_store_file(path, (MAX_LICENSE_LEN * 3) as u64) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LicenseError::Io { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;
    use crate::license::{License, LicenseId};
    use crate::timestamp::Timestamp;

    fn setup() -> (SecretKey, TrustedKeys, License) {
        let key = SecretKey::from_seed(&[5; 32]);
        let trusted = TrustedKeys::single(key.public_key().clone());
        let license = License::new(LicenseId([1; 16]), "p", "l", 1, Timestamp(1_000));
        (key, trusted, license)
    }

    #[test]
    fn newer_embedded_release_supersedes_disk() {
        let (key, trusted, v1) = setup();
        let v2 = v1.reissue(Timestamp(2_000)).unwrap();
        let (t1, t2) = (v1.sign(&key).unwrap().to_armoured(), v2.sign(&key).unwrap().to_armoured());
        let r = resolve(Some(&t2), Some(&t1), &trusted, "p").unwrap();
        assert_eq!(r.origin, Origin::Embedded);
        assert_eq!(r.superseded, Some(Supersession { disk_release: 1, embedded_release: 2 }));
        assert_eq!(r.license.license().release_version, 2);
        // Same or older embedded release: disk wins.
        for (e, d) in [(&t1, &t1), (&t1, &t2)] {
            let r = resolve(Some(e), Some(d), &trusted, "p").unwrap();
            assert_eq!((r.origin, r.superseded), (Origin::Disk, None));
        }
    }

    #[test]
    fn different_licenses_keep_the_disk_copy() {
        let (key, trusted, v1) = setup();
        let mut other = v1.reissue(Timestamp(2_000)).unwrap();
        other.id = LicenseId([2; 16]);
        let r = resolve(
            Some(&other.sign(&key).unwrap().to_armoured()),
            Some(&v1.sign(&key).unwrap().to_armoured()),
            &trusted,
            "p",
        )
        .unwrap();
        assert_eq!((r.origin, r.license.license().id), (Origin::Disk, v1.id));
    }

    #[test]
    fn refusals() {
        let (key, trusted, v1) = setup();
        assert!(matches!(resolve(None, None, &trusted, "p"), Err(LicenseError::NoLicense)));
        let text = v1.sign(&key).unwrap().to_armoured();
        let err = resolve(None, Some(&text), &trusted, "q").unwrap_err();
        assert_eq!(
            err.to_string(),
            "this license was issued for product `p`, not `q`; use the license file you received for `q`"
        );
        let tampered = text.replacen('A', "B", 1);
        assert!(
            resolve(Some(&text), Some(&tampered), &trusted, "p").is_err(),
            "a damaged disk copy is reported"
        );
    }

    #[test]
    fn missing_disk_file_means_none() {
        let (key, trusted, v1) = setup();
        let dir = tempfile::tempdir().unwrap();
        let source = LicenseSource::new()
            .embedded(v1.sign(&key).unwrap().to_armoured())
            .disk(dir.path().join("x.lic"));
        assert_eq!(source.resolve(&trusted, "p").unwrap().origin, Origin::Embedded);
    }
}
