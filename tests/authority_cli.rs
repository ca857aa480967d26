//! `nodelock authority …` and `nodelock seats …` driven as a user would: the
//! built binary, files in a scratch directory, the fixture machines for the
//! client side. Output, JSON fields and exit statuses (0 done, 1 refused,
//! 2 bad input) are the contract.
#![cfg(all(feature = "cli", feature = "authority"))]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "authority_support/postgres_env.rs"]
mod postgres_env;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let s = Scratch { dir: tempfile::tempdir().unwrap() };
        s.ok(&["keys", "generate", "--out", "keys"]);
        s.ok(&["keys", "generate", "--out", "other"]);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_nodelock"))
            .args(args)
            .current_dir(self.dir.path())
            .env("USER", "tester")
            .output()
            .unwrap();
        Run {
            status: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.status, 0, "nodelock {args:?}: {}{}", r.stdout, r.stderr);
        r.stdout
    }

    fn fails(&self, args: &[&str], status: i32) -> String {
        let r = self.run(args);
        assert_eq!(r.status, status, "nodelock {args:?}: {}{}", r.stdout, r.stderr);
        r.stderr
    }

    /// A request from fixture machine `machine` with its own store, saved to `name`.
    fn request(&self, license: &str, machine: &str, name: &str) -> String {
        let root = fixture(machine);
        let code = self.ok(&[
            "activate",
            "request",
            "--license",
            license,
            "--store",
            &format!("store-{name}"),
            "--root",
            root.to_str().unwrap(),
            "--label",
            machine,
        ]);
        std::fs::write(self.path(name), &code).unwrap();
        code.trim().to_owned()
    }
}

fn fixture(machine: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(machine)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// A ledger with a one-seat license (`lic.lic`, one transfer), ready to grant.
fn desk(s: &Scratch, extra: &[&str]) -> String {
    let mut args = vec![
        "license",
        "issue",
        "--key",
        "keys/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "ACME",
        "--seats",
        "1",
        "--out",
        "lic.lic",
    ];
    args.extend_from_slice(extra);
    let issued = s.ok(&args);
    s.ok(&["authority", "init", "--db", "ledger.db", "--key", "keys/secret.key"]);
    s.ok(&["authority", "add-license", "--db", "ledger.db", "lic.lic"]);
    issued.split_whitespace().nth(1).unwrap().to_owned()
}

#[test]
fn the_activation_desk_grants_refuses_and_frees_seats() {
    let s = Scratch::new();
    let license = desk(&s, &[]);
    // Grant from a request file; the response installs on the machine.
    s.request("lic.lic", "workstation", "req-ws");
    let response =
        s.ok(&["authority", "grant", "--db", "ledger.db", "--key", "keys/secret.key", "--request", "req-ws"]);
    assert!(response.trim().starts_with("NLC-"), "{response}");
    s.ok(&[
        "activate",
        "apply",
        "--store",
        "store-req-ws",
        "--response",
        response.trim(),
        "--public-key",
        "keys/public.key",
    ]);
    // The seat is taken: a second machine is refused (1) with the holder listed.
    let code = s.request("lic.lic", "laptop", "req-laptop");
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", &code], 1);
    assert!(err.contains("workstation") && err.contains("seats release"), "{err}");
    // Status, as JSON, with the contract's fields.
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    let l = &status["licenses"][0];
    assert_eq!(
        (l["total"].as_u64(), l["in_use"].as_u64(), l["temporary"].as_u64(), l["available"].as_u64()),
        (Some(1), Some(1), Some(0), Some(0))
    );
    let holder = &l["activations"][0];
    assert_eq!(holder["label"], "workstation");
    assert_eq!(holder["kind"], "permanent");
    for field in ["activation_id", "fingerprint", "since"] {
        assert!(holder[field].is_string(), "{field}: {holder}");
    }
    let activation = holder["activation_id"].as_str().unwrap().to_owned();
    let text = s.ok(&["seats", "status", "--db", "ledger.db", "--license", &license]);
    assert!(text.contains("1 in use") && text.contains(&activation), "{text}");
    // The machine deactivates; its receipt frees the seat; a replay changes nothing.
    let receipt = s.ok(&["deactivate", "--store", "store-req-ws"]);
    let done = s.ok(&["authority", "deactivate", "--db", "ledger.db", "--receipt", receipt.trim()]);
    assert!(done.contains("seat 1") && done.contains("is free"), "{done}");
    let again = s.ok(&["authority", "deactivate", "--db", "ledger.db", "--receipt", receipt.trim()]);
    assert!(again.contains("already ended"), "{again}");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", "req-laptop"]);
    // The history names the actor and the events.
    let history = json(&s.ok(&["seats", "history", "--db", "ledger.db", "--license", &license, "--json"]));
    let kinds: Vec<&str> = history.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["issue", "activation", "deactivation", "activation"]);
    assert_eq!(history[0]["actor"], "tester");
    let text = s.ok(&["seats", "history", "--db", "ledger.db"]);
    assert!(text.contains("deactivation") && text.contains("tester"), "{text}");
}

