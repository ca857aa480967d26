//! The administrators' endpoints, behind a bearer token set when the service
//! starts: the licenses in use, one license's seats (a page at a time),
//! releasing a seat, and a license's history. The token is compared in
//! constant time (as SHA-256 digests, so neither its length nor a prefix
//! leaks through timing).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::seat_page::{SeatsAnswer, page_query};
use super::{ApiError, Shared, json_response};
use crate::authority::{Authority, AuthorityError, Culled, Ledger, LicenseStatus};
use crate::codes::ErrorCode;
use crate::license::LicenseId;
use crate::timestamp::Timestamp;
use crate::wire::ReleaseAnswer;

/// Who the history names for administrators' requests.
const ACTOR: &str = "administrator (online service)";

/// `GET /v1/licenses`: every product and license, with their seats.
pub(super) async fn licenses<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let now = s.now();
    let status = s.run(move |a| a.status(None, now)).await?;
    Ok(json_response(StatusCode::OK, &status))
}

/// `GET /v1/licenses/{id}/seats?limit=N&after=SEAT`: one page of a
/// license's seats and who holds them, with its counts and `next_after`
/// (`seat_page.rs`).
pub(super) async fn seats<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let id = license_id(&id)?;
    let asked = page_query(query.as_deref())?;
    let now = s.now();
    let page = s.run(move |a| a.seat_page(id, asked.after, asked.limit, now)).await?;
    Ok(json_response(StatusCode::OK, &SeatsAnswer::of(&page)))
}

/// `POST /v1/licenses/{id}/seats/{seat}/release`: frees a seat at once (a
/// dead, re-imaged or stolen machine); the machine's certificates are not
/// renewed and stop at their lease end plus grace.
pub(super) async fn release<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
    Path((id, seat)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let id = license_id(&id)?;
    let seat: u32 = seat
        .parse()
        .map_err(|_| ApiError::not_found(format!("there is no seat {seat:?}: seats are numbered from 1")))?;
    let now = s.now();
    let freed = s
        .run(move |a| {
            let license = license_status(a, id, now)?;
            let Some(holder) = license.activations.iter().find(|h| h.seat == Some(seat)) else {
                return Ok(None);
            };
            a.release(holder.activation_id, ACTOR, now).map(Some)
        })
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("seat {seat} of license {id} is not in use; nothing changed"))
        })?;
    let answer = ReleaseAnswer {
        license_id: freed.license_id.to_string(),
        activation_id: freed.activation_id.to_string(),
        seat,
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// `GET /v1/licenses/{id}/history`: every entry about the license, oldest first.
pub(super) async fn history<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let id = license_id(&id)?;
    let now = s.now();
    let entries = s
        .run(move |a| {
            license_status(a, id, now)?;
            a.history(Some(id))
        })
        .await?;
    Ok(json_response(StatusCode::OK, &entries))
}

/// `POST /v1/cull`: reclaims now the seats of machines whose certificates
/// all ran out (lease + grace) without renewal — what the service's
/// schedule does every `--cull-every` seconds.
pub(super) async fn cull<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorised(&s, &headers)?;
    let culled = cull_now(&s).await?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "culled": culled })))
}

/// One cull, as of the service's clock.
pub(super) async fn cull_now<L: Ledger + 'static>(s: &Shared<L>) -> Result<Vec<Culled>, ApiError> {
    let now = s.now();
    s.run(move |a| a.cull("culling (online service)", now)).await
}

/// Refuses a request without the service's bearer token.
fn authorised<L: Ledger>(s: &Shared<L>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &s.config.admin_token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AdminDisabled,
            "the administrator endpoints are off: start the service with --admin-token-file FILE",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(token.as_bytes()));
    let differs = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    if differs == 0 && !given.is_empty() {
        return Ok(());
    }
    let mut e = ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        "this endpoint needs the administrator's token: send `Authorization: Bearer TOKEN`",
    );
    e.challenge = true;
    Err(e)
}

fn license_id(text: &str) -> Result<LicenseId, ApiError> {
    text.parse().map_err(|_| {
        ApiError::not_found(format!("{text:?} is not a license id (32 hexadecimal digits); nothing is there"))
    })
}

/// License `id`'s seats, or `UnknownLicense`.
fn license_status<L: Ledger>(
    a: &Authority<L>,
    id: LicenseId,
    now: Timestamp,
) -> Result<LicenseStatus, AuthorityError> {
    let status = a.status(Some(id), now)?;
    status
        .licenses
        .into_iter()
        .find(|l| l.license_id == id)
        .ok_or(AuthorityError::UnknownLicense { license_id: id })
}
