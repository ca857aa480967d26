//! The online service's JSON bodies, written once for both ends: the service
//! (`server`, feature `server`) answers with them and the online client
//! (`online`, feature `online`) reads them. Plain data, always compiled. `docs/openapi.yaml` describes the
//! same shapes; `tests/server_api.rs` checks the two agree.
//!
//! Binary messages (requests, certificates, receipts) travel as standard
//! base64 (with padding) of their framed bytes — the online form of
//! `docs/FORMAT.md` — never as offline codes, so nothing is lost to a code's
//! grouping. Every body refuses unknown fields: a typo in a field name is an
//! error, not a silently ignored option.
//!
//! One endpoint takes a query string, `GET /v1/licenses/{id}/seats`'s page
//! ([`seat_page_query`]); it is read as strictly as the bodies: another name,
//! a name given twice, or a value that is not a whole number in its range
//! (digits only: no sign, no spaces) is a [`QueryError`], never ignored.

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

use crate::authority::GrantKind;

/// The largest request body the service reads (checked before reading it):
/// the largest activation request in its base64 form, with room for the
/// JSON around it and a license key.
pub const MAX_BODY: usize = 16 * 1024;

/// The most seats one page of `GET /v1/licenses/{id}/seats` holds (its
/// `limit` query parameter goes from 1 to this).
pub const MAX_SEAT_PAGE: u32 = 1000;

/// The seats of one page of `GET /v1/licenses/{id}/seats` when the query
/// names no `limit`: every answer is a bounded page, even for a caller that
/// does not page.
pub const DEFAULT_SEAT_PAGE: u32 = 100;

/// Which page of a license's seats `GET /v1/licenses/{id}/seats` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatPageQuery {
    /// Seats numbered above this one (`after`, default 0: the first page).
    pub after: u32,
    /// At most this many (`limit`, 1 to [`MAX_SEAT_PAGE`], default
    /// [`DEFAULT_SEAT_PAGE`]).
    pub limit: u32,
}

/// Why a query string cannot be used (the service answers 400 `bad_input`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A name the endpoint does not take.
    #[error("this endpoint takes only {SEAT_PAGE_PARAMETERS}")]
    UnknownParameter,
    /// A name given more than once.
    #[error("`{name}` is given twice: give it once (this endpoint takes {SEAT_PAGE_PARAMETERS})")]
    Repeated {
        /// The parameter.
        name: &'static str,
    },
    /// `after` is not a seat number.
    #[error("`after` must be a seat number from 0 to 4294967295 (the `next_after` of the page before)")]
    BadAfter,
    /// `limit` is not a whole number from 1 to [`MAX_SEAT_PAGE`].
    #[error("`limit` must be a whole number of seats from 1 to 1000 (default 100)")]
    BadLimit,
}

/// What the seats endpoint takes, for the messages.
const SEAT_PAGE_PARAMETERS: &str = "the query parameters `limit` (seats per page, 1 to 1000, default \
                                    100) and `after` (the seat number the page starts after, default 0)";

/// Reads the query string of `GET /v1/licenses/{id}/seats` (without the
/// `?`; empty when there is none).
pub fn seat_page_query(query: &str) -> Result<SeatPageQuery, QueryError> {
    let (mut after, mut limit) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, slot) = match name {
            "after" => ("after", &mut after),
            "limit" => ("limit", &mut limit),
            _ => return Err(QueryError::UnknownParameter),
        };
        if slot.is_some() {
            return Err(QueryError::Repeated { name });
        }
        *slot = Some(value);
    }
    let after = match after {
        None => 0,
        Some(text) => whole_number(text).ok_or(QueryError::BadAfter)?,
    };
    let limit = match limit {
        None => DEFAULT_SEAT_PAGE,
        Some(text) => {
            whole_number(text).filter(|n| (1..=MAX_SEAT_PAGE).contains(n)).ok_or(QueryError::BadLimit)?
        }
    };
    Ok(SeatPageQuery { after, limit })
}

/// A whole number of ASCII digits that fits in `u32`.
fn whole_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `POST /v1/license`: the signed license a license key stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseQuery {
    /// The license key (`NL-XXXXX-XXXXX-XXXXX-XXXXX`).
    pub license_key: String,
}

/// The answer to [`LicenseQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseAnswer {
    /// The license id.
    pub license_id: String,
    /// The signed license, armoured (what `nodelock license issue` writes).
    pub license: String,
}

/// `POST /v1/activate` and `POST /v1/renew`: an activation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// The request's framed bytes, base64.
    pub request: String,
    /// The license key the license was obtained with, if it was: the answer
    /// then carries the signed license too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_key: Option<String>,
}

/// The answer to [`ActivateBody`]: a signed certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantAnswer {
    /// How it came about (`seat`, `renewal`, `temporary`, `upgrade`,
    /// `transfer`, `repeated`).
    pub kind: GrantKind,
    /// The signed certificate's bytes, base64 (install these).
    pub certificate: String,
    /// The same certificate as an offline code (`NLC-…`), for display.
    pub code: String,
    /// The license id.
    pub license_id: String,
    /// The activation id.
    pub activation_id: String,
    /// The seat, `null` for a temporary activation.
    pub seat: Option<u32>,
    /// The end of a temporary activation (Unix seconds), else `null`.
    pub temporary_until: Option<u64>,
    /// The end of the certificate's lease (Unix seconds); `null` for a
    /// perpetual certificate.
    pub lease_ends: Option<u64>,
    /// The signed license, armoured, when the request named a license key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

