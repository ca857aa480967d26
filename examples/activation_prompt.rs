//! An application's activation prompt: checks the license at start-up and,
//! when it must ask, says why and offers to activate online or offline.
//!
//! Set up a vendor side once (in another terminal, with the `nodelock` tool):
//!
//! ```text
//! cargo build --features cli,authority
//! N=target/debug/nodelock
//! $N keys generate --out demo/keys
//! $N license issue --key demo/keys/secret.key --product com.example.prompt --licensee You --seats 1 --out demo/app.lic
//! $N authority init --db demo/ledger.db --key demo/keys/secret.key
//! $N authority add-license --db demo/ledger.db demo/app.lic
//! ```
//!
//! Then run the application:
//!
//! ```text
//! cargo run --example activation_prompt --features authority -- demo            # this machine
//! cargo run --example activation_prompt --features authority -- demo --repair   # after a simulated repair
//! ```
//!
//! *Online* here opens the vendor's ledger directly, standing in for the
//! vendor's activation service (the HTTP service is not built yet).
//! *Offline* prints the request code; the vendor's desk answers it with
//! `nodelock authority grant --db demo/ledger.db --request <CODE>` and the
//! user pastes the `NLC-…` response.

use std::error::Error;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use nodelock::activation::{Reason, Validator, Verdict};
use nodelock::authority::{Authority, SqliteLedger};
use nodelock::hardware::{ComponentKind, FixedCollector, collect};
use nodelock::license::{AppInfo, SignedLicense, Version};
use nodelock::{PublicKey, SecretKey, Timestamp, TrustedKeys};

struct Demo {
    dir: PathBuf,
    repair: bool,
}

impl Demo {
    fn validator(&self) -> Result<Validator, Box<dyn Error>> {
        let public = PublicKey::read_file(&self.dir.join("keys/public.key"))?;
        let trusted = TrustedKeys::single(public);
        let text = std::fs::read_to_string(self.dir.join("app.lic"))?;
        let product = SignedLicense::from_armoured(&text, &trusted)?.license().product.clone();
        let app = AppInfo::new(product, Version::new(1, 0, 0), Timestamp::now());
        let mut inventory = collect();
        if self.repair {
            // A new network card and a new system drive.
            for c in &mut inventory.components {
                if matches!(c.kind, ComponentKind::Mac | ComponentKind::SystemDrive) {
                    c.value = format!("replaced {}", c.value);
                }
            }
        }
        Ok(Validator::new(app, trusted, self.dir.join("store"))
            .with_embedded_license(text)
            .with_collector(FixedCollector(inventory)))
    }
}

fn prompt(question: &str) -> io::Result<String> {
    print!("{question}");
    io::stdout().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

fn explain(reason: &Reason) {
    println!("\nThis copy needs to be activated: {reason}");
    if let Reason::HardwareChanged { comparison } = reason {
        println!("\nWhat changed since the last activation:\n{comparison}");
    }
}

fn online(demo: &Demo, validator: &Validator) -> Result<(), Box<dyn Error>> {
    let key = SecretKey::read_file(&demo.dir.join("keys/secret.key"))?;
    let authority = Authority::new(key, SqliteLedger::open_existing(demo.dir.join("ledger.db"))?);
    let request = validator.request_activation(Some("activation prompt demo"))?;
    let grant = authority.activate(&request, None, "online activation", Timestamp::now())?;
    validator.install(&grant.bytes)?;
    Ok(())
}

fn offline(demo: &Demo, validator: &Validator) -> Result<(), Box<dyn Error>> {
    let request = validator.request_activation(Some("activation prompt demo"))?;
    println!("\nSend this request code to the vendor (web page or email):\n\n{}\n", request.to_code());
    println!(
        "(vendor's desk: nodelock authority grant --db {} --request <CODE>)\n",
        demo.dir.join("ledger.db").display()
    );
    loop {
        let response = prompt("Paste the response code (empty to go back): ")?;
        if response.is_empty() {
            return Ok(());
        }
        match validator.install(response.as_bytes()) {
            Ok(_) => return Ok(()),
            Err(e) => println!("That response cannot be used: {e}"),
        }
    }
}

fn run(demo: &Demo) -> Result<bool, Box<dyn Error>> {
    let validator = demo.validator()?;
    loop {
        let reason = match validator.check() {
            Verdict::Licensed(licensed) => {
                println!("{licensed}");
                println!("The application starts.");
                return Ok(true);
            }
            Verdict::ActivationRequired { reason } => reason,
        };
        explain(&reason);
        let choice = prompt("\n[1] Activate online   [2] Activate offline   [q] Quit\n> ")?;
        let outcome = match choice.as_str() {
            "1" => online(demo, &validator),
            "2" => offline(demo, &validator),
            "q" | "Q" | "" => return Ok(false),
            other => {
                println!("`{other}` is not one of the choices.");
                continue;
            }
        };
        if let Err(e) = outcome {
            println!("Activation failed: {e}");
        }
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: activation_prompt DEMO_DIR [--repair]  (see the example's docs for the setup)");
        return std::process::ExitCode::from(2);
    };
    let demo = Demo { dir: Path::new(dir).to_path_buf(), repair: args.iter().any(|a| a == "--repair") };
    match run(&demo) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("activation_prompt: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
