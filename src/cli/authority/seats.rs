//! `nodelock seats …`: the "licenses in use" view, releasing a machine,
//! transferring a seat, granting a seat pack, the history, culling machines
//! that stopped renewing, and anonymising a machine.

use std::path::PathBuf;

use clap::Subcommand;

use super::{activation_id, actor_name, admin, fail, license_id, print_grant, read_request, signing};
use crate::authority::{HistoryEntry, LicenseStatus, LiveCertificates, Status};
use crate::cli::say;
use crate::cli::{Outcome, emit, print_json};
use crate::timestamp::Timestamp;

#[derive(Debug, Subcommand)]
pub(crate) enum SeatsCommand {
    /// Seats per product and license: total, in use, temporary, available,
    /// and the machines holding them.
    Status {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Only this license.
        #[arg(long, value_name = "ID")]
        license: Option<String>,
        /// One page of the license's seats: at most N seats (with `--license`;
        /// 100 when only `--after` is given). The counts stay the license's.
        #[arg(long, value_name = "N", requires = "license")]
        limit: Option<u32>,
        /// The page after seat number SEAT (0, the default, is the first page;
        /// each page names the next `--after`).
        #[arg(long, value_name = "SEAT", requires = "license")]
        after: Option<u32>,
        /// Only the counts, per product and license (no machine lists):
        /// read from counts, so it costs the same for any number of machines.
        #[arg(long, conflicts_with_all = ["license", "limit", "after"])]
        summary: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Release a machine's seat at once (the machine is dead, stolen or re-imaged).
    Release {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The activation id (from `seats status`).
        #[arg(value_name = "ACTIVATION")]
        activation: String,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Move a seat permanently to another machine (counted; one per seat by
    /// default) and print the new machine's response code.
    Transfer {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The activation whose seat moves.
        #[arg(value_name = "ACTIVATION")]
        activation: String,
        /// The new machine's request: an NLR-… code, or a file holding it.
        #[arg(long, value_name = "CODE")]
        request: String,
        /// The authority's secret key file (default: the one recorded at init).
        #[arg(long, value_name = "SECRET")]
        key: Option<PathBuf>,
        /// A name for the new machine (default: the one in the request).
        #[arg(long, value_name = "NAME")]
        label: Option<String>,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Grant a license a new seat pack (when its transfers are used up, or it needs more seats).
    Reissue {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The license id.
        #[arg(long, value_name = "ID")]
        license: String,
        /// How many seats the pack adds.
        #[arg(long, value_name = "N")]
        seats: u32,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The append-only history of issues, activations, releases, transfers…
    History {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Only this license.
        #[arg(long, value_name = "ID")]
        license: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Reclaim the seats of machines that stopped renewing: every certificate
    /// ended (lease end plus grace) without a renewal. A service does this on
    /// a schedule; this is the same for a vendor without one.
    Cull {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Erase a machine's label and profile for privacy; counts and history stay.
    Anonymise {
        /// The ledger: a file, or a postgres:// URL.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The activation id.
        #[arg(value_name = "ACTIVATION")]
        activation: String,
        /// Who is doing this, for the history (default: the user name).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Seats per page when `--after` is given without `--limit`.
const DEFAULT_PAGE: u32 = 100;

pub(crate) fn run_seats(command: SeatsCommand) -> Outcome {
    let now = Timestamp::now();
    match command {
        SeatsCommand::Status { db, license, limit, after, summary, json } => {
            let id = license.as_deref().map(license_id).transpose()?;
            if summary {
                let status = admin(&db)?.summary(now).map_err(fail)?;
                if json {
                    return print_json(&status);
                }
                print_status(&status);
                return Ok(());
            }
            if let (Some(id), true) = (id, limit.is_some() || after.is_some()) {
                let (limit, after) = (limit.unwrap_or(DEFAULT_PAGE), after.unwrap_or(0));
                let page = admin(&db)?.seat_page(id, after, limit, now).map_err(fail)?;
                if json {
                    return print_json(&page);
                }
                print_license(&page.license);
                match page.next_after {
                    Some(next) => println!("  next page: --after {next}"),
                    None => println!("  (last page)"),
                }
                return Ok(());
            }
            let status = admin(&db)?.status(id, now).map_err(fail)?;
            if json {
                return print_json(&status);
            }
            print_status(&status);
            Ok(())
        }
        SeatsCommand::Release { db, activation, actor, json } => {
            let id = activation_id(&activation)?;
            let freed = admin(&db)?.release(id, &actor_name(actor), now).map_err(fail)?;
            let text = match freed.seat {
                Some(seat) => {
                    format!("released activation {id}: seat {seat} of license {} is free", freed.license_id)
                }
                None => format!("released temporary activation {id} of license {}", freed.license_id),
            };
            let value = serde_json::json!({
                "activation_id": id.to_string(),
                "license_id": freed.license_id.to_string(),
                "seat": freed.seat,
            });
            emit(json, text, value)
        }
        SeatsCommand::Transfer { db, activation, request, key, label, actor, json } => {
            let id = activation_id(&activation)?;
            let a = signing(&db, key.as_deref())?;
            let request = read_request(&request)?;
            let grant = a.transfer(id, &request, label.as_deref(), &actor_name(actor), now).map_err(fail)?;
            print_grant(&grant, json, false)
        }
        SeatsCommand::Reissue { db, license, seats, actor, json } => {
            let id = license_id(&license)?;
            let pack = admin(&db)?.reissue_seats(id, seats, &actor_name(actor), now).map_err(fail)?;
            let text = format!(
                "license {id}: seat pack {} adds seats {} to {}",
                pack.pack,
                pack.first_seat,
                pack.last_seat()
            );
            let value = serde_json::json!({
                "license_id": id.to_string(),
                "pack": pack.pack,
                "first_seat": pack.first_seat,
                "last_seat": pack.last_seat(),
            });
            emit(json, text, value)
        }
        SeatsCommand::History { db, license, json } => {
            let id = license.as_deref().map(license_id).transpose()?;
            let entries = admin(&db)?.history(id).map_err(fail)?;
            if json {
                return print_json(&entries);
            }
            print_history(&entries);
            Ok(())
        }
        SeatsCommand::Cull { db, actor, json } => {
            let culled = admin(&db)?.cull(&actor_name(actor), now).map_err(fail)?;
            let text = if culled.is_empty() {
                "no machine was due for culling; nothing changed".to_owned()
            } else {
                let lines: Vec<String> = culled
                    .iter()
                    .map(|c| {
                        let seat = c.seat.map_or_else(|| "-".to_owned(), |s| s.to_string());
                        format!(
                            "culled activation {}: seat {seat} of license {} is free",
                            c.activation_id, c.license_id
                        )
                    })
                    .collect();
                lines.join("\n")
            };
            emit(json, text, serde_json::json!({ "culled": culled }))
        }
        SeatsCommand::Anonymise { db, activation, actor, json } => {
            let id = activation_id(&activation)?;
            let erased = admin(&db)?.anonymise(id, &actor_name(actor), now).map_err(fail)?;
            let text = if erased {
                format!("activation {id}: label and profile erased; counts and history unchanged")
            } else {
                format!("activation {id} was already anonymised; nothing changed")
            };
            emit(json, text, serde_json::json!({ "activation_id": id.to_string(), "anonymised_now": erased }))
        }
    }
}

fn print_status(status: &Status) {
    for p in &status.products {
        say!(
            "{}: {} license(s), {} seat(s): {} in use, {} temporary, {} available",
            p.product,
            p.licenses,
            p.total,
            p.in_use,
            p.temporary,
            p.available
        );
    }
    for l in &status.licenses {
        println!();
        print_license(l);
    }
}

fn print_license(l: &LicenseStatus) {
    let revoked = l.revoked_at.map_or_else(String::new, |at| format!(", REVOKED on {}", at.date_string()));
    say!("License {} ({}, release {}{revoked})", l.license_id, l.product, l.release_version);
    println!(
        "  {} seat(s): {} in use, {} temporary, {} available; {} transfer(s) per seat",
        l.total, l.in_use, l.temporary, l.available, l.transfers_per_seat
    );
    if l.activations.is_empty() {
        return;
    }
    println!(
        "  {:<5} {:<10}  {:<16}  {:<19}  {:<32}  Machine",
        "Seat", "Since", "Kind", "Fingerprint", "Activation"
    );
    for h in &l.activations {
        let kind = h.until.map_or_else(|| "permanent".to_owned(), |u| format!("until {}", u.date_string()));
        say!(
            "  {:<5} {:<10}  {:<16}  {:<19}  {:<32}  {}",
            h.seat.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            h.since.date_string(),
            kind,
            h.fingerprint.as_deref().unwrap_or("(anonymised)"),
            h.activation_id,
            h.label.as_deref().unwrap_or("")
        );
        if h.forked {
            println!("        FORKED: its certificates run on two machines (see `nodelock seats history`)");
        }
        print_certificates(&h.certificates);
    }
    if !l.running_out.is_empty() {
        println!(
            "  Ended, with certificates still running (the seat is free; the machine validates until then):"
        );
        for r in &l.running_out {
            let until =
                r.runs_until.map_or_else(|| "never (perpetual certificates)".to_owned(), |t| t.to_string());
            say!(
                "  {:<9} {}  runs until {until}  {}",
                r.state.name(),
                r.activation_id,
                r.label.as_deref().unwrap_or("")
            );
            print_certificates(&r.certificates);
        }
    }
}

/// One line per store holding live certificates.
fn print_certificates(stores: &[LiveCertificates]) {
    for c in stores {
        let lease = c.lease_ends.map_or_else(|| "perpetual".to_owned(), |t| format!("lease ends {t}"));
        let diverged = if c.diverged { ", renewed once from another machine" } else { "" };
        println!(
            "        store {}: {} certificate(s), last {}, {lease}{diverged}",
            c.store,
            c.certificates,
            c.last_granted.date_string()
        );
    }
}

fn print_history(entries: &[HistoryEntry]) {
    for e in entries {
        let ev = &e.event;
        let license = ev.license_id.map_or_else(String::new, |l| format!(" license {l}"));
        let activation = ev.activation_id.map_or_else(String::new, |a| format!(" activation {a}"));
        say!(
            "{:>6}  {}  {:<12}  {:<16}{license}{activation}: {}",
            e.seq,
            ev.at,
            ev.kind,
            ev.actor,
            ev.details
        );
    }
}
