//! `nodelock profile …`: the Profile Helper — show, capture and compare
//! hardware profiles for support.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;

use super::{Failure, Outcome, collector_for, print_json};
use crate::capture::{Capture, MAX_CAPTURE_LEN};
use crate::cli::say;
use crate::compare::{self, CompareError};
use crate::hardware::{Component, Environment, Unreadable};
use crate::policy::Policy;
use crate::timestamp::Timestamp;

/// The product whose key the diagnostic commands use unless told otherwise.
pub(crate) const DIAGNOSTIC_PRODUCT: &str = "nodelock.diagnostics";

#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Show this machine's inventory, unreadable kinds, environment and fingerprint.
    Show {
        /// Profile the machine described by DIR (holding sys/ and proc/) instead of this one.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// The product whose key makes the fingerprint: give the license's
        /// product id to see the fingerprint `seats status` shows (digests are keyed per product).
        #[arg(long, value_name = "P", default_value = DIAGNOSTIC_PRODUCT)]
        product: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Save a diagnostic capture (digests only, raw values with --raw).
    Capture {
        /// Profile the machine described by DIR instead of this one.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Include the raw component values (they identify the hardware).
        #[arg(long)]
        raw: bool,
        /// The product whose key makes the digests.
        #[arg(long, value_name = "P", default_value = DIAGNOSTIC_PRODUCT)]
        product: String,
        /// Where to write the capture.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Compare two captures: exit 0 within tolerance, 1 reactivation needed, 2 bad input.
    Compare {
        /// The earlier capture.
        old: PathBuf,
        /// The later capture.
        new: PathBuf,
        /// The tolerance (default: the default policy's).
        #[arg(long, value_name = "N")]
        tolerance: Option<u32>,
        /// Treat the license store as moved (apply the moved weights).
        #[arg(long)]
        moved: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(command: ProfileCommand) -> Outcome {
    match command {
        ProfileCommand::Show { root, product, json } => show(root.as_deref(), &product, json),
        ProfileCommand::Capture { root, raw, product, out, json } => {
            capture(root.as_deref(), raw, &product, &out, json)
        }
        ProfileCommand::Compare { old, new, tolerance, moved, json } => {
            compare_captures(&old, &new, tolerance, moved, json)
        }
    }
}

#[derive(Serialize)]
struct ShowJson<'a> {
    environment: Environment,
    components: &'a [Component],
    unreadable: &'a [Unreadable],
    fingerprint: String,
    /// The fingerprint of the short profile a request carries by default.
    short_fingerprint: String,
    fingerprint_sha256: String,
    product: &'a str,
}

fn check_root(root: Option<&Path>) -> Outcome {
    match root {
        Some(r) if !r.join("sys").is_dir() && !r.join("proc").is_dir() => Err(Failure::input(format!(
            "{} holds neither sys/ nor proc/; give a directory laid out like a live system",
            r.display()
        ))),
        _ => Ok(()),
    }
}

fn show(root: Option<&Path>, product: &str, json: bool) -> Outcome {
    check_root(root)?;
    let inventory = collector_for(root).collect();
    let capture = Capture::new(&inventory, product, false, Timestamp::now());
    // What a short request (the default) carries, and so the ledger shows.
    let short_fingerprint =
        capture.profile.shortened(crate::profile::short::REQUEST_WIDTH).fingerprint().code();
    if json {
        return print_json(&ShowJson {
            environment: inventory.environment,
            components: &inventory.components,
            unreadable: &inventory.unreadable,
            fingerprint: capture.fingerprint.code(),
            short_fingerprint: short_fingerprint.clone(),
            fingerprint_sha256: crate::codec::hex::hex(&capture.fingerprint.0),
            product,
        });
    }
    println!("Environment  {}", inventory.environment);
    println!("Fingerprint  {}  (product {product})", capture.fingerprint.code());
    println!(
        "             {short_fingerprint} with the 4-byte digests of a short request (`activate request`): the one \
         `seats status` shows for a machine activated with one"
    );
    if product == DIAGNOSTIC_PRODUCT {
        // Digests are keyed per product: this is not the fingerprint a ledger shows.
        println!(
            "             keyed for {DIAGNOSTIC_PRODUCT}, the diagnostic product; `nodelock seats status` shows \
             each machine's fingerprint keyed for its license's product: run `nodelock profile show --product \
             <PRODUCT>` with the license's product id to see the same one"
        );
    }
    println!();
    for c in &inventory.components {
        let flags: Vec<&str> = c.flags.labels().collect();
        let flags = if flags.is_empty() { String::new() } else { format!("  [{}]", flags.join(", ")) };
        say!("{:<16} {}{flags}", c.kind.label(), c.value);
    }
    for u in &inventory.unreadable {
        say!("{:<16} unreadable: {}", u.kind.label(), u.reason);
    }
    Ok(())
}

fn capture(root: Option<&Path>, raw: bool, product: &str, out: &Path, json: bool) -> Outcome {
    check_root(root)?;
    let inventory = collector_for(root).collect();
    let capture = Capture::new(&inventory, product, raw, Timestamp::now());
    crate::fsio::write_atomic(out, capture.to_json().as_bytes(), false)
        .map_err(|e| Failure::input_about(format!("cannot write {}", out.display()), e))?;
    let what =
        if raw { "digests and RAW component values (they identify this hardware)" } else { "digests only" };
    let text = format!("capture {} written to {} ({what})", capture.fingerprint.code(), out.display());
    let value = serde_json::json!({
        "fingerprint": capture.fingerprint.code(),
        "file": out.display().to_string(),
        "product": product,
        "raw": raw,
    });
    super::emit(json, text, value)
}

fn read_capture(path: &Path) -> Result<Capture, Failure> {
    let bytes = crate::fsio::read_capped(path, MAX_CAPTURE_LEN as u64)
        .map_err(|e| Failure::input_about(format!("cannot read {}", path.display()), e))?;
    Capture::from_json(&bytes).map_err(|e| Failure::input_about(path.display(), e))
}

fn compare_captures(old: &Path, new: &Path, tolerance: Option<u32>, moved: bool, json: bool) -> Outcome {
    let (a, b) = (read_capture(old)?, read_capture(new)?);
    let mut policy = Policy::default();
    if let Some(t) = tolerance {
        policy.tolerance = t;
    }
    let comparison = compare::compare_captures(&a, &b, moved, &policy).map_err(|e| match e {
        // The library's advice, in the tool's own words.
        CompareError::DifferentProducts { old, new } => Failure::input(format!(
            "the captures were made for different products (`{old}` and `{new}`), so their digests cannot be \
             compared; capture both with the same --product"
        )),
    })?;
    if json {
        print_json(&comparison)?;
    } else {
        print!("{comparison}");
        for (name, c) in [("old", &a), ("new", &b)] {
            for u in &c.unreadable {
                say!("note: in the {name} capture {} was unreadable: {}", u.kind.label(), u.reason);
            }
        }
    }
    if comparison.reactivate { Err(Failure::quiet_negative()) } else { Ok(()) }
}
