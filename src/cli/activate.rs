//! `nodelock activate …`, `nodelock status` and `nodelock deactivate`: the
//! end user's side, driven from the command line (support, scripts, tests).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

pub(crate) use super::machine::{DeactivateArgs, RenewArgs};
use super::machine::{StoreChoice, profile_of, renewal_request, request_width, store_for, trusted_keys};
use super::{Failure, Outcome, code_or_file, collector_for, print_json, read_text};
use crate::activation::{ActivationCertificate, DeactivationReceipt, Store, Validator, Verdict};
use crate::cli::say;
use crate::license::{AppInfo, SignedLicense, Version};
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

const MAX_FILE: u64 = 256 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum ActivateCommand {
    /// Make an activation request for this machine and print its offline code.
    Request(RequestArgs),
    /// Renew the activation this store holds: print a request code (NLR-…)
    /// for the same seat; install the vendor's response with `activate apply`.
    /// With `--server URL` (feature `online`), renew with the activation service instead.
    Renew(RenewArgs),
    /// Activate this machine with the vendor's activation service, with a
    /// license file or a license key (feature `online`).
    #[cfg(feature = "online")]
    Online(super::online::OnlineArgs),
    /// Install the vendor's response (an NLC-… code, or a file holding it).
    Apply {
        /// The license store the request was made in: `--store DIR`, or the
        /// per-user store of `--license FILE`'s product (the default of `activate request`).
        #[command(flatten)]
        store: StoreChoice,
        /// The response: an offline code or a file.
        #[arg(long, value_name = "CODE|FILE")]
        response: String,
        /// Verify the response with this public key file before installing it.
        #[arg(long, value_name = "PUB")]
        public_key: Vec<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The license shipped with the application (a newer release supersedes the store's).
    #[arg(long, value_name = "FILE")]
    license: PathBuf,
    /// The vendor's public key file (repeatable, for key rotation).
    #[arg(long, value_name = "PUB", required = true)]
    public_key: Vec<PathBuf>,
    /// The license store (default: the per-user store of the license's product).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Profile the machine described by DIR instead of this one.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The application's version, checked against the license's version limit.
    #[arg(long, value_name = "VERSION", default_value = "0.0.0")]
    app_version: String,
    /// The application's build date, checked against "updates until" (default: today).
    #[arg(long, value_name = "DATE")]
    build_date: Option<Timestamp>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

/// What a request and a renewal are made from.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The license to activate (for a renewal: the license the activation is for).
    #[arg(long, value_name = "FILE")]
    license: PathBuf,
    /// The license store (default: the per-user store of the license's product).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// A name for this machine in the vendor's seat list.
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
    /// Profile the machine described by DIR (holding sys/ and proc/) instead of this one.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// JSON output: `{"code", "store"}`.
    #[arg(long)]
    json: bool,
    /// Also show the code as a QR code (on stderr, in Unicode half blocks), so
    /// a phone can carry it off an air-gapped machine.
    #[arg(long)]
    qr: bool,
    /// Print the full request (version 1: full 16-byte digests, about 550
    /// characters) instead of the short one (under 300 characters).
    #[arg(long)]
    long_code: bool,
}

pub(crate) fn run(command: ActivateCommand) -> Outcome {
    match command {
        ActivateCommand::Request(a) => request(a),
        ActivateCommand::Renew(a) => renew(a),
        #[cfg(feature = "online")]
        ActivateCommand::Online(a) => super::online::activate(a),
        ActivateCommand::Apply { store, response, public_key, json } => {
            apply(&store.existing()?, &response, &public_key, json)
        }
    }
}

fn request(args: RequestArgs) -> Outcome {
    let RequestArgs { license: license_file, store, label, root, json, qr, long_code } = args;
    let text = read_text(&license_file, MAX_FILE)?;
    // The authority verifies the license; here it only names what to activate.
    let (license, _) = SignedLicense::inspect_unverified(&text).map_err(Failure::input)?;
    let store = Store::new(store_for(store, &license.product)?);
    let profile = profile_of(&license, root.as_deref()).shortened(request_width(long_code));
    let request = store.request(&text, &license, profile, label, Timestamp::now()).map_err(Failure::input)?;
    print_request(&request, &store, json, qr)
}

fn renew(args: RenewArgs) -> Outcome {
    #[cfg(feature = "online")]
    if let Some(server) = &args.server {
        return super::online::renew(&args, server);
    }
    let (text, store) = args.license_and_store()?;
    let request = renewal_request(&args, &text, &store, request_width(args.long_code))?;
    print_request(&request, &store, args.json, args.qr)
}

fn print_request(
    request: &crate::activation::ActivationRequest,
    store: &Store,
    json: bool,
    qr: bool,
) -> Outcome {
    let code = request.to_code();
    let value = serde_json::json!({ "code": code, "store": store.dir().display().to_string() });
    super::emit(json, &code, value)?;
    if qr {
        eprintln!("{}", qr_text(&code)?);
    }
    eprintln!(
        "Send this code to the vendor (web page or email), then install the response with\n  \
         nodelock activate apply --store {} --response <CODE>",
        store.dir().display()
    );
    Ok(())
}

/// `code` as a QR code ([`crate::codec::qr`], the renderer the activation
/// prompt uses too).
pub(crate) fn qr_text(code: &str) -> Result<String, Failure> {
    crate::codec::qr::render(code).ok_or_else(|| Failure::input("the code is too long to draw as a QR code"))
}

fn apply(store: &Path, response: &str, keys: &[PathBuf], json: bool) -> Outcome {
    let data = code_or_file(response, MAX_FILE)?;
    let bytes = ActivationCertificate::bytes_from_response(&data).map_err(Failure::input)?;
    let store = Store::new(store);
    let cert = if keys.is_empty() {
        eprintln!(
            "warning: no --public-key given, so the response's signature was not checked now; \
             `nodelock status` checks it"
        );
        store.install_unverified(&bytes)
    } else {
        store.install(&bytes, &trusted_keys(keys)?)
    }
    .map_err(|e| match e {
        // A signature that does not verify is a negative answer (README: 1).
        crate::activation::ActivationError::Signature(SignatureError::BadSignature { .. }) => {
            Failure::negative(e)
        }
        e => Failure::input(e),
    })?;
    let text = format!(
        "activated: license {} release {}, {} activation {}",
        cert.license_id, cert.release_version, cert.kind, cert.activation_id
    );
    let value = serde_json::json!({
        "license_id": cert.license_id.to_string(),
        "release_version": cert.release_version,
        "activation_id": cert.activation_id.to_string(),
        "kind": cert.kind.to_string(),
        "seat": cert.seat,
        "store": store.dir().display().to_string(),
    });
    super::emit(json, text, value)
}

pub(crate) fn status(args: StatusArgs) -> Outcome {
    let trusted = trusted_keys(&args.public_key)?;
    let text = read_text(&args.license, MAX_FILE)?;
    let (shipped, _) = SignedLicense::inspect_unverified(&text).map_err(Failure::input)?;
    let version: Version = args.app_version.parse().map_err(Failure::input)?;
    let app = AppInfo::new(shipped.product.clone(), version, args.build_date.unwrap_or_else(Timestamp::now));
    let store = store_for(args.store, &shipped.product)?;
    let validator = Validator::new(app, trusted, store)
        .with_embedded_license(text)
        .with_collector(collector_for(args.root.as_deref()));
    let verdict = validator.check();
    if args.json {
        print_json(&verdict)?;
    } else {
        print_verdict(&verdict);
    }
    if verdict.is_licensed() { Ok(()) } else { Err(Failure::quiet_negative()) }
}

fn print_verdict(verdict: &Verdict) {
    match verdict {
        Verdict::Licensed(l) => {
            say!("{l}");
            for (k, v) in &l.license.features {
                say!("  {k} = {v}");
            }
            if let Some(c) = &l.comparison {
                print!("{c}");
            }
            if !l.not_read.is_empty() {
                let labels: Vec<&str> = l.not_read.iter().map(|k| k.label()).collect();
                say!("  Not read (they could not change the verdict): {}", labels.join(", "));
            }
            if let Some(warning) = l.lease_state.warning(l.lease_ends) {
                println!("Warning: {warning}");
            }
        }
        Verdict::ActivationRequired { reason } => {
            println!("Activation required: {reason}");
            if let crate::activation::Reason::HardwareChanged { comparison } = reason {
                print!("{comparison}");
            }
        }
    }
}

pub(crate) fn deactivate(args: DeactivateArgs) -> Outcome {
    #[cfg(feature = "online")]
    if let Some(server) = args.online.clone() {
        return super::online::deactivate(args, &server);
    }
    let store = Store::new(args.store.existing()?);
    let receipt = match store.deactivate(Timestamp::now()) {
        Ok(r) => r,
        Err(crate::activation::ActivationError::NotActivated) => match store
            .last_receipt()
            .map_err(Failure::input)?
        {
            Some(r) => {
                eprintln!("This machine holds no activation; this is the receipt of its last deactivation.");
                r
            }
            None => return Err(Failure::negative("this machine holds no activation to deactivate")),
        },
        Err(e) => return Err(Failure::input(e)),
    };
    let code = DeactivationReceipt::code_of(&receipt);
    super::emit(args.json, &code, serde_json::json!({ "receipt": code }))?;
    eprintln!("Send this receipt code to the vendor to free the seat.");
    Ok(())
}
