//! [`OnlineError`]: what can go wrong talking to an activation service, each
//! with what the end user can do about it, and its stable code.

use crate::activation::ActivationError;
use crate::codes::{ErrorCode, error_code};
use crate::license::LicenseKeyError;

/// An online activation, renewal or deactivation that did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnlineError {
    /// The server's address is not an `http://` or `https://` URL.
    #[error("{url:?} is not the address of an activation server: give it as https://host[:port]")]
    BadServerUrl {
        /// What was given.
        url: String,
    },
    /// No answer from the server (after the retries). `offline_code` is the
    /// request's (or receipt's) offline code, to give the vendor instead.
    #[error(
        "could not reach the activation server at {server}{}",
        match offline_code {
            Some(code) => format!(" — activate offline with this code instead (send it to the vendor and \
                                    install the code they answer with `nodelock activate apply`):\n{code}"),
            None => "; check the network connection and try again".to_owned(),
        }
    )]
    Unreachable {
        /// The server.
        server: String,
        /// The offline code of what could not be sent.
        offline_code: Option<String>,
        /// Why the last attempt failed.
        #[source]
        source: Option<Box<ureq::Error>>,
    },
    /// The server refused, with its stable code and its explanation.
    #[error("the activation server refused: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable code (`None` when this build does not know it).
        code: Option<ErrorCode>,
        /// The server's sentence.
        message: String,
    },
    /// The server answered something that is not a nodelock service's answer.
    #[error("{server} answered with {what}: is this the vendor's activation server? Check the address")]
    BadAnswer {
        /// The server.
        server: String,
        /// What was wrong with it.
        what: &'static str,
    },
    /// A license key with a typo (caught before anything was sent).
    #[error(transparent)]
    LicenseKey(#[from] LicenseKeyError),
    /// This machine's store, license or the certificate that came back.
    #[error(transparent)]
    Activation(#[from] ActivationError),
}

impl OnlineError {
    /// The stable code (the README's table).
    pub fn code(&self) -> ErrorCode {
        match self {
            OnlineError::BadServerUrl { .. } => ErrorCode::BadInput,
            OnlineError::Unreachable { .. } => ErrorCode::Unreachable,
            OnlineError::Refused { code, .. } => code.unwrap_or(ErrorCode::Refused),
            OnlineError::BadAnswer { .. } => ErrorCode::BadAnswer,
            OnlineError::LicenseKey(e) => error_code(e),
            OnlineError::Activation(e) => error_code(e),
        }
    }
}
