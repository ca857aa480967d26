//! `nodelock authority …` (the vendor's activation desk: set up a ledger,
//! add licenses, answer requests, accept receipts) and `nodelock seats …`
//! (seat administration, in [`seats`]). Both work on a SQLite ledger file.
//!
//! `init` records the authority's public key and the *path* of its secret
//! key file in the ledger — never the secret itself — so commands that sign
//! (`grant`, `seats transfer`, `license-key`; `add-license`, for the
//! license key it prints) find the key by default; `--key` overrides
//! it and must be the same key (the library's [`DbLedger::bind_key`] and
//! [`DbLedger::secret_key`] decide). Exit statuses: 0 done, 1 refused
//! under the license's rules (no free seat, transfers used up, revoked …),
//! 2 bad input.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{Failure, Outcome, code_or_file, read_text};
use crate::activation::ActivationError;
use crate::activation::{ActivationId, ActivationKind, ActivationRequest};
use crate::authority::{
    Authority, AuthorityError, DbLedger, Deactivation, Grant, GrantKind, KeyBinding, LicenseChange,
};
use crate::codes::ErrorCode;
use crate::keys::SecretKey;
use crate::license::LicenseError;
use crate::license::{LicenseId, SignedLicense};
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

mod seats;

pub(crate) use seats::{SeatsCommand, run_seats};

