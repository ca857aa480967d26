//! The typed details a [`Reason`](super::Reason) carries — which signed
//! document, what does not match, what is wrong with the store — each shown,
//! and serialised into `nodelock status --json`, as its message text.

use std::fmt;

use serde::{Serialize, Serializer};

use super::store::{StoreCorrupt, StoreUnreadable};
use crate::codec::tag;

/// Which signed document a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Document {
    /// The license.
    License,
    /// The activation certificate.
    Certificate,
}

impl Document {
    /// What people call it ("license", "activation certificate").
    pub fn name(self) -> &'static str {
        match self {
            Document::License => tag::LICENSE.name,
            Document::Certificate => tag::CERTIFICATE.name,
        }
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What about a stored activation does not belong here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mismatch {
    /// The certificate is for another license.
    OtherLicense,
    /// The certificate was made for another activation key than the stored secret's.
    OtherInstallation,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mismatch::OtherLicense => "the activation is for another license",
            Mismatch::OtherInstallation => "the certificate was made for another installation",
        })
    }
}

impl Serialize for Mismatch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why the store cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreProblem {
    /// The activation file is damaged.
    Corrupt(StoreCorrupt),
    /// A store file cannot be read.
    Unreadable(StoreUnreadable),
    /// The license file cannot be read.
    LicenseUnreadable(StoreUnreadable),
}

impl fmt::Display for StoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreProblem::Corrupt(e) => write!(f, "{e}"),
            StoreProblem::Unreadable(e) => write!(f, "{e}"),
            StoreProblem::LicenseUnreadable(e) => write!(
                f,
                "cannot read the license file {}: {}",
                e.path.display(),
                super::store::IoCause(e.kind, e.os_code)
            ),
        }
    }
}

impl Serialize for StoreProblem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
