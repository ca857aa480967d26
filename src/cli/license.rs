//! `nodelock license …`: issue, re-issue and inspect signed licenses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{Failure, Outcome, print_json, read_text};
use crate::cli::say;
use crate::keys::{PublicKey, SecretKey, TrustedKeys};
use crate::license::{License, LicenseError, LicenseId, SignedLicense, Version};
use crate::signed::SignatureError;
use crate::timestamp::Timestamp;

const MAX_FILE: u64 = 256 * 1024;

/// [`DEFAULT_TEMPORARY_DAYS`](crate::license::DEFAULT_TEMPORARY_DAYS) as clap
/// needs it (a string constant); a test keeps the two equal, so the default
/// is the library's and not the tool's.
const DEFAULT_TEMPORARY_DAYS_ARG: &str = "90";

#[derive(Debug, Subcommand)]
pub(crate) enum LicenseCommand {
    /// Issue a new signed license.
    Issue(IssueArgs),
    /// Re-issue a license: same id, release version + 1, with changes.
    ///
    /// Every machine activated with the license must then activate again: a
    /// new release supersedes the old one (the release-version rule), so the
    /// start-up check answers "release superseded" until the machine holds a
    /// certificate for the new release. Operations that change seats without
    /// a new release, so no machine re-activates: `nodelock seats reissue`
    /// (a seat pack: more seats, or transfers for a seat whose transfers are
    /// used up), `seats release`, `seats transfer`, and `authority revoke`.
    Reissue(ReissueArgs),
    /// Show a license's fields and, with --public-key, whether its signature verifies.
    /// Exit status 1 when it does not verify, 2 when the file cannot be read.
    Inspect {
        /// The license file.
        file: PathBuf,
        /// Verify the signature with this public key file.
        #[arg(long, value_name = "PUB")]
        public_key: Option<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Terms that both `issue` and `reissue` can set.
#[derive(Debug, Args)]
pub(crate) struct Terms {
    /// Reactivation is needed when the hardware change score exceeds this.
    #[arg(long, value_name = "T")]
    tolerance: Option<u32>,
    /// Expiry date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    expires: Option<Timestamp>,
    /// Ignore the activation whenever the license store was moved, copied or restored.
    #[arg(long)]
    invalidate_on_move: bool,
    /// Allow temporary activations of D days when every seat is taken (90 when D is omitted).
    #[arg(long, value_name = "D", num_args = 0..=1, default_missing_value = DEFAULT_TEMPORARY_DAYS_ARG)]
    temporary_days: Option<u16>,
    /// An entitlement: K=V, or K alone for K=true. Repeatable.
    #[arg(long = "feature", value_name = "K=V")]
    features: Vec<String>,
    /// One-time transfers allowed per seat (default 1).
    #[arg(long, value_name = "N")]
    transfers: Option<u32>,
    /// Newest product version covered, e.g. 3 or 3.2 (wildcards: 3.x).
    #[arg(long, value_name = "VERSION")]
    max_version: Option<String>,
    /// Builds of the product made after this date are not covered.
    #[arg(long, value_name = "DATE")]
    updates_until: Option<Timestamp>,
    /// Minimum number of distinct hardware kinds a machine must show.
    #[arg(long, value_name = "N")]
    min_kinds: Option<u8>,
    /// How far (seconds) the clock may go back before it is reported.
    #[arg(long, value_name = "SECS")]
    clock_tolerance: Option<u32>,
    /// Certificates end N days after they are granted and must be renewed
    /// (0, the default: perpetual certificates).
    #[arg(long, value_name = "N")]
    lease_days: Option<u16>,
    /// Days a certificate still validates, with a warning, after its lease ends (default 7).
    #[arg(long, value_name = "G")]
    grace_days: Option<u16>,
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// The vendor's secret key file.
    #[arg(long, value_name = "SECRET")]
    key: PathBuf,
    /// Product id, e.g. com.example.app.
    #[arg(long, value_name = "P")]
    product: String,
    /// Who the license is for.
    #[arg(long, value_name = "NAME")]
    licensee: String,
    /// Number of machines that may be activated at once.
    #[arg(long, value_name = "N")]
    seats: u32,
    #[command(flatten)]
    terms: Terms,
    /// Where to write the license (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReissueArgs {
    /// The license to re-issue.
    file: PathBuf,
    /// The vendor's secret key file.
    #[arg(long, value_name = "SECRET")]
    key: PathBuf,
    /// The key that signed FILE, when it is not KEY (key rotation).
    #[arg(long, value_name = "PUB")]
    public_key: Option<PathBuf>,
    /// New licensee name.
    #[arg(long, value_name = "NAME")]
    licensee: Option<String>,
    /// New number of seats.
    #[arg(long, value_name = "N")]
    seats: Option<u32>,
    /// Remove the expiry date.
    #[arg(long, conflicts_with = "expires")]
    no_expiry: bool,
    /// Stop ignoring the activation when the store moves.
    #[arg(long, conflicts_with = "invalidate_on_move")]
    keep_on_move: bool,
    /// Remove an entitlement. Repeatable.
    #[arg(long = "remove-feature", value_name = "K")]
    remove_features: Vec<String>,
    #[command(flatten)]
    terms: Terms,
    /// Where to write the new release (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: LicenseCommand) -> Outcome {
    match command {
        LicenseCommand::Issue(args) => issue(args),
        LicenseCommand::Reissue(args) => reissue(args),
        LicenseCommand::Inspect { file, public_key, json } => inspect(&file, public_key.as_deref(), json),
    }
}

fn parse_features(items: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
            Some(_) => Err(Failure::input(format!("`--feature {item}`: the name before `=` is empty"))),
            None if !item.trim().is_empty() => Ok((item.trim().to_owned(), "true".to_owned())),
            None => Err(Failure::input("`--feature` needs K=V")),
        })
        .collect()
}

