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

    #[test]
    fn bodies_refuse_unknown_fields() {
        let typo = r#"{"request": "AAAA", "licence_key": "NL-1"}"#;
        assert!(serde_json::from_str::<ActivateBody>(typo).is_err());
        let ok = r#"{"request": "AAAA"}"#;
        assert_eq!(serde_json::from_str::<ActivateBody>(ok).unwrap().license_key, None);
    }
}
