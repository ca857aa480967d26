//! An application's activation prompt: checks the license at start-up and,
//! when it must ask, says why and offers to activate online or offline.
//!
//! Set up a vendor side once (in another terminal, with the `nodelock` tool;
//! everything goes under `target/`, which git ignores):
//!
//! ```text
//! cargo build --features cli,authority
//! N=target/debug/nodelock D=target/prompt-demo
//! $N keys generate --out $D/keys
//! $N license issue --key $D/keys/secret.key --product com.example.prompt --licensee You --seats 1 --out $D/app.lic
//! $N authority init --db $D/ledger.db --key $D/keys/secret.key
//! $N authority add-license --db $D/ledger.db $D/app.lic
//! ```
//!
//! Then run the application:
//!
//! ```text
//! cargo run --example activation_prompt --features online,server -- target/prompt-demo            # this machine
//! cargo run --example activation_prompt --features online,server -- target/prompt-demo --repair   # after a simulated repair
//! cargo run --example activation_prompt --features online,server -- target/prompt-demo --server http://127.0.0.1:8080
//! ```
//!
//! When this machine holds the seat, the prompt offers to deactivate it (the
//! seat returns to the vendor's pool). `tests/examples.rs` drives it in tmux.
//!
//! `NODELOCK_DEMO_NOW` (seconds since 1970, or a date such as
//! `2026-07-01T10:00:00Z`) sets the clock the demo checks, requests and
//! grants at, to see a lease or a temporary activation run out, or the clock
//! set back, without waiting for it.
//!
//! Offline, the request is also drawn as a QR code when the terminal can show
//! it (a UTF-8 locale and enough columns; built with feature `qr`, which
//! `cli` includes); otherwise the prompt says how to get one.
//!
//! *Online* uses the real online client (`nodelock::online::OnlineClient`)
//! over HTTP: with `--server URL`, against the vendor's running service
//! (`nodelock serve --db target/prompt-demo/ledger.db --listen 127.0.0.1:8080`);
//! without it, the demo starts that service itself on a loopback port over
//! `ledger.db`, standing in for the vendor's server (at the demo's clock).
//! Deactivating hands the receipt to the same service.
//! *Offline* prints the request code; the vendor's desk answers it with
//! `nodelock authority grant --db demo/ledger.db --request <CODE>` and the
//! user pastes the `NLC-…` response.

use std::error::Error;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nodelock::activation::{ActivationKind, Reason, Validator, Verdict};
use nodelock::authority::{Authority, SqliteLedger};
use nodelock::hardware::{ComponentKind, FixedCollector, collect};
use nodelock::license::{AppInfo, SignedLicense, Version};
use nodelock::online::{OnlineClient, OnlineError};
use nodelock::server::{self, Config};
use nodelock::{PublicKey, SecretKey, Timestamp, TrustedKeys};

struct Demo {
    dir: PathBuf,
    repair: bool,
    /// The clock of this run (`NODELOCK_DEMO_NOW`, else the system's).
    now: Timestamp,
    /// The vendor's activation service (`--server URL`); `None`: the demo runs one.
    server: Option<String>,
}

/// The clock `NODELOCK_DEMO_NOW` sets, if any.
fn demo_now() -> Result<Option<Timestamp>, Box<dyn Error>> {
    let Ok(text) = std::env::var("NODELOCK_DEMO_NOW") else { return Ok(None) };
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(secs) => Ok(Some(Timestamp(secs))),
        Err(_) => Ok(Some(text.parse().map_err(|_| {
            format!("NODELOCK_DEMO_NOW={text}: give seconds since 1970 or a date like 2026-07-01T10:00:00Z")
        })?)),
    }
}