fn apply_terms(license: &mut License, terms: &Terms) -> Result<(), Failure> {
    if terms.tolerance == Some(0) {
        eprintln!(
            "warning: --tolerance 0 means any hardware change at all (a network card, a memory upgrade, a \
             new drive) makes the customer's machine activate again"
        );
    }
    if terms.min_kinds == Some(0) {
        eprintln!(
            "warning: --min-kinds 0 lets a machine showing no hardware (a bare container) activate: its \
             activation is locked to almost nothing, so it can be copied to any similar machine"
        );
    }
    if let Some(t) = terms.tolerance {
        license.policy.tolerance = t;
    }
    if let Some(e) = terms.expires {
        license.expires_at = Some(e);
    }
    if terms.invalidate_on_move {
        license.policy.invalidate_on_move = true;
    }
    if let Some(d) = terms.temporary_days {
        license.temporary_days = d;
    }
    license.features.extend(parse_features(&terms.features)?);
    if let Some(t) = terms.transfers {
        license.transfers_per_seat = t;
    }
    if let Some(v) = &terms.max_version {
        license.max_product_version = Some(Version::parse_limit(v).map_err(Failure::input)?);
    }
    if let Some(u) = terms.updates_until {
        license.updates_until = Some(u);
    }
    if let Some(m) = terms.min_kinds {
        license.policy.min_kinds = m;
    }
    if let Some(c) = terms.clock_tolerance {
        license.clock_tolerance_secs = c;
    }
    if let Some(n) = terms.lease_days {
        license.lease_days = n;
    }
    if let Some(g) = terms.grace_days {
        license.grace_days = g;
    }
    Ok(())
}

fn write_license(signed: &SignedLicense, out: &Path, json: bool) -> Outcome {
    crate::fsio::write_new(out, signed.to_armoured().as_bytes(), false).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::input(format!("{} already exists; choose another file name", out.display()))
        } else {
            Failure::input_about(format!("cannot write {}", out.display()), e)
        }
    })?;
    let l = signed.license();
    let text = format!(
        "license {} release {} for {} ({}) written to {}",
        l.id,
        l.release_version,
        l.licensee,
        l.product,
        out.display()
    );
    let value = serde_json::json!({
        "license_id": l.id.to_string(),
        "release_version": l.release_version,
        "product": l.product,
        "licensee": l.licensee,
        "seats": l.seats,
        "file": out.display().to_string(),
    });
    super::emit(json, text, value)
}

fn issue(args: IssueArgs) -> Outcome {
    let key = SecretKey::read_file(&args.key).map_err(Failure::input)?;
    let id = LicenseId::generate().map_err(Failure::input)?;
    let mut license = License::new(id, args.product, args.licensee, args.seats, Timestamp::now());
    apply_terms(&mut license, &args.terms)?;
    write_license(&license.sign(&key).map_err(Failure::input)?, &args.out, args.json)
}

fn reissue(args: ReissueArgs) -> Outcome {
    let key = SecretKey::read_file(&args.key).map_err(Failure::input)?;
    let mut trusted = TrustedKeys::single(key.public_key().clone());
    if let Some(p) = &args.public_key {
        trusted.add(PublicKey::read_file(p).map_err(Failure::input)?);
    }
    let text = read_text(&args.file, MAX_FILE)?;
    let old = SignedLicense::from_armoured(&text, &trusted).map_err(Failure::input)?;
    let mut license = old.license().reissue(Timestamp::now()).map_err(Failure::input)?;
    if let Some(name) = args.licensee {
        license.licensee = name;
    }
    if let Some(seats) = args.seats {
        license.seats = seats;
    }
    if args.no_expiry {
        license.expires_at = None;
    }
    if args.keep_on_move {
        license.policy.invalidate_on_move = false;
    }
    for k in &args.remove_features {
        license.features.remove(k);
    }
    apply_terms(&mut license, &args.terms)?;
    write_license(&license.sign(&key).map_err(Failure::input)?, &args.out, args.json)
}