/// `POST /v1/deactivate`: a deactivation receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    /// The receipt's signed bytes, base64.
    pub receipt: String,
}

/// The answer to [`DeactivateBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeactivateAnswer {
    /// `deactivated` (the seat or temporary period is free), `still_held`
    /// (another store of the machine still holds it) or `already_ended`.
    pub result: DeactivateResult,
    /// The activation.
    pub activation_id: String,
    /// Its seat, `null` for a temporary activation (or when it had ended).
    pub seat: Option<u32>,
}

/// What a receipt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeactivateResult {
    /// The activation ended; its seat is free.
    Deactivated,
    /// This store's certificates are retired; another store still holds the seat.
    StillHeld,
    /// It had ended before; nothing changed.
    AlreadyEnded,
}

/// `POST /v1/licenses/{id}/seats/{seat}/release`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseAnswer {
    /// The license.
    pub license_id: String,
    /// The activation that held the seat.
    pub activation_id: String,
    /// The seat, now free.
    pub seat: u32,
}

/// Every error the service answers: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error's stable code (the README's table) and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// The stable code (`no_free_seat`).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

/// Reads an end user's request body as the service does: the JSON of `T`
/// (unknown fields refused), after the size cap.
pub fn read<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    if body.len() > MAX_BODY {
        return Err(serde::de::Error::custom("the body is over the service's limit"));
    }
    serde_json::from_slice(body)
}

/// Standard base64 with padding, as every binary field travels.
pub fn to_base64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Reads a binary field, refusing more than `max` decoded bytes before
/// decoding (so a huge field cannot allocate).
pub fn from_base64(text: &str, max: usize) -> Option<Vec<u8>> {
    if text.len() / 4 * 3 > max + 2 {
        return None;
    }
    Base64::decode_vec(text).ok().filter(|b| b.len() <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_refuses_oversized_fields_before_decoding() {
        let bytes = [0u8, 1, 2, 250, 255];
        assert_eq!(from_base64(&to_base64(&bytes), 5).as_deref(), Some(&bytes[..]));
        assert_eq!(from_base64(&to_base64(&bytes), 4), None);
        assert_eq!(from_base64(&"A".repeat(4000), 100), None);
        assert_eq!(from_base64("not base64!", 100), None);
    }

    fn page(query: &str) -> Result<SeatPageQuery, QueryError> {
        seat_page_query(query)
    }

    #[test]
    fn a_seat_page_query_defaults_to_the_first_hundred_seats() {
        assert_eq!(page(""), Ok(SeatPageQuery { after: 0, limit: DEFAULT_SEAT_PAGE }));
        assert_eq!(page("after=250"), Ok(SeatPageQuery { after: 250, limit: 100 }));
        assert_eq!(page("limit=7&after=14"), Ok(SeatPageQuery { after: 14, limit: 7 }));
        assert_eq!(page("limit=1000&after=4294967295"), Ok(SeatPageQuery { after: u32::MAX, limit: 1000 }));
        assert_eq!(page("limit=007&&"), Ok(SeatPageQuery { after: 0, limit: 7 }));
    }

    #[test]
    fn a_seat_page_query_refuses_anything_else() {
        use QueryError as Q;
        for (query, error) in [
            ("limit=0", Q::BadLimit),
            ("limit=1001", Q::BadLimit),
            ("limit=", Q::BadLimit),
            ("limit", Q::BadLimit),
            ("limit=ten", Q::BadLimit),
            ("limit=+5", Q::BadLimit),
            ("limit=-1", Q::BadLimit),
            ("limit=5.0", Q::BadLimit),
            ("limit=%35", Q::BadLimit),
            ("after=-1", Q::BadAfter),
            ("after=4294967296", Q::BadAfter),
            ("after=1e3", Q::BadAfter),
            ("after=1&after=2", Q::Repeated { name: "after" }),
            ("limit=5&limit=5", Q::Repeated { name: "limit" }),
            ("offset=10", Q::UnknownParameter),
            ("Limit=10", Q::UnknownParameter),
        ] {
            assert_eq!(page(query), Err(error), "{query}");
        }
    }

    #[test]
    fn the_query_messages_name_the_real_bounds() {
        let bounds = format!("1 to {MAX_SEAT_PAGE}, default {DEFAULT_SEAT_PAGE}");
        assert!(SEAT_PAGE_PARAMETERS.contains(&bounds));
        let bounds = format!("1 to {MAX_SEAT_PAGE} (default {DEFAULT_SEAT_PAGE})");
        assert!(QueryError::BadLimit.to_string().contains(&bounds));
        assert!(QueryError::BadAfter.to_string().contains(&u32::MAX.to_string()));
    }

    #[test]
    fn bodies_refuse_unknown_fields() {
        let typo = r#"{"request": "AAAA", "licence_key": "NL-1"}"#;
        assert!(serde_json::from_str::<ActivateBody>(typo).is_err());
        let ok = r#"{"request": "AAAA"}"#;
        assert_eq!(serde_json::from_str::<ActivateBody>(ok).unwrap().license_key, None);
    }
}
