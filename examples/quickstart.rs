//! The whole nodelock flow in one run, with no setup:
//!
//! 1. the vendor makes a signing key and issues a license into the
//!    authority's in-memory ledger (the durable SQLite ledger, feature
//!    `authority`, behaves the same);
//! 2. the application on this machine finds itself not activated;
//! 3. it makes an activation request (shown as the offline code a user would
//!    copy), the authority grants a seat, the machine installs the answer;
//! 4. the next start-up check says *licensed*;
//! 5. a simulated hardware change (a network card and the system drive
//!    replaced) makes the check ask for reactivation, with the comparison table;
//! 6. the machine deactivates and the seat returns to the pool;
//! 7. what to do next: three commands to try and the code to copy into an
//!    application.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It needs no feature beyond the default ones: the authority's rules and its
//! in-memory ledger are always compiled. Everything lives in a temporary
//! directory that is removed at the end. `tests/examples.rs` runs it and checks
//! its output.

use std::error::Error;

use nodelock::activation::{Reason, Validator, Verdict};
use nodelock::authority::{Authority, GrantKind, MemoryLedger};
use nodelock::hardware::{Component, ComponentKind, Environment, FixedCollector, Inventory};
use nodelock::license::{AppInfo, License, LicenseId, Version};
use nodelock::{SecretKey, Timestamp, TrustedKeys};

const PRODUCT: &str = "com.example.quickstart";

fn heading(text: &str) {
    println!("\n== {text}");
}

/// This machine's inventory, or a typical workstation when this machine shows
/// too little hardware to be locked to (a minimal container, say).
fn machine() -> (Inventory, bool) {
    let inventory = nodelock::hardware::collect();
    let kinds =
        ComponentKind::ALL.iter().filter(|k| inventory.of_kind(**k).any(|c| !c.flags.removable)).count();
    if kinds >= 3 {
        return (inventory, false);
    }
    let mut simulated = Inventory::new(Environment::BareMetal);
    for (kind, value) in [
        (ComponentKind::Mac, "3c:52:82:1a:2b:3c"),
        (ComponentKind::Mac, "3c:52:82:1a:2b:3d"),
        (ComponentKind::Cpu, "GenuineIntel 000906ea"),
        (ComponentKind::SystemDrive, "S4EWNX0N123456"),
        (ComponentKind::Memory, "32 GiB"),
        (ComponentKind::Video, "10de:1c82"),
        (ComponentKind::Ide, "8086:a352"),
    ] {
        simulated.push(Component::new(kind, value));
    }
    (simulated.finish(), true)
}

/// The same machine after a repair: its first network card and its system
/// drive replaced (whatever of the two it has).
fn repaired(mut inventory: Inventory) -> Inventory {
    let mut replaced = [false; 2];
    for c in &mut inventory.components {
        match c.kind {
            ComponentKind::Mac if !replaced[0] => {
                c.value = "a0:36:9f:00:00:01".to_owned();
                replaced[0] = true;
            }
            ComponentKind::SystemDrive if !replaced[1] => {
                c.value = "WD-WCC4N0000001".to_owned();
                replaced[1] = true;
            }
            _ => {}
        }
    }
    if !replaced[0] {
        inventory.push(Component::new(ComponentKind::Mac, "a0:36:9f:00:00:01"));
    }
    if !replaced[1] {
        inventory.push(Component::new(ComponentKind::SystemDrive, "WD-WCC4N0000001"));
    }
    inventory.finish()
}

/// What a grant did, in words.
fn grant_words(kind: GrantKind) -> &'static str {
    match kind {
        GrantKind::Seat => "a new seat",
        GrantKind::Renewal => "a renewal of the seat this machine holds",
        GrantKind::Temporary => "a temporary activation (every seat was taken)",
        GrantKind::Upgrade => "a seat for a machine that held a temporary activation",
        GrantKind::Transfer => "a seat transferred to this machine",
        _ => "an activation",
    }
}

/// The one-line legend of the comparison table.
const LEGEND: &str = "Columns: Stored / Current = instances of the kind in the activated profile / seen now; \
Matched = instances still the same; Weight = what the change adds to the score (default weight when nothing \
matches, partial when some instances still match, moved when the store was moved) and Why says which applied.";

