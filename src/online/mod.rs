//! The online client (feature `online`): activate, renew and deactivate
//! against the vendor's activation service (`nodelock serve`), blocking, with
//! no async runtime in the application — ureq over rustls.
//!
//! It sits beside the [`Validator`], never inside it: [`Validator::check`]
//! stays offline and fast, and the application calls
//! [`OnlineClient::renew_if_due`] from wherever it likes (a thread started at
//! start-up, a timer). That renews only inside the lease's renewal window
//! (its last third, or after its end), and its errors are for a log: while
//! `check` says `Licensed`, a network that is down changes nothing — the
//! lease's grace exists for that.
//!
//! # What it promises
//! - **The activation in force changes only when a valid certificate came
//!   back**: an answer is installed by [`Validator::install`], which
//!   verifies it against the pending request. The pending request itself is
//!   kept, so when the server cannot be reached
//!   ([`OnlineError::Unreachable`]) its offline code can be given to the
//!   vendor instead and the code's answer installed later.
//! - **Timeouts**: 10 s to connect, 30 s for a whole exchange.
//! - **Retries only where idempotent**: every call it makes is — the service
//!   answers the very request its last certificate answered again with that
//!   certificate and no change, a receipt presented twice changes nothing the
//!   second time, a license lookup is a read — so an exchange that failed in
//!   transport (or that the service answered `busy`) is sent again, the same
//!   bytes, at most twice more. A refusal is never retried.

mod error;

use std::time::Duration;

pub use error::OnlineError;

use crate::activation::certificate::MAX_CERTIFICATE_LEN;
use crate::activation::{
    ActivationCertificate, ActivationRequest, DeactivationReceipt, LeaseState, Reason, Validator, Verdict,
};
use crate::authority::GrantKind;
use crate::codes::ErrorCode;
use crate::license::LicenseKey;
use crate::timestamp::Timestamp;
use crate::wire::{
    ActivateBody, DeactivateAnswer, DeactivateBody, ErrorBody, GrantAnswer, LicenseAnswer, LicenseQuery,
    from_base64, to_base64,
};

/// The largest answer read from a service.
const MAX_ANSWER: u64 = 256 * 1024;
/// Transport failures retried per exchange.
const RETRIES: u32 = 2;

/// A client of one activation service.
#[derive(Debug, Clone)]
pub struct OnlineClient {
    server: String,
    agent: ureq::Agent,
}

/// A certificate the service granted and this store installed.
#[derive(Debug, Clone)]
pub struct Activated {
    /// How the authority granted it.
    pub kind: GrantKind,
    /// The installed certificate.
    pub certificate: ActivationCertificate,
}

/// A service's answer to a request: the certificate's bytes (not yet
/// installed) and what the service said about it.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The answer's fields.
    pub answer: GrantAnswer,
    /// The signed certificate, to install.
    pub certificate: Vec<u8>,
}

/// What [`OnlineClient::renew_if_due`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Renewal {
    /// Nothing: the lease is not in its renewal window (or is perpetual).
    NotDue(LeaseState),
    /// Nothing: the check finds no licensed activation to renew (none yet,
    /// or one the check refuses for another reason than its lease — the
    /// application's prompt says why, from [`Validator::check`]).
    NotActivated,
    /// Renewed: a new certificate is installed.
    Renewed(Box<Activated>),
}