/// "in 3 days", "today", "2 days ago": from `now` to `then`, in whole days.
fn in_days(now: Timestamp, then: Timestamp) -> String {
    let day = 86_400;
    let plural = |n: u64| if n == 1 { "1 day".to_owned() } else { format!("{n} days") };
    if then.0 >= now.0 {
        match (then.0 - now.0).div_ceil(day) {
            0 => "today".to_owned(),
            n => format!("in {}", plural(n)),
        }
    } else {
        format!("{} ago", plural((now.0 - then.0) / day))
    }
}

/// Whether this terminal can show `code` as a QR code: a UTF-8 locale
/// (`LC_ALL`, else `LC_CTYPE`, else `LANG`) and at least as many columns as
/// the drawing is wide (`COLUMNS`, else `stty size`).
#[cfg(feature = "qr")]
fn terminal_shows(columns_needed: usize) -> Result<(), String> {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let upper = locale.to_ascii_uppercase();
    if !(upper.contains("UTF-8") || upper.contains("UTF8")) {
        return Err(format!(
            "the locale ({}) is not UTF-8",
            if locale.is_empty() { "unset" } else { &locale }
        ));
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).or_else(|| {
        let out = std::process::Command::new("stty")
            .arg("size")
            .stdin(std::process::Stdio::inherit())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1)?.parse().ok()
    });
    match columns {
        Some(c) if c >= columns_needed => Ok(()),
        Some(c) => Err(format!("the terminal is {c} columns wide and the QR code needs {columns_needed}")),
        None => Err("the terminal's width is unknown".to_owned()),
    }
}