fn next_steps() {
    heading("7. Next steps");
    println!(
        "Try the vendor's side with the `nodelock` tool (the README's \"Command line\" block goes on from here):"
    );
    println!("  cargo install --path . --features cli,authority");
    println!("  nodelock keys generate --out keys");
    println!(
        "  nodelock license issue --key keys/secret.key --product com.example.app --licensee \"ACME\" --seats 5 --out acme.lic"
    );
    println!(
        "Then copy the start-up check into your application: the code under \"Using it in an application\""
    );
    println!(
        "in README.md (embed keys/public.key, never secret.key), or examples/activation_prompt.rs for a"
    );
    println!("complete prompt that explains why it asks and activates online or with offline codes.");
}

fn main() -> Result<(), Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let now = Timestamp::now();

    heading("1. Vendor: signing key, license, ledger");
    let key = SecretKey::generate()?;
    println!("vendor key id {} (the application embeds the public key)", key.key_id());
    let public = key.public_key().to_armoured();
    let authority = Authority::new(SecretKey::from_armoured(&key.to_armoured())?, MemoryLedger::new());
    let mut license = License::new(LicenseId::generate()?, PRODUCT, "ACME Corp", 2, now);
    license.features.insert("edition".into(), "pro".into());
    let signed = authority.issue(&license, "quickstart", now)?;
    println!(
        "license {} for {}: {} seats, tolerance {}",
        license.id, license.licensee, license.seats, license.policy.tolerance
    );
    println!("{}", signed.to_armoured().lines().take(2).collect::<Vec<_>>().join("\n") + "\n...");

    heading("2. Application start-up: not activated yet");
    let (inventory, simulated) = machine();
    if simulated {
        println!("(this machine shows fewer than 3 kinds of hardware; using a simulated workstation)");
    }
    let app = AppInfo::new(PRODUCT, Version::new(1, 0, 0), now);
    let trusted = TrustedKeys::from_armoured([public.as_str()])?;
    let store = work.path().join("store");
    let validator = Validator::new(app.clone(), trusted.clone(), &store)
        .with_embedded_license(signed.to_armoured())
        .with_collector(FixedCollector(inventory.clone()));
    println!("{}", validator.check_at(now));

    heading("3. Activation");
    let request = validator.request_activation_at(Some("quickstart machine"), now)?;
    let code = request.to_code();
    println!("offline request code ({} characters): {}…", code.len(), &code[..40.min(code.len())]);
    let grant = authority.activate(&request, None, "activation desk", now)?;
    let response = grant.code();
    println!(
        "authority granted {}; response code ({} characters): {}…",
        grant_words(grant.kind),
        response.len(),
        &response[..40.min(response.len())]
    );
    validator.install(response.as_bytes())?;

    heading("4. Next start-up");
    let verdict = validator.check_at(now);
    println!("{verdict}");
    if let Some(licensed) = verdict.licensed() {
        println!("edition entitlement: {}", licensed.feature("edition").unwrap_or("none"));
    }
    let status = authority.status(Some(license.id), now)?;
    let seats = &status.licenses[0];
    println!("seats: {} in use of {}, {} available", seats.in_use, seats.total, seats.available);

    heading("5. After a repair: network card and system drive replaced");
    let changed = Validator::new(app, trusted, &store)
        .with_embedded_license(signed.to_armoured())
        .with_collector(FixedCollector(repaired(inventory)));
    match changed.check_at(now) {
        Verdict::ActivationRequired { reason: Reason::HardwareChanged { comparison } } => {
            print!("{comparison}");
            println!("{LEGEND}");
            println!("Activation required: the machine changed more than the license tolerates.");
        }
        other => println!("{other}"),
    }

    heading("6. Deactivation returns the seat");
    let receipt = validator.deactivate()?;
    authority.deactivate(&receipt, "activation desk", now)?;
    let status = authority.status(Some(license.id), now)?;
    println!(
        "seats: {} in use of {}, {} available",
        status.licenses[0].in_use, status.licenses[0].total, status.licenses[0].available
    );
    println!("{}", validator.check_at(now));
    next_steps();
    Ok(())
}