#[test]
fn seats_are_released_transferred_and_reissued() {
    let s = Scratch::new();
    let license = desk(&s, &[]);
    let code = s.request("lic.lic", "workstation", "req-ws");
    s.ok(&[
        "authority",
        "grant",
        "--db",
        "ledger.db",
        "--request",
        &code,
        "--label",
        "Build server",
        "--actor",
        "desk",
    ]);
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    let first = status["licenses"][0]["activations"][0]["activation_id"].as_str().unwrap().to_owned();
    assert_eq!(status["licenses"][0]["activations"][0]["label"], "Build server");
    // Transfer without --key: the key recorded at init signs.
    let laptop = s.request("lic.lic", "laptop", "req-laptop");
    let response = s.ok(&["seats", "transfer", "--db", "ledger.db", &first, "--request", &laptop]);
    assert!(response.trim().starts_with("NLC-"));
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    let second = status["licenses"][0]["activations"][0]["activation_id"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // The one transfer of the seat is used: refused with what to do.
    let vm = s.request("lic.lic", "cloud-vm", "req-vm");
    let err = s.fails(&["seats", "transfer", "--db", "ledger.db", &second, "--request", &vm], 1);
    assert!(err.contains("seats reissue"), "{err}");
    // A seat pack, then the VM takes the new seat.
    let pack = s.ok(&["seats", "reissue", "--db", "ledger.db", "--license", &license, "--seats", "2"]);
    assert!(pack.contains("seat pack 2 adds seats 2 to 3"), "{pack}");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &vm]);
    // Release by the administrator: the in-use count drops at once.
    let released = s.ok(&["seats", "release", "--db", "ledger.db", &second]);
    assert!(released.contains("seat 1") && released.contains("is free"), "{released}");
    let err = s.fails(&["seats", "release", "--db", "ledger.db", &second], 1);
    assert!(err.contains("not active"), "{err}");
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(
        (status["licenses"][0]["total"].as_u64(), status["licenses"][0]["in_use"].as_u64()),
        (Some(3), Some(1))
    );
    // Anonymise keeps the count.
    let vm_id = status["licenses"][0]["activations"][0]["activation_id"].as_str().unwrap().to_owned();
    s.ok(&["seats", "anonymise", "--db", "ledger.db", &vm_id]);
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(status["licenses"][0]["in_use"].as_u64(), Some(1));
    assert!(status["licenses"][0]["activations"][0]["label"].is_null());
    let kinds: Vec<String> = json(&s.ok(&["seats", "history", "--db", "ledger.db", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        ["issue", "activation", "transfer", "seat_reissue", "activation", "release", "anonymise"]
    );
}

#[test]
fn temporary_activations_and_revocation_from_the_command_line() {
    let s = Scratch::new();
    let license = desk(&s, &["--temporary-days"]);
    let ws = s.request("lic.lic", "workstation", "req-ws");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &ws]);
    let laptop = s.request("lic.lic", "laptop", "req-laptop");
    let r = s.run(&["authority", "grant", "--db", "ledger.db", "--request", &laptop]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stderr.contains("temporary activation until"), "{}", r.stderr);
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(status["licenses"][0]["temporary"].as_u64(), Some(1));
    assert_eq!(status["licenses"][0]["activations"][1]["kind"], "temporary");
    s.ok(&["authority", "revoke", "--db", "ledger.db", "--license", &license]);
    let vm = s.request("lic.lic", "cloud-vm", "req-vm");
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", &vm], 1);
    assert!(err.contains("revoked"), "{err}");
}

