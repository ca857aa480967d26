//! Product versions and the application's own identity, which a license can
//! limit ("valid for releases up to 3.x", "updates until 2027-06-30").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// A product version `major.minor.patch`. As a *limit*, a component of
/// `u32::MAX` is a wildcard, written `x` (`3.x` covers every 3.* release).
///
/// On the wire: three varints. In JSON: the string form (`"3.x.x"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version { major, minor, patch }
    }

    /// Parses a version *limit*: missing or `x` components are wildcards, so
    /// `3` and `3.x` mean "any 3.* release" and `3.2` means "any 3.2.*".
    pub fn parse_limit(text: &str) -> Result<Self, ParseVersionError> {
        parse(text, u32::MAX)
    }
}

fn parse(text: &str, missing: u32) -> Result<Version, ParseVersionError> {
    let err = || ParseVersionError(text.to_owned());
    let mut parts = text.trim().trim_start_matches(['v', 'V']).split('.');
    let mut next = |required: bool| -> Result<u32, ParseVersionError> {
        match parts.next() {
            None if !required => Ok(missing),
            Some("x" | "X" | "*") if missing == u32::MAX && !required => Ok(u32::MAX),
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().map_err(|_| err()),
            _ => Err(err()),
        }
    };
    let v = Version { major: next(true)?, minor: next(false)?, patch: next(false)? };
    if parts.next().is_some() {
        return Err(err());
    }
    Ok(v)
}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Parses a running version: `3`, `3.2` or `3.2.1` (missing parts are 0).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text, 0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |v: u32| if v == u32::MAX { "x".to_owned() } else { v.to_string() };
        write!(f, "{}.{}.{}", part(self.major), part(self.minor), part(self.patch))
    }
}

#[derive(Serialize, Deserialize)]
struct VersionWire(u32, u32, u32);

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            VersionWire(self.major, self.minor, self.patch).serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            Version::parse_limit(&text).map_err(serde::de::Error::custom)
        } else {
            let VersionWire(major, minor, patch) = VersionWire::deserialize(d)?;
            Ok(Version { major, minor, patch })
        }
    }
}

/// A version that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a version; write it as MAJOR[.MINOR[.PATCH]], e.g. 3.2.1 (use x for any: 3.x)")]
pub struct ParseVersionError(pub String);

/// What the running application says about itself, so a license can be
/// checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// The product id the application's licenses must name.
    pub product: String,
    /// The running version.
    pub version: Version,
    /// When this build was made (checked against "updates until").
    pub build_date: Timestamp,
}

impl AppInfo {
    /// Application `product` at `version`, built at `build_date`.
    pub fn new(product: impl Into<String>, version: Version, build_date: Timestamp) -> Self {
        AppInfo { product: product.into(), version, build_date }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_limits() {
        assert_eq!("3.2.1".parse::<Version>().unwrap(), Version::new(3, 2, 1));
        assert_eq!("v3".parse::<Version>().unwrap(), Version::new(3, 0, 0));
        assert_eq!(Version::parse_limit("3").unwrap(), Version::new(3, u32::MAX, u32::MAX));
        assert_eq!(Version::parse_limit("3.x").unwrap().to_string(), "3.x.x");
        assert_eq!(Version::parse_limit("3.2").unwrap(), Version::new(3, 2, u32::MAX));
        assert!(Version::new(3, 9, 9) <= Version::parse_limit("3").unwrap());
        assert!(Version::new(4, 0, 0) > Version::parse_limit("3").unwrap());
        for bad in ["", "a", "1..2", "1.2.3.4", "x", "3.x"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
        assert!(Version::parse_limit("x").is_err());
    }
}
