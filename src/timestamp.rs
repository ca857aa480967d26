//! Points in time as whole seconds since the Unix epoch (UTC).
//!
//! Encoded as a postcard varint in binary formats and as RFC 3339
//! (`2026-11-25T16:23:04Z`) in JSON. Only the proleptic Gregorian calendar in
//! UTC is supported; no time zones, no leap seconds.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The current time of the system clock (the epoch if the clock is before it).
    pub fn now() -> Self {
        Self::from_system(SystemTime::now())
    }

    /// Converts a [`SystemTime`], clamping times before the epoch to it.
    pub fn from_system(t: SystemTime) -> Self {
        Timestamp(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// The [`SystemTime`] of this timestamp.
    pub fn to_system(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// This time plus `secs` seconds (saturating).
    pub const fn plus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(secs))
    }

    /// This time plus `days` days (saturating).
    pub const fn plus_days(self, days: u64) -> Self {
        self.plus_secs(days.saturating_mul(DAY))
    }

    /// This time minus `secs` seconds (saturating at the epoch).
    pub const fn minus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_sub(secs))
    }

    /// Midnight UTC of a calendar date; `None` for dates that do not exist
    /// or lie before 1970.
    pub fn from_date(year: i64, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        u64::try_from(days).ok().map(|d| Timestamp(d * DAY))
    }

    /// The calendar date (year, month, day) of this time.
    pub fn date(self) -> (i64, u32, u32) {
        civil_from_days((self.0 / DAY) as i64)
    }

    /// `YYYY-MM-DD`.
    pub fn date_string(self) -> String {
        let (y, m, d) = self.date();
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.date();
        let s = self.0 % DAY;
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

/// A date or time that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")]
pub struct ParseTimestampError(pub String);

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ParseTimestampError(text.to_owned());
        let t = text.trim();
        let (date, time) = match t.split_once(['T', 't', ' ']) {
            Some((d, rest)) => (d, Some(rest.strip_suffix(['Z', 'z']).ok_or_else(err)?)),
            None => (t, None),
        };
        let mut parts = date.split('-');
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(err());
        }
        let num = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<u32>().ok()).flatten();
        let (y, m, d) = (num(y).ok_or_else(err)?, num(m).ok_or_else(err)?, num(d).ok_or_else(err)?);
        let day = Timestamp::from_date(i64::from(y), m, d).ok_or_else(err)?;
        let Some(time) = time else { return Ok(day) };
        let mut hms = time.split(':');
        let (Some(h), Some(mi), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
            return Err(err());
        };
        if h.len() != 2 || mi.len() != 2 || s.len() != 2 {
            return Err(err());
        }
        let (h, mi, s) = (num(h).ok_or_else(err)?, num(mi).ok_or_else(err)?, num(s).ok_or_else(err)?);
        if h > 23 || mi > 59 || s > 59 {
            return Err(err());
        }
        Ok(day.plus_secs(u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(s)))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_str(self) } else { s.serialize_u64(self.0) }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            u64::deserialize(d).map(Timestamp)
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(Timestamp::from_date(1970, 1, 1), Some(Timestamp(0)));
        assert_eq!(Timestamp::from_date(2000, 3, 1), Some(Timestamp(951_868_800)));
        assert_eq!("2026-11-25T16:23:04Z".parse::<Timestamp>().unwrap().to_string(), "2026-11-25T16:23:04Z");
        assert_eq!("2024-02-29".parse::<Timestamp>().unwrap().date(), (2024, 2, 29));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-1-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T10:00:00",
            "1969-12-31",
            "+024-01-01",
            "",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(secs in 0u64..253_402_300_799) {
            let t = Timestamp(secs);
            prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        }
    }
}