#[test]
fn bad_input_is_refused_with_status_two_and_nothing_is_created() {
    let s = Scratch::new();
    // No ledger at the path: nothing is created by a typo.
    let err = s.fails(&["seats", "status", "--db", "typo.db"], 2);
    assert!(err.contains("authority init"), "{err}");
    assert!(!s.path("typo.db").exists());
    desk(&s, &[]);
    // Another key cannot take over the ledger or sign for it.
    let err = s.fails(&["authority", "init", "--db", "ledger.db", "--key", "other/secret.key"], 2);
    assert!(err.contains("belongs to key"), "{err}");
    let code = s.request("lic.lic", "workstation", "req-ws");
    let err = s.fails(
        &["authority", "grant", "--db", "ledger.db", "--key", "other/secret.key", "--request", &code],
        2,
    );
    assert!(err.contains("not this ledger's key"), "{err}");
    // A license signed by another key is not added.
    s.ok(&[
        "license",
        "issue",
        "--key",
        "other/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "X",
        "--seats",
        "1",
        "--out",
        "stranger.lic",
    ]);
    s.fails(&["authority", "add-license", "--db", "ledger.db", "stranger.lic"], 2);
    // Garbage codes, unknown ids, malformed ids.
    s.fails(&["authority", "grant", "--db", "ledger.db", "--request", "NLR-ABCD-EFGH"], 2);
    s.fails(&["authority", "deactivate", "--db", "ledger.db", "--receipt", "NLD-ABCD-EFGH"], 2);
    s.fails(&["seats", "release", "--db", "ledger.db", "00112233445566778899aabbccddeeff"], 2);
    s.fails(&["seats", "release", "--db", "ledger.db", "not-an-id"], 2);
    s.fails(
        &["seats", "status", "--db", "ledger.db", "--license", "00000000-0000-0000-0000-000000000000"],
        2,
    );
    s.fails(&["seats", "reissue", "--db", "ledger.db", "--license", "xyz", "--seats", "1"], 2);
    // None of it left a trace.
    let history = json(&s.ok(&["seats", "history", "--db", "ledger.db", "--json"]));
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    // The secret key itself is in neither the ledger file nor its log.
    let key = nodelock::SecretKey::read_file(&s.path("keys/secret.key")).unwrap();
    let file = key.to_file_bytes();
    let seed = &file[file.len() - 64..file.len() - 32];
    for name in ["ledger.db", "ledger.db-wal"] {
        let bytes = std::fs::read(s.path(name)).unwrap_or_default();
        assert!(!bytes.windows(32).any(|w| w == seed), "the secret key is in {name}");
    }
}