impl OnlineClient {
    /// A client of the service at `server` (`https://…`, or `http://…` for a
    /// service on this machine or a test).
    pub fn new(server: &str) -> Result<OnlineClient, OnlineError> {
        let server = server.trim_end_matches('/');
        if !(server.starts_with("https://") || server.starts_with("http://"))
            || server.contains(char::is_whitespace)
        {
            return Err(OnlineError::BadServerUrl { url: server.to_owned() });
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .user_agent(concat!("nodelock/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(OnlineClient { server: server.to_owned(), agent })
    }

    /// The service's address.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The armoured license `key` stands for (not installed).
    pub fn license_for_key(&self, key: &LicenseKey) -> Result<String, OnlineError> {
        let answer: LicenseAnswer =
            self.post("/v1/license", &LicenseQuery { license_key: key.to_string() }, None)?;
        Ok(answer.license)
    }

    /// Activates this machine with the license in force (embedded, or
    /// installed in the store).
    pub fn activate(&self, validator: &Validator, label: Option<&str>) -> Result<Activated, OnlineError> {
        self.activate_at(validator, label, Timestamp::now())
    }

    /// [`activate`](Self::activate) with the request made as of `now`.
    pub fn activate_at(
        &self,
        validator: &Validator,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<Activated, OnlineError> {
        let request = validator.request_activation_at(label, now)?;
        self.send_request(validator, "/v1/activate", &request, None)
    }

    /// Activates this machine with a license key: fetches the key's license,
    /// verifies it is for this application, and installs it together with
    /// the certificate.
    pub fn activate_with_key(
        &self,
        validator: &Validator,
        key: &LicenseKey,
        label: Option<&str>,
    ) -> Result<Activated, OnlineError> {
        self.activate_with_key_at(validator, key, label, Timestamp::now())
    }

    /// [`activate_with_key`](Self::activate_with_key) as of `now`.
    pub fn activate_with_key_at(
        &self,
        validator: &Validator,
        key: &LicenseKey,
        label: Option<&str>,
        now: Timestamp,
    ) -> Result<Activated, OnlineError> {
        let license = self.license_for_key(key)?;
        let request = validator.request_activation_for_at(&license, label, now)?;
        self.send_request(validator, "/v1/activate", &request, Some(key))
    }

    /// Renews the activation this store holds, now.
    pub fn renew(&self, validator: &Validator) -> Result<Activated, OnlineError> {
        self.renew_at(validator, Timestamp::now())
    }

    /// [`renew`](Self::renew) as of `now`.
    pub fn renew_at(&self, validator: &Validator, now: Timestamp) -> Result<Activated, OnlineError> {
        let request = validator.request_renewal_at(None, now)?;
        self.send_request(validator, "/v1/renew", &request, None)
    }

    /// Renews when the lease is in its renewal window at `now` (see the
    /// module documentation): never on the start-up path, and an error here
    /// is never a reason to stop an application `check` found licensed.
    pub fn renew_if_due(&self, validator: &Validator, now: Timestamp) -> Result<Renewal, OnlineError> {
        let due = match validator.check_at(now) {
            Verdict::Licensed(l) => match l.lease_state {
                LeaseState::RenewalDue | LeaseState::Overdue | LeaseState::Expired => true,
                state => return Ok(Renewal::NotDue(state)),
            },
            Verdict::ActivationRequired { reason: Reason::LeaseExpired { .. } } => true,
            Verdict::ActivationRequired { .. } => false,
        };
        if !due || validator.store().load()?.active.is_none() {
            return Ok(Renewal::NotActivated);
        }
        self.renew_at(validator, now).map(|a| Renewal::Renewed(Box::new(a)))
    }

    /// Deactivates this machine and hands the receipt to the service. The
    /// store gives its activation up first (the receipt proves it did): when
    /// the service cannot be reached, [`OnlineError::Unreachable`] carries the
    /// receipt's offline code (`NLD-…`) for the vendor.
    pub fn deactivate(&self, validator: &Validator) -> Result<DeactivateAnswer, OnlineError> {
        let receipt = validator.deactivate()?;
        self.send_receipt(&receipt)
    }

    fn send_request(
        &self,
        validator: &Validator,
        path: &str,
        request: &ActivationRequest,
        key: Option<&LicenseKey>,
    ) -> Result<Activated, OnlineError> {
        let granted = self.exchange(path, request, key)?;
        let certificate = validator.install(&granted.certificate)?;
        Ok(Activated { kind: granted.answer.kind, certificate })
    }

    /// Sends `request` to `path` (`/v1/activate`, or `/v1/renew` for a
    /// renewal) and returns the answer with the certificate's bytes, not yet
    /// installed: for tools that manage a [`Store`](crate::activation::Store)
    /// themselves (the command line). Applications use [`activate`](Self::activate).
    pub fn exchange(
        &self,
        path: &str,
        request: &ActivationRequest,
        key: Option<&LicenseKey>,
    ) -> Result<Granted, OnlineError> {
        let body = ActivateBody {
            request: to_base64(&request.to_bytes()),
            license_key: key.map(LicenseKey::to_string),
        };
        let answer: GrantAnswer = self.post(path, &body, Some(request.to_code()))?;
        let certificate =
            from_base64(&answer.certificate, MAX_CERTIFICATE_LEN).ok_or(OnlineError::BadAnswer {
                server: self.server.clone(),
                what: "a certificate that is not base64",
            })?;
        Ok(Granted { answer, certificate })
    }

    /// Hands a deactivation receipt (its signed bytes) to the service; when
    /// unreachable, the error carries its offline code.
    pub fn send_receipt(&self, receipt: &[u8]) -> Result<DeactivateAnswer, OnlineError> {
        let body = DeactivateBody { receipt: to_base64(receipt) };
        self.post("/v1/deactivate", &body, Some(DeactivationReceipt::code_of(receipt)))
    }

    /// POSTs `body` to `path` and reads the answer: `T` on 200, the service's
    /// error otherwise. `offline` is the code to hand over if unreachable.
    fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
        offline: Option<String>,
    ) -> Result<T, OnlineError> {
        let url = format!("{}{path}", self.server);
        let bytes = serde_json::to_vec(body).map_err(|_| OnlineError::BadAnswer {
            server: self.server.clone(),
            what: "a body that cannot be written",
        })?;
        let mut attempt = 0;
        loop {
            let sent = self.agent.post(&url).content_type("application/json").send(&bytes[..]);
            let retry = match sent {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let text =
                        response.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().map_err(|_| {
                            OnlineError::BadAnswer {
                                server: self.server.clone(),
                                what: "an unreadable answer",
                            }
                        })?;
                    if status == 200 {
                        return serde_json::from_slice(&text).map_err(|_| OnlineError::BadAnswer {
                            server: self.server.clone(),
                            what: "an answer that is not the expected JSON",
                        });
                    }
                    let refusal = self.refusal(status, &text);
                    match &refusal {
                        OnlineError::Refused { code: Some(ErrorCode::Busy), .. } if attempt < RETRIES => None,
                        _ => return Err(refusal),
                    }
                }
                Err(e) => Some(e),
            };
            if attempt >= RETRIES {
                let source = retry.map(Box::new);
                return Err(OnlineError::Unreachable {
                    server: self.server.clone(),
                    offline_code: offline,
                    source,
                });
            }
            attempt += 1;
        }
    }

    fn refusal(&self, status: u16, text: &[u8]) -> OnlineError {
        match serde_json::from_slice::<ErrorBody>(text) {
            Ok(body) => OnlineError::Refused {
                status,
                code: ErrorCode::from_name(&body.error.code),
                message: body.error.message,
            },
            Err(_) => OnlineError::BadAnswer {
                server: self.server.clone(),
                what: "an error that is not a nodelock error",
            },
        }
    }
}
