//! The end users' endpoints: a license key's license, activate, renew,
//! deactivate. Each reads its JSON body (`read_body`), decodes the framed
//! message it carries, and runs one authority operation.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::{ApiError, Shared, json_response};
use crate::activation::ActivationRequest;
use crate::activation::receipt::MAX_RECEIPT_LEN;
use crate::activation::request::MAX_REQUEST_LEN;
use crate::authority::{Deactivation, Grant, Ledger};
use crate::codes::ErrorCode;
use crate::license::{LicenseKey, SignedLicense};
use crate::wire::{
    ActivateBody, DeactivateAnswer, DeactivateBody, DeactivateResult, GrantAnswer, LicenseAnswer,
    LicenseQuery, from_base64, to_base64,
};

/// Who the history names for end users' requests.
const ACTOR: &str = "online service";

/// `GET /v1/health`: the service is up and its routes answer.
pub(super) async fn health() -> Response {
    json_response(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

/// `POST /v1/license`.
pub(super) async fn license<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let query: LicenseQuery = read_body(&headers, body)?;
    let signed = key_license(&s, peer, &query.license_key).await?;
    let answer = LicenseAnswer { license_id: signed.license().id.to_string(), license: signed.to_armoured() };
    Ok(json_response(StatusCode::OK, &answer))
}

/// `POST /v1/activate`.
pub(super) async fn activate<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: ActivateBody = read_body(&headers, body)?;
    let request = read_request(&body.request)?;
    let license = match &body.license_key {
        Some(key) => {
            let signed = key_license(&s, peer, key).await?;
            if signed.license().id != request.license_id {
                return Err(ApiError::body(
                    "the request is for another license than the license key's: request activation with the \
                     license the key gave",
                ));
            }
            Some(signed.to_armoured())
        }
        None => None,
    };
    grant(&s, request, license).await
}

/// `POST /v1/renew`: the same operation (a store the ledger knows renews its
/// activation; see the authority's rules), without a license key.
pub(super) async fn renew<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RenewBody {
        request: String,
    }
    let body: RenewBody = read_body(&headers, body)?;
    let request = read_request(&body.request)?;
    grant(&s, request, None).await
}

/// `POST /v1/deactivate`.
pub(super) async fn deactivate<L: Ledger + 'static>(
    State(s): State<Arc<Shared<L>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: DeactivateBody = read_body(&headers, body)?;
    let receipt = from_base64(&body.receipt, MAX_RECEIPT_LEN)
        .ok_or_else(|| ApiError::body("`receipt` is not the base64 of a deactivation receipt"))?;
    let now = s.now();
    let done = s.run(move |a| a.deactivate(&receipt, ACTOR, now)).await?;
    let answer = match done {
        Deactivation::Deactivated(f) => DeactivateAnswer {
            result: DeactivateResult::Deactivated,
            activation_id: f.activation_id.to_string(),
            seat: f.seat,
        },
        Deactivation::StillHeld { activation_id, seat, .. } => DeactivateAnswer {
            result: DeactivateResult::StillHeld,
            activation_id: activation_id.to_string(),
            seat,
        },
        Deactivation::AlreadyEnded { activation_id, .. } => DeactivateAnswer {
            result: DeactivateResult::AlreadyEnded,
            activation_id: activation_id.to_string(),
            seat: None,
        },
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// Activates (or renews) `request` and answers with the certificate.
async fn grant<L: Ledger + 'static>(
    s: &Shared<L>,
    request: ActivationRequest,
    license: Option<String>,
) -> Result<Response, ApiError> {
    let now = s.now();
    let grant: Grant = s.run(move |a| a.activate(&request, None, ACTOR, now)).await?;
    let c = &grant.certificate;
    let answer = GrantAnswer {
        kind: grant.kind,
        certificate: to_base64(&grant.bytes),
        code: grant.code(),
        license_id: c.license_id.to_string(),
        activation_id: c.activation_id.to_string(),
        seat: c.seat,
        temporary_until: match c.kind {
            crate::activation::ActivationKind::Temporary { until } => Some(until.0),
            crate::activation::ActivationKind::Permanent => None,
        },
        lease_ends: c.lease_ends.map(|t| t.0),
        license,
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// The license `key` stands for, counting a wrong key against `peer`.
async fn key_license<L: Ledger + 'static>(
    s: &Shared<L>,
    peer: SocketAddr,
    key: &str,
) -> Result<SignedLicense, ApiError> {
    let now = s.now();
    let limited = |seconds: u64| {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!(
                "too many wrong license keys from this address: try again in {seconds} seconds, with the key \
                 exactly as you received it"
            ),
        );
        e.retry_after = Some(std::time::Duration::from_secs(seconds));
        e
    };
    let blocked = s.limiter.lock().unwrap_or_else(PoisonError::into_inner).blocked(peer.ip(), now);
    if let Some(seconds) = blocked {
        return Err(limited(seconds));
    }
    let failed = || s.limiter.lock().unwrap_or_else(PoisonError::into_inner).failed(peer.ip(), now);
    let key = match LicenseKey::parse(key) {
        Ok(key) => key,
        Err(e) => {
            failed();
            return Err(ApiError::new(StatusCode::BAD_REQUEST, crate::codes::error_code(&e), e.to_string()));
        }
    };
    match s.run(move |a| a.license_for_key(&key)).await {
        Err(e) if e.code == ErrorCode::UnknownLicenseKey => {
            failed();
            Err(e)
        }
        other => other,
    }
}

/// The JSON body of an end user's request: `application/json`, capped
/// (by the router's body limit, before reading), with known fields only.
pub(super) fn read_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::WrongContentType,
            "send the body as JSON, with the header `Content-Type: application/json`",
        ));
    }
    let bytes = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!(
                "the body is over the service's limit of {} bytes; nothing was read",
                crate::wire::MAX_BODY
            ),
        ),
        _ => ApiError::body("the request's body could not be read; send it again"),
    })?;
    crate::wire::read(&bytes).map_err(|e| {
        ApiError::body(format!("the body is not this endpoint's JSON ({e}); see docs/openapi.yaml"))
    })
}

fn read_request(text: &str) -> Result<ActivationRequest, ApiError> {
    let bytes = from_base64(text, MAX_REQUEST_LEN)
        .ok_or_else(|| ApiError::body("`request` is not the base64 of an activation request"))?;
    Ok(ActivationRequest::from_bytes(&bytes)?)
}