#[test]
fn a_store_renews_its_seat_from_the_command_line_until_the_seat_is_released() {
    let s = Scratch::new();
    desk(&s, &[]);
    let root = fixture("workstation");
    let root = root.to_str().unwrap();
    let code = s.request("lic.lic", "workstation", "ws");
    let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
    let apply = |response: &str| {
        s.ok(&["activate", "apply", "--store", "store-ws", "--response", response.trim()]);
    };
    apply(&response);
    let renew = ["activate", "renew", "--license", "lic.lic", "--store", "store-ws", "--root", root];
    let renewal = s.ok(&renew);
    assert!(renewal.trim().starts_with("NLR-"), "{renewal}");
    let r = s.run(&["authority", "grant", "--db", "ledger.db", "--request", renewal.trim()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stderr.contains("already holds seat 1") && r.stderr.contains("renewed"), "{}", r.stderr);
    apply(&r.stdout);
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    let activations = status["licenses"][0]["activations"].as_array().unwrap();
    assert_eq!((activations.len(), status["licenses"][0]["in_use"].as_u64()), (1, Some(1)));
    let id = activations[0]["activation_id"].as_str().unwrap().to_owned();
    // Released by the vendor: the next renewal is refused (1), saying why.
    s.ok(&["seats", "release", "--db", "ledger.db", &id]);
    let renewal = s.ok(&renew);
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", renewal.trim()], 1);
    assert!(err.contains("cannot be renewed") && err.contains("released"), "{err}");
    // A store without an activation has nothing to renew.
    let err =
        s.fails(&["activate", "renew", "--license", "lic.lic", "--store", "store-none", "--root", root], 2);
    assert!(err.contains("no activation to renew") && err.contains("activate request"), "{err}");
}

#[test]
fn a_leased_license_shows_its_lease_in_inspect_status_and_seats_status() {
    let s = Scratch::new();
    desk(&s, &["--lease-days", "30", "--grace-days", "5"]);
    let inspected =
        json(&s.ok(&["license", "inspect", "lic.lic", "--json", "--public-key", "keys/public.key"]));
    assert_eq!((inspected["lease_days"].as_u64(), inspected["grace_days"].as_u64()), (Some(30), Some(5)));
    let text = s.ok(&["license", "inspect", "lic.lic"]);
    assert!(text.contains("Lease            30 days, grace 5 days"), "{text}");
    let root = fixture("workstation");
    let root = root.to_str().unwrap();
    let code = s.request("lic.lic", "workstation", "ws");
    let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
    s.ok(&["activate", "apply", "--store", "store-ws", "--response", response.trim()]);
    let status = [
        "status",
        "--license",
        "lic.lic",
        "--public-key",
        "keys/public.key",
        "--store",
        "store-ws",
        "--root",
        root,
    ];
    let verdict = json(&s.ok(&[&status[..], &["--json"]].concat()));
    assert_eq!(verdict["verdict"], "licensed");
    assert_eq!(verdict["lease_state"], "current");
    let ends = verdict["lease_ends"].as_str().expect("lease_ends is a time").to_owned();
    // The same time format as the document's other times.
    let issued = verdict["license"]["issued_at"].as_str().unwrap();
    assert_eq!(
        (ends.len(), ends.ends_with('Z')),
        (issued.len(), issued.ends_with('Z')),
        "{ends} vs {issued}"
    );
    let seats = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(seats["licenses"][0]["activations"][0]["lease_ends"], ends.as_str());

    // Without a lease: null in both, state none, and inspect says so.
    let s = Scratch::new();
    desk(&s, &[]);
    assert!(
        s.ok(&["license", "inspect", "lic.lic"]).contains("Lease            none (perpetual certificates)")
    );
    let code = s.request("lic.lic", "workstation", "ws");
    let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
    s.ok(&["activate", "apply", "--store", "store-ws", "--response", response.trim()]);
    let verdict = json(&s.ok(&[&status[..], &["--json"]].concat()));
    assert_eq!(
        (&verdict["lease_ends"], &verdict["lease_state"]),
        (&serde_json::Value::Null, &serde_json::json!("none"))
    );
    let seats = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert!(seats["licenses"][0]["activations"][0]["lease_ends"].is_null());
}

/// The customer's moves through the command line: a second store on the
/// machine is renewed into the seat; a copy of it renews from another machine
/// (refused: no second seat) while the first store still runs — the seat is
/// forked in `seats status --json` and `seats history`; the second store's
/// receipt is accepted (0) but frees nothing while the first store holds the
/// seat, and says so.
#[test]
fn a_second_store_and_its_copy_cannot_make_one_seat_two_machines() {
    let s = Scratch::new();
    desk(&s, &[]);
    let ws = fixture("workstation");
    let laptop = fixture("laptop");
    for store in ["a", "b"] {
        let code = s.request("lic.lic", "workstation", store);
        let response = s.ok(&["authority", "grant", "--db", "ledger.db", "--request", &code]);
        s.ok(&["activate", "apply", "--store", &format!("store-{store}"), "--response", response.trim()]);
    }
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    let seat = &status["licenses"][0]["activations"][0];
    assert_eq!(
        (seat["certificates"].as_array().unwrap().len(), &seat["forked"]),
        (2, &serde_json::json!(false))
    );
    // Store b copied to the laptop renews from there.
    let copied = Command::new("cp").args(["-a", "store-b", "store-copy"]).current_dir(s.dir.path()).status();
    assert!(copied.unwrap().success());
    let renewal = s.ok(&[
        "activate",
        "renew",
        "--license",
        "lic.lic",
        "--store",
        "store-copy",
        "--root",
        laptop.to_str().unwrap(),
    ]);
    let err = s.fails(&["authority", "grant", "--db", "ledger.db", "--request", renewal.trim()], 1);
    assert!(err.contains("seat"), "{err}");
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(status["licenses"][0]["activations"][0]["forked"], true, "{status}");
    let history = json(&s.ok(&["seats", "history", "--db", "ledger.db", "--json"]));
    let fork = history.as_array().unwrap().iter().find(|e| e["kind"] == "fork").expect("a fork entry");
    assert!(fork["details"].as_str().unwrap().contains("forked"), "{fork}");
    assert!(s.ok(&["seats", "status", "--db", "ledger.db"]).contains("FORKED"));
    // Store b gives up: accepted, the seat stays with store a.
    let receipt = s.ok(&["deactivate", "--store", "store-b"]);
    let done = s.ok(&["authority", "deactivate", "--db", "ledger.db", "--receipt", receipt.trim()]);
    assert!(done.contains("stays in use") && done.contains("1 other store"), "{done}");
    let code = s.request("lic.lic", "laptop", "laptop");
    s.fails(&["authority", "grant", "--db", "ledger.db", "--request", &code], 1);
    let verdict = json(&s.ok(&[
        "status",
        "--license",
        "lic.lic",
        "--public-key",
        "keys/public.key",
        "--store",
        "store-a",
        "--root",
        ws.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(verdict["verdict"], "licensed");
}

/// `add-license` prints the license key (and `--json` gives `license_key`);
/// `authority license-key` prints the same key again; a typo in it is caught.
#[test]
fn add_license_prints_the_license_key_and_license_key_prints_it_again() {
    let s = Scratch::new();
    let license = desk(&s, &[]);
    let added = json(&s.ok(&["authority", "add-license", "--db", "ledger.db", "lic.lic", "--json"]));
    let key = added["license_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("NL-") && key.len() == 26, "{added}");
    assert_eq!(added["license_id"], license.as_str());
    let text = s.ok(&["authority", "add-license", "--db", "ledger.db", "lic.lic"]);
    assert!(text.contains(&format!("license key: {key}")), "{text}");
    let again = s.ok(&["authority", "license-key", "--db", "ledger.db", "--license", &license]);
    assert_eq!(again.trim(), key);
    let again = json(&s.ok(&[
        "authority",
        "license-key",
        "--db",
        "ledger.db",
        "--license",
        &license,
        "--key",
        "keys/secret.key",
        "--json",
    ]));
    assert_eq!(
        (again["license_key"].as_str(), again["license_id"].as_str()),
        (Some(&key[..]), Some(&license[..]))
    );
    // Another key is not the ledger's.
    let r = s.run(&[
        "authority",
        "license-key",
        "--db",
        "ledger.db",
        "--license",
        &license,
        "--key",
        "other/secret.key",
        "--json",
    ]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(json(&r.stdout)["error"]["code"], "not_the_ledgers_key");
    // An unknown license.
    let r = s.run(&["authority", "license-key", "--db", "ledger.db", "--license", &"0".repeat(32), "--json"]);
    assert_eq!(json(&r.stdout)["error"]["code"], "unknown_license", "{}", r.stdout);
}

/// `seats cull` reclaims the seat of a machine whose certificates all ran
/// out (the lease end is set back in the file: the CLI runs at the real time)
/// and says when nothing was due.
#[test]
fn seats_cull_reclaims_dead_machines_and_says_when_nothing_was_due() {
    let s = Scratch::new();
    desk(&s, &["--lease-days", "30", "--grace-days", "5"]);
    s.request("lic.lic", "workstation", "req-ws");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", "req-ws"]);
    let nothing = s.ok(&["seats", "cull", "--db", "ledger.db"]);
    assert!(nothing.contains("no machine was due"), "{nothing}");
    let nothing = json(&s.ok(&["seats", "cull", "--db", "ledger.db", "--json"]));
    assert_eq!(nothing["culled"], serde_json::json!([]));

    let conn = rusqlite::Connection::open(s.path("ledger.db")).unwrap();
    conn.execute("UPDATE stores SET lease_ends = 1000000000", []).unwrap();
    drop(conn);
    let culled = json(&s.ok(&["seats", "cull", "--db", "ledger.db", "--actor", "nightly", "--json"]));
    let c = &culled["culled"][0];
    assert_eq!(c["seat"], 1, "{culled}");
    assert!(c["activation_id"].is_string() && c["license_id"].is_string(), "{culled}");
    let history = json(&s.ok(&["seats", "history", "--db", "ledger.db", "--json"]));
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!((last["kind"].as_str(), last["actor"].as_str()), (Some("culled"), Some("nightly")), "{last}");
    let status = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--json"]));
    assert_eq!(status["licenses"][0]["in_use"], 0, "{status}");
    // The freed seat is granted to another machine.
    s.request("lic.lic", "laptop", "req-laptop");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--request", "req-laptop"]);
    let text = s.ok(&["seats", "cull", "--db", "ledger.db"]);
    assert!(text.contains("no machine was due"), "{text}");
}

/// Every `--db` takes a `postgres://` URL as well as a file: the same desk on
/// a PostgreSQL database (a fresh schema); SKIPPED without `NODELOCK_POSTGRES_URL`.
#[cfg(feature = "postgres")]
#[test]
fn the_activation_desk_runs_on_postgres_too() {
    let name = "the_activation_desk_runs_on_postgres_too";
    let Some(url) = postgres_env::postgres_url(name) else { return };
    let schema = postgres_env::fresh_schema();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let s = Scratch::new();
    let issued = s.ok(&[
        "license",
        "issue",
        "--key",
        "keys/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "ACME",
        "--seats",
        "1",
        "--out",
        "lic.lic",
    ]);
    let license = issued.split_whitespace().nth(1).unwrap().to_owned();
    s.ok(&["authority", "init", "--db", &db, "--key", "keys/secret.key"]);
    s.ok(&["authority", "add-license", "--db", &db, "lic.lic"]);
    s.request("lic.lic", "workstation", "req-ws");
    let response = s.ok(&["authority", "grant", "--db", &db, "--request", "req-ws"]);
    assert!(response.trim().starts_with("NLC-"), "{response}");
    let code = s.request("lic.lic", "laptop", "req-laptop");
    let err = s.fails(&["authority", "grant", "--db", &db, "--request", &code], 1);
    assert!(err.contains("workstation"), "{err}");
    let status = json(&s.ok(&["seats", "status", "--db", &db, "--json"]));
    let l = &status["licenses"][0];
    assert_eq!((l["total"].as_u64(), l["in_use"].as_u64()), (Some(1), Some(1)));
    assert!(status.to_string().contains(&license), "{status}");
    // The other key is refused, as on a file.
    let err = s.fails(&["authority", "init", "--db", &db, "--key", "other/secret.key"], 2);
    assert!(err.contains("belongs to key"), "{err}");
}

/// `seats status --license ID --limit N --after SEAT`: one page of the seat
/// list with the license's counts; JSON names the next `after`, or null
/// after the last page; text says how to ask for the next one.
#[test]
fn seats_status_pages_through_a_license() {
    let s = Scratch::new();
    let license = desk(&s, &[]);
    s.request("lic.lic", "workstation", "req-ws");
    s.ok(&["authority", "grant", "--db", "ledger.db", "--key", "keys/secret.key", "--request", "req-ws"]);
    let page = |extra: &[&str]| {
        let mut args = vec!["seats", "status", "--db", "ledger.db", "--license", license.as_str(), "--json"];
        args.extend_from_slice(extra);
        json(&s.ok(&args))
    };
    let first = page(&["--limit", "1"]);
    assert_eq!(first["next_after"], 1);
    let l = &first["license"];
    assert_eq!(
        (l["total"].as_u64(), l["in_use"].as_u64(), l["available"].as_u64()),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(l["activations"][0]["seat"], 1);
    assert_eq!(l["activations"][0]["label"], "workstation");
    let last = page(&["--limit", "1", "--after", "1"]);
    assert!(last["next_after"].is_null(), "{last}");
    assert_eq!(last["license"]["activations"].as_array().map(Vec::len), Some(0));
    assert_eq!(last["license"]["in_use"], 1, "the counts are the license's on every page");
    let text = s.ok(&["seats", "status", "--db", "ledger.db", "--license", &license, "--limit", "1"]);
    assert!(text.contains("1 in use") && text.contains("next page: --after 1"), "{text}");
    let text = s.ok(&["seats", "status", "--db", "ledger.db", "--license", &license, "--after", "1"]);
    assert!(text.contains("(last page)"), "{text}");
    // A page needs a license.
    s.fails(&["seats", "status", "--db", "ledger.db", "--limit", "5"], 2);
    // The summary: counts only.
    let summary = json(&s.ok(&["seats", "status", "--db", "ledger.db", "--summary", "--json"]));
    assert_eq!(summary["products"][0]["in_use"], 1);
    assert_eq!(summary["licenses"][0]["in_use"], 1);
    assert_eq!(summary["licenses"][0]["activations"].as_array().map(Vec::len), Some(0));
    let text = s.ok(&["seats", "status", "--db", "ledger.db", "--summary"]);
    assert!(text.contains("1 in use") && !text.contains("workstation"), "{text}");
}