/// Draws the request code as a QR code when the terminal can show it, else
/// says why not and how to get one.
fn show_qr(code: &str) {
    #[cfg(feature = "qr")]
    {
        let Some(columns) = nodelock::codec::qr::columns(code) else { return };
        match terminal_shows(columns) {
            Ok(()) => {
                if let Some(qr) = nodelock::codec::qr::render(code) {
                    println!("Or scan it with a phone:\n\n{qr}");
                }
            }
            Err(why) => println!(
                "(No QR code here: {why}. Widen the terminal or use a UTF-8 locale, or run \
                 `nodelock activate request --qr` for one.)\n"
            ),
        }
    }
    #[cfg(not(feature = "qr"))]
    {
        let _ = code;
        println!(
            "(No QR code here: this build has no feature `qr`. Build with `--features qr`, or run \
             `nodelock activate request --qr` for one.)\n"
        );
    }
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

/// The user's answer, or `None` when input has ended.
fn prompt(question: &str) -> io::Result<Option<String>> {
    print!("{question}");
    io::stdout().flush()?;
    let mut line = String::new();
    if io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

/// Deactivates this machine and hands the receipt to the vendor's service,
/// freeing the seat; when the service cannot be reached, prints the receipt
/// code for the vendor instead.
fn deactivate(demo: &Demo, validator: &Validator) -> Result<(), Box<dyn Error>> {
    let service = demo.service()?;
    match service.client.deactivate(validator) {
        Ok(_) => println!("This machine is deactivated; its seat is free for another machine."),
        Err(OnlineError::Unreachable { offline_code: Some(code), .. }) => {
            println!("This machine is deactivated. The activation server could not be reached:");
            println!("send this receipt code to the vendor to free the seat:\n\n{code}\n");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn explain(reason: &Reason) {
    println!("\nThis copy needs to be activated: {reason}");
    if let Reason::HardwareChanged { comparison } = reason {
        println!("\nWhat changed since the last activation:\n{comparison}");
    }
}

fn online(demo: &Demo, validator: &Validator) -> Result<(), Box<dyn Error>> {
    let service = demo.service()?;
    println!("Contacting the activation server at {} …", service.client.server());
    match service.client.activate_at(validator, Some("activation prompt demo"), demo.now) {
        Ok(_) => Ok(()),
        Err(OnlineError::Unreachable { .. }) => {
            println!("The activation server cannot be reached: choose 2 to activate offline with a code.");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The vendor's activation service the demo talks to: the one at
/// `--server`, or one it runs itself in a thread over the demo's ledger.
struct Service {
    client: OnlineClient,
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Demo {
    fn service(&self) -> Result<Service, Box<dyn Error>> {
        if let Some(url) = &self.server {
            return Ok(Service { client: OnlineClient::new(url)?, _stop: None });
        }
        let key = SecretKey::read_file(&self.dir.join("keys/secret.key"))?;
        let authority =
            Arc::new(Authority::new(key, SqliteLedger::open_existing(self.dir.join("ledger.db"))?));
        let now = self.now;
        let config =
            Config { clock: Arc::new(move || now), cull_every: None, admin_token: None, ..Config::default() };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_io()
                .enable_time()
                .build();
            let Ok(runtime) = runtime else { return };
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else { return };
                let _ = bound.send(listener.local_addr());
                let shutdown = async {
                    let _ = stopped.await;
                };
                let _ = server::serve(listener, authority, config, shutdown).await;
            });
        });
        let addr = address.recv()??;
        Ok(Service { client: OnlineClient::new(&format!("http://{addr}"))?, _stop: Some(stop) })
    }
}

fn offline(demo: &Demo, validator: &Validator) -> Result<(), Box<dyn Error>> {
    let request = validator.request_activation_at(Some("activation prompt demo"), demo.now)?;
    let code = request.to_code();
    println!("\nSend this request code to the vendor (web page or email):\n\n{code}\n");
    show_qr(&code);
    println!(
        "(vendor's desk: nodelock authority grant --db {} --request <CODE>)\n",
        demo.dir.join("ledger.db").display()
    );
    loop {
        let Some(response) = prompt("Paste the response code (empty to go back): ")? else { return Ok(()) };
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
        let reason = match validator.check_at(demo.now) {
            Verdict::Licensed(licensed) => {
                println!("{licensed}");
                if let ActivationKind::Temporary { until } = licensed.kind {
                    println!(
                        "This temporary activation ends {} ({}); it becomes permanent when you activate \
                         again after a seat frees.",
                        in_days(demo.now, until),
                        until.date_string()
                    );
                }
                if let Some(ends) = licensed.lease_ends {
                    println!(
                        "The activation's lease ends {} ({}).",
                        in_days(demo.now, ends),
                        ends.date_string()
                    );
                }
                if let Some(warning) = licensed.lease_state.warning(licensed.lease_ends) {
                    println!("Warning: {warning}");
                }
                let choice = prompt(
                    "\n[Enter] Start the application   [d] Deactivate this machine (frees its seat)\n> ",
                )?;
                if matches!(choice.as_deref(), Some("d" | "D")) {
                    deactivate(demo, &validator)?;
                    return Ok(false);
                }
                println!("The application starts.");
                return Ok(true);
            }
            Verdict::ActivationRequired { reason } => reason,
        };
        explain(&reason);
        let Some(choice) = prompt("\n[1] Activate online   [2] Activate offline   [q] Quit\n> ")? else {
            println!("\nNo input: the application does not start.");
            return Ok(false);
        };
        let outcome = match choice.as_str() {
            "1" => online(demo, &validator),
            "2" => offline(demo, &validator),
            "q" | "Q" => {
                println!("The application does not start until this copy is activated.");
                return Ok(false);
            }
            "" => {
                println!("Type 1, 2 or q, then Enter.");
                continue;
            }
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
    let server = args.iter().position(|a| a == "--server").and_then(|i| args.get(i + 1)).cloned();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--") && Some(*a) != server.as_ref()) else {
        eprintln!(
            "usage: activation_prompt DEMO_DIR [--repair] [--server URL]  (see the example's docs for the setup)"
        );
        return std::process::ExitCode::from(2);
    };
    let now = match demo_now() {
        Ok(now) => now.unwrap_or_else(Timestamp::now),
        Err(e) => {
            eprintln!("activation_prompt: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let demo =
        Demo { dir: Path::new(dir).to_path_buf(), repair: args.iter().any(|a| a == "--repair"), now, server };
    match run(&demo) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("activation_prompt: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
