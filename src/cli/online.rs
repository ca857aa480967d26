//! The online commands (feature `online`): `nodelock activate online`,
//! `nodelock activate renew --server URL` and `nodelock deactivate --online URL`.
//! When the server cannot be reached each prints the offline code of what it
//! could not send (on stdout, so a script can keep it) and says so.

use std::path::PathBuf;

use clap::Args;

use super::machine::{DeactivateArgs, RenewArgs, profile_of, renewal_request, store_for, trusted_keys};
use super::{Failure, Outcome, read_text};
use crate::activation::{ActivationError, DeactivationReceipt, Store};
use crate::license::{LicenseKey, SignedLicense};
use crate::online::{Granted, OnlineClient, OnlineError};
use crate::timestamp::Timestamp;
use crate::wire::DeactivateResult;

const MAX_FILE: u64 = 256 * 1024;

/// `nodelock activate online`.
#[derive(Debug, Args)]
pub(crate) struct OnlineArgs {
    /// The license file to activate.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "license_key",
        conflicts_with = "license_key"
    )]
    license: Option<PathBuf>,
    /// The license key (NL-XXXXX-XXXXX-XXXXX-XXXXX) instead of a file: the
    /// service sends the license with the certificate.
    #[arg(long, value_name = "KEY")]
    license_key: Option<String>,
    /// The activation service.
    #[arg(long, value_name = "URL")]
    server: String,
    /// The license store (default: the per-user store of the license's product).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// A name for this machine in the vendor's seat list.
    #[arg(long, value_name = "TEXT")]
    label: Option<String>,
    /// Verify the license and the certificate with this public key before installing.
    #[arg(long, value_name = "PUB")]
    public_key: Vec<PathBuf>,
    /// Profile the machine described by DIR (holding sys/ and proc/) instead of this one.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// JSON output: what was installed.
    #[arg(long)]
    json: bool,
}

pub(super) fn activate(args: OnlineArgs) -> Outcome {
    let client = OnlineClient::new(&args.server).map_err(failure)?;
    let key = args.license_key.as_deref().map(LicenseKey::parse).transpose().map_err(Failure::input)?;
    let text = match (&args.license, &key) {
        (Some(path), _) => read_text(path, MAX_FILE)?,
        (None, Some(key)) => client.license_for_key(key).map_err(failure)?,
        (None, None) => return Err(Failure::input("name the license: --license FILE or --license-key KEY")),
    };
    let trusted = trusted_keys(&args.public_key)?;
    let license = if args.public_key.is_empty() {
        SignedLicense::inspect_unverified(&text).map_err(Failure::input)?.0
    } else {
        SignedLicense::from_armoured(&text, &trusted).map_err(Failure::input)?.license().clone()
    };
    let store = Store::new(store_for(args.store, &license.product)?);
    let profile = profile_of(&license, args.root.as_deref());
    let request =
        store.request(&text, &license, profile, args.label, Timestamp::now()).map_err(Failure::input)?;
    let granted = client.exchange("/v1/activate", &request, key.as_ref()).map_err(failure)?;
    install(&store, &granted, &args.public_key, args.json)
}

pub(super) fn renew(args: &RenewArgs, server: &str) -> Outcome {
    let client = OnlineClient::new(server).map_err(failure)?;
    let (text, store) = args.license_and_store()?;
    // Online requests keep their full digests (no length to save).
    let request = renewal_request(args, &text, &store, crate::profile::DIGEST_LEN)?;
    let granted = client.exchange("/v1/renew", &request, None).map_err(failure)?;
    install(&store, &granted, &args.public_key, args.json)
}

pub(super) fn deactivate(args: DeactivateArgs, server: &str) -> Outcome {
    let client = OnlineClient::new(server).map_err(failure)?;
    let store = Store::new(args.store.existing()?);
    let receipt = store.deactivate(Timestamp::now()).map_err(Failure::input)?;
    let answer = client.send_receipt(&receipt).map_err(|e| {
        if matches!(e, OnlineError::Unreachable { .. }) {
            // The store has given its activation up: the receipt is the
            // only way left to free the seat, so it goes to stdout.
            println!("{}", DeactivationReceipt::code_of(&receipt));
        }
        failure(e)
    })?;
    let text = match answer.result {
        DeactivateResult::Deactivated => "deactivated: the seat is free".to_owned(),
        DeactivateResult::StillHeld => {
            "deactivated here; another store of this machine still holds the seat".to_owned()
        }
        DeactivateResult::AlreadyEnded => "this activation had already ended; nothing changed".to_owned(),
    };
    let value = serde_json::json!({
        "result": answer.result,
        "activation_id": answer.activation_id,
        "seat": answer.seat,
    });
    super::emit(args.json, text, value)
}

fn install(store: &Store, granted: &Granted, keys: &[PathBuf], json: bool) -> Outcome {
    let cert = if keys.is_empty() {
        eprintln!(
            "warning: no --public-key given, so the certificate's signature was not checked now; \
             `nodelock status` checks it"
        );
        store.install_unverified(&granted.certificate)
    } else {
        store.install(&granted.certificate, &trusted_keys(keys)?)
    }
    .map_err(|e| match e {
        ActivationError::Signature(_) => Failure::negative(e),
        e => Failure::input(e),
    })?;
    let text = format!(
        "activated online: license {}, {} activation {} ({})",
        cert.license_id,
        cert.kind,
        cert.activation_id,
        serde_json::to_value(granted.answer.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    );
    let value = serde_json::json!({
        "kind": granted.answer.kind,
        "license_id": cert.license_id.to_string(),
        "activation_id": cert.activation_id.to_string(),
        "seat": cert.seat,
        "lease_ends": granted.answer.lease_ends,
        "store": store.dir().display().to_string(),
    });
    super::emit(json, text, value)
}

/// The exit status of an online error: 1 for a refusal or an unreachable
/// server (the answer is no), 2 for bad input.
fn failure(e: OnlineError) -> Failure {
    let code = e.code();
    let negative = matches!(e, OnlineError::Refused { .. } | OnlineError::Unreachable { .. });
    let f = if negative { Failure::negative(e) } else { Failure::input(e) };
    f.with_code(code)
}
