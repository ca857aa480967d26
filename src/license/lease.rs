//! Leases: how long a certificate granted under a license runs
//! (`lease_days`, `grace_days`), and the version 2 license payload that
//! carries them (`nodelock/license/v2`, `docs/FORMAT.md` §7.7). A license
//! without a lease is written as version 1, byte for byte; both are read.

use serde::{Deserialize, Serialize};

use super::{License, MAX_LICENSE_LEN, rule};
use crate::codec::{CodecError, Message, tag};
use crate::signed::{Opened, SignatureError};
use crate::timestamp::Timestamp;

/// The version 2 payload: the version 1 fields in their order, then the
/// lease (`docs/FORMAT.md` §7.7). Postcard writes a nested struct as its
/// fields, so the first bytes are exactly the version 1 payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseV2 {
    /// Every version 1 field.
    pub base: License,
    /// [`License::lease_days`].
    pub lease_days: u16,
    /// [`License::grace_days`].
    pub grace_days: u16,
}

impl LicenseV2 {
    /// The license, with its lease.
    pub fn into_license(self) -> License {
        License { lease_days: self.lease_days, grace_days: self.grace_days, ..self.base }
    }
}

/// A license with a lease is signed as version 2 and read by its own tag.
impl Message for LicenseV2 {
    const TAG: tag::Tag = tag::LICENSE_V2;
    const MAX_LEN: usize = MAX_LICENSE_LEN;

    fn validate(&self) -> Result<(), &'static str> {
        if self.lease_days == 0 {
            return Err(rule::V2_WITHOUT_LEASE);
        }
        self.base.check_rules()
    }
}

impl LicenseV2 {
    /// The version 2 payload of `license`.
    pub fn of(license: License) -> Self {
        LicenseV2 { lease_days: license.lease_days, grace_days: license.grace_days, base: license }
    }
}

impl License {
    /// When a certificate granted at `granted` under these terms ends its
    /// lease; `None` when certificates are perpetual (`lease_days` 0).
    pub fn lease_end(&self, granted: Timestamp) -> Option<Timestamp> {
        (self.lease_days != 0).then(|| granted.plus_secs(u64::from(self.lease_days) * 86_400))
    }

    /// The grace after a lease ends, in seconds.
    pub fn grace_secs(&self) -> u64 {
        u64::from(self.grace_days) * 86_400
    }
}

/// Reads a license of either version: version 1 first, and version 2 when
/// the tag says so (any other version stays "unsupported version").
pub(super) fn open_any<'a>(
    bytes: &'a [u8],
    v1: impl FnOnce(&'a [u8]) -> Result<Opened<License>, SignatureError>,
    v2: impl FnOnce(&'a [u8]) -> Result<Opened<LicenseV2>, SignatureError>,
) -> Result<Opened<License>, SignatureError> {
    match v1(bytes) {
        Err(SignatureError::Format(CodecError::UnsupportedVersion { found, .. }))
            if found == tag::LICENSE_V2.tag =>
        {
            let o = v2(bytes)?;
            Ok(Opened { message: o.message.into_license(), key_id: o.key_id })
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{SecretKey, TrustedKeys};
    use crate::license::{LicenseId, SignedLicense};

    #[test]
    fn a_lease_is_written_as_version_2_and_read_back() {
        let key = SecretKey::from_seed(&[3; 32]);
        let trusted = TrustedKeys::single(key.public_key().clone());
        let mut l = License::new(LicenseId([9; 16]), "com.example.app", "ACME", 1, Timestamp(1_700_000_000));
        assert_eq!((l.lease_days, l.grace_days, l.lease_end(Timestamp(5))), (0, 7, None));
        let v1 = l.sign(&key).unwrap();
        assert_eq!(&v1.as_bytes()[1..20], b"nodelock/license/v1");
        l.lease_days = 14;
        l.grace_days = 2;
        assert_eq!(l.lease_end(Timestamp(5)), Some(Timestamp(5 + 14 * 86_400)));
        assert_eq!(l.grace_secs(), 2 * 86_400);
        let v2 = l.sign(&key).unwrap();
        assert_eq!(&v2.as_bytes()[1..20], b"nodelock/license/v2");
        assert_eq!(SignedLicense::from_bytes(v2.as_bytes(), &trusted).unwrap().license(), &l);
        assert_eq!(SignedLicense::inspect_unverified(&v2.to_armoured()).unwrap().0, l);
    }
}
