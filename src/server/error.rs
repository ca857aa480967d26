//! The service's one error answer: an HTTP status, a stable
//! [`ErrorCode`] and a sentence, sent as `{"error": {"code", "message"}}`
//! (`wire::ErrorBody`). Library errors take the code `codes::error_code`
//! gives them and a status by whose problem they are: a refusal by the rules
//! is 409, an unreadable message 400, the ledger's own trouble 500/503.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::activation::ActivationError;
use crate::authority::AuthorityError;
use crate::codes::{ErrorCode, error_code};
use crate::wire::{ErrorBody, ErrorDetail};

/// An error answer (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code.
    pub code: ErrorCode,
    /// What happened and what to do.
    pub message: String,
    /// For 429: when to try again.
    pub retry_after: Option<Duration>,
    /// For 401: answer with `WWW-Authenticate: Bearer`.
    pub challenge: bool,
}

impl ApiError {
    /// An answer with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None, challenge: false }
    }

    /// A body that could not be read as the endpoint's JSON.
    pub fn body(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequestBody, message)
    }

    /// Nothing at this path.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// The service failed, not the request.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, message)
    }
}

impl From<AuthorityError> for ApiError {
    fn from(e: AuthorityError) -> ApiError {
        let code = error_code(&e);
        let status = match &e {
            _ if e.is_refusal() => StatusCode::CONFLICT,
            AuthorityError::UnknownLicense { .. }
            | AuthorityError::UnknownActivation { .. }
            | AuthorityError::UnknownLicenseKey => StatusCode::NOT_FOUND,
            AuthorityError::ReceiptNotValid { .. } => StatusCode::FORBIDDEN,
            AuthorityError::BadMessage(_)
            | AuthorityError::BadName(_)
            | AuthorityError::WeakProfile(_)
            | AuthorityError::ImplausibleProfile(_) => StatusCode::BAD_REQUEST,
            AuthorityError::UntrustedLicense(_) => StatusCode::FORBIDDEN,
            AuthorityError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ if matches!(code, ErrorCode::DiskFull) => StatusCode::INSUFFICIENT_STORAGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl From<ActivationError> for ApiError {
    fn from(e: ActivationError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error_code(&e), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.as_str().to_owned(), message: self.message } };
        let mut response = super::json_response(self.status, &body);
        if let Some(after) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&after.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