fn inspect(file: &Path, public_key: Option<&Path>, json: bool) -> Outcome {
    let text = read_text(file, MAX_FILE)?;
    let (license, key_id) = SignedLicense::inspect_unverified(&text).map_err(Failure::input)?;
    let mut given = None;
    let verification = match public_key {
        None => None,
        Some(p) => {
            let key = PublicKey::read_file(p).map_err(|e| Failure::input_about(p.display(), e))?;
            given = Some((key.id(), p));
            Some(SignedLicense::from_armoured(&text, &TrustedKeys::single(key)).map(|_| ()))
        }
    };
    let signature = match &verification {
        None => "not checked",
        Some(Ok(())) => "valid",
        Some(Err(_)) => "INVALID",
    };
    let failure = match (verification, given) {
        // The vendor's question is "which key signed this?", not whether an
        // application trusts it: name both ids.
        (Some(Err(e @ LicenseError::Signature(SignatureError::UnknownKey { .. }))), Some((given, path))) => {
            Err(Failure::negative(format!(
                "{} is signed with key {key_id}, but {} holds key {given}; inspect it with the public key \
                 of key {key_id} (the vendor key that issued it; `nodelock keys generate` printed its id)",
                file.display(),
                path.display()
            ))
            .with_code(crate::codes::error_code(&e)))
        }
        (Some(Err(e)), _) => Err(Failure::negative(e)),
        _ => Ok(()),
    }
    .err();
    if json {
        let mut value = serde_json::to_value(&license).map_err(|e| Failure::input(e.to_string()))?;
        if let Some(map) = value.as_object_mut() {
            // The lease is not part of the version 1 JSON of a license (the
            // vectors' form); inspect shows it beside the fields.
            map.insert("lease_days".into(), license.lease_days.into());
            map.insert("grace_days".into(), license.grace_days.into());
            map.insert("key_id".into(), key_id.to_string().into());
            map.insert("signature".into(), signature.to_lowercase().replace(' ', "_").into());
            if let Some(f) = &failure {
                // One object on stdout: the fields and, beside them, why the
                // signature does not verify.
                map.insert(
                    "error".into(),
                    serde_json::json!({ "code": f.code.as_str(), "message": f.message }),
                );
            }
        }
        print_json(&value)?;
    } else {
        print_license(&license, &key_id.to_string(), signature);
    }
    match failure {
        Some(_) if json => Err(Failure::quiet_negative()),
        Some(f) => Err(f),
        None => Ok(()),
    }
}

fn print_license(l: &License, key_id: &str, signature: &str) {
    let date = |t: Option<Timestamp>| t.map_or_else(|| "never".to_owned(), |t| t.date_string());
    println!("License          {}", l.id);
    say!("Product          {}", l.product);
    say!("Licensee         {}", l.licensee);
    println!("Release version  {}", l.release_version);
    println!("Issued           {}", l.issued_at);
    println!("Expires          {}", date(l.expires_at));
    println!("Seats            {} ({} transfer(s) per seat)", l.seats, l.transfers_per_seat);
    let temporary =
        if l.temporary_days == 0 { "not allowed".to_owned() } else { format!("{} days", l.temporary_days) };
    println!("Temporary        {temporary}");
    if let Some(v) = l.max_product_version {
        println!("Covers versions  up to {v}");
    }
    if let Some(u) = l.updates_until {
        println!("Updates until    {}", u.date_string());
    }
    println!(
        "Policy           tolerance {}, min kinds {}, invalidate on move: {}, removable devices: {}",
        l.policy.tolerance,
        l.policy.min_kinds,
        if l.policy.invalidate_on_move { "yes" } else { "no" },
        if l.policy.include_removable { "included" } else { "ignored" }
    );
    for kind in crate::hardware::ComponentKind::ALL {
        let w = l.policy.weights(kind);
        println!("  {:<15} default {} partial {} moved {}", kind.label(), w.default, w.partial, w.moved);
    }
    println!("Clock tolerance  {} s", l.clock_tolerance_secs);
    if l.lease_days == 0 {
        println!("Lease            none (perpetual certificates)");
    } else {
        println!("Lease            {} days, grace {} days", l.lease_days, l.grace_days);
    }
    for (k, v) in &l.features {
        say!("Feature          {k} = {v}");
    }
    println!("Signed by key    {key_id}");
    println!("Signature        {signature}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_days_default_is_the_librarys() {
        assert_eq!(DEFAULT_TEMPORARY_DAYS_ARG.parse::<u16>(), Ok(crate::license::DEFAULT_TEMPORARY_DAYS));
    }
}