/// The largest request, receipt or license file read.
const MAX_FILE: u64 = 64 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum AuthorityCommand {
    /// Create a ledger for the authority's key (or check that an existing
    /// ledger belongs to it). Records the key's public half and the path of
    /// the secret key file, never the secret itself.
    Init {
        /// The ledger: a file (created if missing), or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The authority's secret key file (`nodelock keys generate`).
        #[arg(long, value_name = "SECRET")]
        key: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Add a signed license to the ledger: a new license with its seats, or
    /// a newer release of one already there.
    AddLicense {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The license file.
        #[arg(value_name = "LICENSE")]
        license: PathBuf,
        /// The authority's secret key file, which the license key is derived
        /// from (default: the one recorded at init).
        #[arg(long, value_name = "SECRET")]
        key: Option<PathBuf>,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Print a license's key (NL-…) again: derived from the secret key, so
    /// the ledger never holds it.
    LicenseKey {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The license id.
        #[arg(long, value_name = "ID")]
        license: String,
        /// The authority's secret key file (default: the one recorded at init).
        #[arg(long, value_name = "SECRET")]
        key: Option<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Answer an activation request and print the response code for the customer.
    Grant {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The authority's secret key file (default: the one recorded at init).
        #[arg(long, value_name = "SECRET")]
        key: Option<PathBuf>,
        /// The request: an NLR-… code, or a file holding it.
        #[arg(long, value_name = "CODE|FILE")]
        request: String,
        /// A name for the machine in the seat list (default: the one in the request).
        #[arg(long, value_name = "NAME")]
        label: Option<String>,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Print the full response code (the whole certificate, ~700
        /// characters) instead of the short one (~160): for an application
        /// built before short responses, or a short response the machine
        /// could not install.
        #[arg(long)]
        long_code: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Accept a machine's deactivation receipt and free its seat.
    Deactivate {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The receipt: an NLD-… code, or a file holding it.
        #[arg(long, value_name = "CODE|FILE")]
        receipt: String,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a license: no more activations, transfers or seat packs.
    Revoke {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The license id.
        #[arg(long, value_name = "ID")]
        license: String,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run_authority(command: AuthorityCommand) -> Outcome {
    let now = Timestamp::now();
    match command {
        AuthorityCommand::Init { db, key, json } => init(&db, &key, json),
        AuthorityCommand::AddLicense { db, license, key, actor, json } => {
            // The key is needed for the license key only: without one recorded
            // or given, the license is still added.
            let a = match (signing(&db, key.as_deref()), &key) {
                (Ok(a), _) => a,
                (Err(e), Some(_)) => return Err(e),
                (Err(_), None) => admin(&db)?,
            };
            let text = read_text(&license, MAX_FILE)?;
            let signed = SignedLicense::from_armoured(&text, a.trusted_keys()).map_err(|e| match e {
                // A signature that does not verify is a negative answer (README: 1).
                LicenseError::Signature(SignatureError::BadSignature { .. }) => {
                    Failure::negative(format!("{}: {e}", license.display()))
                        .with_code(ErrorCode::BadSignature)
                }
                e => Failure::input_about(license.display(), e),
            })?;
            let l = signed.license();
            let added = a.add_license(&signed, &actor_name(actor), now).map_err(fail)?;
            let what = match added.change {
                LicenseChange::Issued => format!("added: {} seat(s)", l.seats),
                LicenseChange::Reissued { from } => {
                    format!("release {} replaces release {from}", l.release_version)
                }
                _ => "already recorded; nothing changed".to_owned(),
            };
            let key_line = match &added.license_key {
                Some(k) => format!("\nlicense key: {k}"),
                None => "\nlicense key: not printed (no secret key; see `nodelock authority license-key`)"
                    .to_owned(),
            };
            let value = serde_json::json!({
                "license_id": l.id.to_string(),
                "product": l.product,
                "licensee": l.licensee,
                "release_version": l.release_version,
                "result": what,
                "license_key": added.license_key.as_ref().map(ToString::to_string),
            });
            let text = format!("license {} ({}, {}): {what}{key_line}", l.id, l.product, l.licensee);
            super::emit(json, text, value)
        }
        AuthorityCommand::LicenseKey { db, license, key, json } => {
            let id = license_id(&license)?;
            let k = signing(&db, key.as_deref())?.license_key(id).map_err(fail)?;
            let value = serde_json::json!({ "license_id": id.to_string(), "license_key": k.to_string() });
            super::emit(json, k.to_string(), value)
        }
        AuthorityCommand::Grant { db, key, request, label, actor, long_code, json } => {
            let a = signing(&db, key.as_deref())?;
            let request = read_request(&request)?;
            let grant = a.activate(&request, label.as_deref(), &actor_name(actor), now).map_err(fail)?;
            print_grant(&grant, json, long_code)
        }
        AuthorityCommand::Deactivate { db, receipt, actor, json } => {
            let data = code_or_file(&receipt, MAX_FILE)?;
            let (text, value) = match admin(&db)?.deactivate(&data, &actor_name(actor), now).map_err(fail)? {
                Deactivation::Deactivated(f) => (
                    match f.seat {
                        Some(seat) => format!(
                            "activation {} ended: seat {seat} of license {} is free",
                            f.activation_id, f.license_id
                        ),
                        None => format!(
                            "temporary activation {} of license {} ended",
                            f.activation_id, f.license_id
                        ),
                    },
                    serde_json::json!({
                        "result": "deactivated",
                        "activation_id": f.activation_id.to_string(),
                        "license_id": f.license_id.to_string(),
                        "seat": f.seat,
                    }),
                ),
                Deactivation::StillHeld { activation_id, seat, stores } => {
                    let held =
                        seat.map_or_else(|| "its temporary period".to_owned(), |s| format!("seat {s}"));
                    (
                        format!(
                            "receipt accepted: this store's certificates of activation {activation_id} are \
                             retired, but {held} stays in use: {stores} other store(s) on that machine still \
                             hold a live certificate (deactivate those too to free it)"
                        ),
                        serde_json::json!({
                            "result": "still_held",
                            "activation_id": activation_id.to_string(),
                            "seat": seat,
                            "stores": stores,
                        }),
                    )
                }
                Deactivation::AlreadyEnded { activation_id, state } => (
                    format!("activation {activation_id} had already ended ({state}); nothing changed"),
                    serde_json::json!({
                        "result": "already_ended",
                        "activation_id": activation_id.to_string(),
                        "state": state.to_string(),
                    }),
                ),
            };
            super::emit(json, text, value)
        }
        AuthorityCommand::Revoke { db, license, actor, json } => {
            let id = license_id(&license)?;
            let revoked = admin(&db)?.revoke(id, &actor_name(actor), now).map_err(fail)?;
            let text = if revoked {
                format!("license {id} revoked")
            } else {
                format!("license {id} was already revoked; nothing changed")
            };
            super::emit(
                json,
                text,
                serde_json::json!({ "license_id": id.to_string(), "revoked_now": revoked }),
            )
        }
    }
}

fn init(db: &Path, key_path: &Path, json: bool) -> Outcome {
    let key = SecretKey::read_file(key_path).map_err(|e| Failure::input_about(key_path.display(), e))?;
    let key_path = std::path::absolute(key_path).map_err(|e| Failure::input_about(key_path.display(), e))?;
    let path_text = key_path
        .to_str()
        .ok_or_else(|| Failure::input(format!("{} is not a UTF-8 path; move the key", key_path.display())))?;
    let ledger = DbLedger::open(db).map_err(Failure::input)?;
    let binding = ledger.bind_key(key.public_key(), path_text).map_err(Failure::input)?;
    let (text, result) = match binding {
        KeyBinding::Rebound => (
            format!(
                "ledger {} already belongs to key {}; the key's path is now {path_text}",
                ledger.describe(),
                key.key_id()
            ),
            "rebound",
        ),
        KeyBinding::Created => (
            format!(
                "ledger {} created for key {}; the secret key stays in {path_text} (only its path is recorded)",
                ledger.describe(),
                key.key_id()
            ),
            "created",
        ),
    };
    let value = serde_json::json!({
        "ledger": ledger.describe(),
        "key_id": key.key_id().to_string(),
        "key_path": path_text,
        "result": result,
    });
    super::emit(json, text, value)
}

/// An authority for administration: no secret key needed.
pub(super) fn admin(db: &Path) -> Result<Authority<DbLedger>, Failure> {
    let ledger = DbLedger::open_existing(db).map_err(Failure::input)?;
    let public = ledger.authority_key().map_err(Failure::input)?;
    Ok(Authority::without_signing_key(public, ledger))
}

/// An authority that can sign: `key`, or the key file recorded at `init`.
pub(super) fn signing(db: &Path, key: Option<&Path>) -> Result<Authority<DbLedger>, Failure> {
    let ledger = DbLedger::open_existing(db).map_err(Failure::input)?;
    let secret = ledger.secret_key(key).map_err(Failure::input)?;
    Ok(Authority::new(secret, ledger))
}

/// The exit status of an authority error: 1 for a refusal, 2 otherwise.
pub(super) fn fail(e: AuthorityError) -> Failure {
    // A receipt or message whose signature does not verify is a negative
    // answer too (README: 1), like the rules' refusals.
    let bad_signature = matches!(
        e,
        AuthorityError::ReceiptNotValid { .. }
            | AuthorityError::BadMessage(ActivationError::Signature(SignatureError::BadSignature { .. }))
    );
    if e.is_refusal() || bad_signature { Failure::negative(e) } else { Failure::input(e) }
}

/// `--actor`, else the user name, else `cli`.
pub(super) fn actor_name(actor: Option<String>) -> String {
    actor
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "cli".to_owned())
}

pub(super) fn license_id(text: &str) -> Result<LicenseId, Failure> {
    text.parse().map_err(Failure::input)
}

pub(super) fn activation_id(text: &str) -> Result<ActivationId, Failure> {
    text.parse().map_err(Failure::input)
}

pub(super) fn read_request(arg: &str) -> Result<ActivationRequest, Failure> {
    let data = code_or_file(arg, MAX_FILE)?;
    ActivationRequest::from_code_or_bytes(&data).map_err(Failure::input)
}

/// Prints the response code (or, under `--json`, `{"code", "full_code",
/// "kind", …}`) on stdout and what was granted on stderr. The code is the
/// short response unless `long` (or the certificate cannot be sent short).
pub(super) fn print_grant(grant: &Grant, json: bool, long: bool) -> Outcome {
    let c = &grant.certificate;
    let code = if long { grant.full_code() } else { grant.code() };
    let kind = match grant.kind {
        GrantKind::Seat => "seat",
        GrantKind::Renewal => "renewal",
        GrantKind::Temporary => "temporary",
        GrantKind::Upgrade => "upgrade",
        GrantKind::Transfer => "transfer",
        GrantKind::Repeated => "repeated",
    };
    let until = match c.kind {
        ActivationKind::Temporary { until } => Some(until.date_string()),
        ActivationKind::Permanent => None,
    };
    let value = serde_json::json!({
        "code": code,
        "full_code": grant.full_code(),
        "kind": kind,
        "license_id": c.license_id.to_string(),
        "activation_id": c.activation_id.to_string(),
        "seat": c.seat,
        "until": until,
    });
    super::emit(json, &code, value)?;
    let seat = c.seat.map_or_else(String::new, |s| format!("seat {s} of "));
    let what = match grant.kind {
        GrantKind::Seat => format!("granted {seat}license {}", c.license_id),
        GrantKind::Renewal => format!("this machine already holds {seat}license {}: renewed", c.license_id),
        GrantKind::Temporary => format!(
            "every seat of license {} is taken: granted a temporary activation{} (it becomes permanent \
             when the machine activates again after a seat frees)",
            c.license_id,
            match c.kind {
                ActivationKind::Temporary { until } => format!(" until {}", until.date_string()),
                ActivationKind::Permanent => String::new(),
            }
        ),
        GrantKind::Upgrade => format!("the temporary activation took {seat}license {}", c.license_id),
        GrantKind::Transfer => format!("{seat}license {} moved to this machine", c.license_id),
        GrantKind::Repeated => format!(
            "this request was answered before: the same certificate again for {seat}license {}; nothing \
             changed",
            c.license_id
        ),
    };
    eprintln!("{what} (activation {}). Give the customer the response code above.", c.activation_id);
    Ok(())
}
