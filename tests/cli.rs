//! The `nodelock` binary as a user runs it: outputs, JSON fields and exit
//! statuses are contracts (0 yes, 1 a negative answer, 2 bad input).
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nodelock::activation::{ActivationCertificate, ActivationId, ActivationKind, ActivationRequest};
use nodelock::{SecretKey, Timestamp};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn nodelock(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(dir).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn status(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A vendor directory with keys and a license for com.example.app.
fn vendor(extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&nodelock(dir.path(), &["keys", "generate", "--out", "keys"]));
    let mut args = vec![
        "license",
        "issue",
        "--key",
        "keys/secret.key",
        "--product",
        "com.example.app",
        "--licensee",
        "ACME Corp",
        "--seats",
        "2",
        "--feature",
        "edition=pro",
        "--out",
        "acme.lic",
    ];
    args.extend_from_slice(extra);
    ok(&nodelock(dir.path(), &args));
    dir
}

#[test]
fn keys_are_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&nodelock(dir.path(), &["keys", "generate", "--out", "keys"]));
    assert!(out.contains("key id "));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("keys/secret.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = nodelock(dir.path(), &["keys", "generate", "--out", "keys"]);
    assert_eq!(status(&again), 2);
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
}

#[test]
fn license_issue_inspect_and_reissue() {
    let dir =
        vendor(&["--tolerance", "5", "--expires", "2030-01-01", "--invalidate-on-move", "--temporary-days"]);
    let out = nodelock(
        dir.path(),
        &["license", "inspect", "acme.lic", "--public-key", "keys/public.key", "--json"],
    );
    let v = json(&out);
    assert_eq!(status(&out), 0);
    assert_eq!(v["release_version"], 1);
    assert_eq!(v["product"], "com.example.app");
    assert_eq!(v["seats"], 2);
    assert_eq!(v["temporary_days"], 90);
    assert_eq!(v["policy"]["tolerance"], 5);
    assert_eq!(v["policy"]["invalidate_on_move"], true);
    assert_eq!(v["expires_at"], "2030-01-01T00:00:00Z");
    assert_eq!(v["features"]["edition"], "pro");
    assert_eq!(v["signature"], "valid");
    assert_eq!(v["key_id"].as_str().unwrap().len(), 16);

    ok(&nodelock(
        dir.path(),
        &["license", "reissue", "acme.lic", "--key", "keys/secret.key", "--seats", "4", "--out", "acme2.lic"],
    ));
    let v2 = json(&nodelock(dir.path(), &["license", "inspect", "acme2.lic", "--json"]));
    assert_eq!(
        (v2["release_version"].clone(), v2["seats"].clone(), v2["id"].clone()),
        (2.into(), 4.into(), v["id"].clone())
    );
    assert_eq!(v2["signature"], "not_checked");
    let text =
        ok(&nodelock(dir.path(), &["license", "inspect", "acme2.lic", "--public-key", "keys/public.key"]));
    assert!(text.contains("Release version  2") && text.contains("Signature        valid"), "{text}");

    // Another vendor's key: the signature does not verify -> 1.
    ok(&nodelock(dir.path(), &["keys", "generate", "--out", "other"]));
    let bad = nodelock(dir.path(), &["license", "inspect", "acme.lic", "--public-key", "other/public.key"]);
    assert_eq!(status(&bad), 1);
    assert!(String::from_utf8_lossy(&bad.stdout).contains("INVALID"));
    // Unreadable input -> 2.
    std::fs::write(dir.path().join("junk.lic"), "hello").unwrap();
    assert_eq!(status(&nodelock(dir.path(), &["license", "inspect", "junk.lic"])), 2);
    assert_eq!(status(&nodelock(dir.path(), &["license", "inspect", "missing.lic"])), 2);
    // Never overwrite a license.
    let again = nodelock(
        dir.path(),
        &["license", "reissue", "acme.lic", "--key", "keys/secret.key", "--out", "acme2.lic"],
    );
    assert_eq!(status(&again), 2);
}

#[test]
fn profile_show_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let laptop = fixture("laptop");
    let v = json(&nodelock(dir.path(), &["profile", "show", "--root", laptop.to_str().unwrap(), "--json"]));
    assert_eq!(v["environment"], "bare_metal");
    let kinds: Vec<&str> =
        v["components"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for k in ["mac", "cpu", "system_drive", "memory", "video", "scsi"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(v["components"][0]["value"].is_string());
    assert_eq!(v["fingerprint"].as_str().unwrap().len(), 19);
    let container = fixture("container");
    let v =
        json(&nodelock(dir.path(), &["profile", "show", "--root", container.to_str().unwrap(), "--json"]));
    assert_eq!(v["environment"], "container");
    let unreadable: Vec<&str> =
        v["unreadable"].as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert!(unreadable.contains(&"system_drive"), "{unreadable:?}");
    assert!(v["unreadable"][0]["reason"].as_str().unwrap().len() > 5);
    // A directory that is not a machine tree is bad input.
    assert_eq!(status(&nodelock(dir.path(), &["profile", "show", "--root", "/nonexistent"])), 2);
}

#[test]
fn profile_capture_and_compare_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let (laptop, ws) = (fixture("laptop"), fixture("workstation"));
    for (name, root) in [("a.json", &laptop), ("b.json", &laptop), ("c.json", &ws)] {
        ok(&nodelock(dir.path(), &["profile", "capture", "--root", root.to_str().unwrap(), "--out", name]));
    }
    let raw = nodelock(
        dir.path(),
        &["profile", "capture", "--root", laptop.to_str().unwrap(), "--raw", "--out", "raw.json"],
    );
    ok(&raw);
    let raw_text = std::fs::read_to_string(dir.path().join("raw.json")).unwrap();
    assert!(raw_text.contains("raw_components"));
    assert!(!std::fs::read_to_string(dir.path().join("a.json")).unwrap().contains("raw_components"));

    let same = nodelock(dir.path(), &["profile", "compare", "a.json", "b.json", "--json"]);
    assert_eq!(status(&same), 0);
    let v = json(&same);
    assert_eq!(
        (v["score"].clone(), v["reactivate"].clone(), v["tolerance"].clone()),
        (0.into(), false.into(), 3.into())
    );
    assert_eq!(v["kinds"].as_array().unwrap().len(), 8);
    assert_eq!(v["kinds"][0]["kind"], "mac");
    assert_eq!(v["kinds"][0]["change"], "unchanged");
    assert_eq!(v["kinds"][0]["weight"], 0);

    let other = nodelock(dir.path(), &["profile", "compare", "a.json", "c.json"]);
    assert_eq!(status(&other), 1);
    assert!(String::from_utf8_lossy(&other.stdout).contains("reactivation required"));
    assert_eq!(
        status(&nodelock(dir.path(), &["profile", "compare", "a.json", "c.json", "--tolerance", "100"])),
        0
    );
    let moved = json(&nodelock(dir.path(), &["profile", "compare", "a.json", "c.json", "--moved", "--json"]));
    assert_eq!(moved["moved"], true);
    std::fs::write(dir.path().join("bad.json"), "{").unwrap();
    let bad = nodelock(dir.path(), &["profile", "compare", "a.json", "bad.json"]);
    assert_eq!(status(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.json"));
    assert_eq!(status(&nodelock(dir.path(), &["profile", "compare", "a.json"])), 2, "usage error");
}

/// What the vendor's activation desk does with a request code (the authority
/// does the same with its ledger).
fn grant(dir: &Path, code: &str) -> String {
    let request = ActivationRequest::from_code(code).unwrap();
    let key = SecretKey::read_file(&dir.join("keys/secret.key")).unwrap();
    let cert = ActivationCertificate::answering(
        &request,
        ActivationId([9; 16]),
        ActivationKind::Permanent,
        Some(1),
        Timestamp::now(),
    )
    .sign(&key)
    .unwrap();
    ActivationCertificate::code_of(&cert)
}

#[test]
fn offline_activation_status_and_deactivation() {
    let dir = vendor(&[]);
    let d = dir.path();
    let laptop = fixture("laptop");
    let laptop = laptop.to_str().unwrap();
    let status_args = |root: &str| {
        vec![
            "status",
            "--license",
            "acme.lic",
            "--public-key",
            "keys/public.key",
            "--store",
            "store",
            "--root",
            root.to_owned().leak(),
        ]
    };
    let before = nodelock(d, &status_args(laptop));
    assert_eq!(status(&before), 1);
    assert!(String::from_utf8_lossy(&before.stdout).contains("not activated"));

    let request = ok(&nodelock(
        d,
        &[
            "activate",
            "request",
            "--license",
            "acme.lic",
            "--store",
            "store",
            "--label",
            "Alice's laptop",
            "--root",
            laptop,
        ],
    ));
    let code = request.trim();
    assert!(code.starts_with("NLR-"), "{code}");
    let response = grant(d, code);
    let applied = ok(&nodelock(
        d,
        &[
            "activate",
            "apply",
            "--store",
            "store",
            "--response",
            &response,
            "--public-key",
            "keys/public.key",
        ],
    ));
    assert!(applied.contains("activated"));

    let licensed = nodelock(d, &status_args(laptop));
    assert_eq!(status(&licensed), 0, "{}", String::from_utf8_lossy(&licensed.stdout));
    // The laptop's other kinds match: its video and storage controllers
    // could not change the verdict, and the check says it did not read them.
    let text = String::from_utf8_lossy(&licensed.stdout);
    let line = "Not read (they could not change the verdict): Video card, IDE controller, SCSI controller";
    assert!(text.contains(line), "{text}");
    let mut json_args = status_args(laptop);
    json_args.push("--json");
    let v = json(&nodelock(d, &json_args));
    assert_eq!(v["verdict"], "licensed");
    assert_eq!(v["license"]["features"]["edition"], "pro");
    assert_eq!(v["not_read"], serde_json::json!(["video", "ide", "scsi"]));

    // The same store on other hardware: activation required, with the comparison table.
    let ws = fixture("workstation");
    let changed = nodelock(d, &status_args(ws.to_str().unwrap()));
    assert_eq!(status(&changed), 1);
    let text = String::from_utf8_lossy(&changed.stdout);
    assert!(text.contains("hardware changed") && text.contains("Score"), "{text}");

    let receipt = ok(&nodelock(d, &["deactivate", "--store", "store"]));
    assert!(receipt.trim().starts_with("NLD-"));
    assert_eq!(status(&nodelock(d, &status_args(laptop))), 1);
    // Asking again shows the same receipt, so a lost code can be recovered.
    assert_eq!(ok(&nodelock(d, &["deactivate", "--store", "store"])), receipt);
}

#[test]
fn apply_refuses_a_response_to_another_request_and_bad_codes() {
    let dir = vendor(&[]);
    let d = dir.path();
    let laptop = fixture("laptop");
    let first = ok(&nodelock(
        d,
        &["activate", "request", "--license", "acme.lic", "--store", "a", "--root", laptop.to_str().unwrap()],
    ));
    ok(&nodelock(
        d,
        &["activate", "request", "--license", "acme.lic", "--store", "b", "--root", laptop.to_str().unwrap()],
    ));
    let response = grant(d, first.trim());
    let wrong = nodelock(d, &["activate", "apply", "--store", "b", "--response", &response]);
    assert_eq!(status(&wrong), 2);
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("does not answer any activation request"));
    let typo = response.replacen('-', "-Z", 3);
    let bad = nodelock(d, &["activate", "apply", "--store", "a", "--response", &typo]);
    assert_eq!(status(&bad), 2);
    // Without --public-key the response is installed after every other check, with a warning.
    let unverified = nodelock(d, &["activate", "apply", "--store", "a", "--response", &response]);
    ok(&unverified);
    assert!(String::from_utf8_lossy(&unverified.stderr).contains("signature was not checked"));
}

/// Attack 3 (ghost restore in place), through the CLI as a customer would do
/// it: back up the activated store, deactivate (the seat is freed), then
/// bring the old activation back — by copying the old `activation` file
/// back (with its `clock` mark, without which it is refused anyway), or with `cp -a backup/. store/` over the directory — or restore the
/// backup elsewhere. Deactivation renewed the store's anchor, so every one of
/// these reads as moved: not Licensed (`store_moved`) under a license issued
/// with `--invalidate-on-move`; Licensed only with `"moved": true` (moved
/// weights) without it.
#[cfg(unix)]
#[test]
fn a_deactivated_store_restored_from_a_backup_reads_as_moved() {
    let sh = |d: &Path, script: &str| {
        let out = Command::new("sh").args(["-c", script]).current_dir(d).output().unwrap();
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let laptop = fixture("laptop");
    let laptop = laptop.to_str().unwrap();
    for strict in [true, false] {
        let dir = vendor(if strict { &["--invalidate-on-move"] } else { &[] });
        let d = dir.path();
        let status_json = |store: &str| {
            let args = [
                "status",
                "--license",
                "acme.lic",
                "--public-key",
                "keys/public.key",
                "--store",
                store,
                "--root",
                laptop,
                "--json",
            ];
            let out = nodelock(d, &args);
            (status(&out), json(&out))
        };
        let request = ok(&nodelock(
            d,
            &["activate", "request", "--license", "acme.lic", "--store", "store", "--root", laptop],
        ));
        let response = grant(d, request.trim());
        ok(&nodelock(
            d,
            &[
                "activate",
                "apply",
                "--store",
                "store",
                "--response",
                &response,
                "--public-key",
                "keys/public.key",
            ],
        ));
        let (code, v) = status_json("store");
        assert_eq!((code, &v["verdict"], &v["moved"]), (0, &"licensed".into(), &false.into()), "{v}");
        sh(d, "mkdir backup && cp -a store/. backup/");
        assert!(ok(&nodelock(d, &["deactivate", "--store", "store"])).trim().starts_with("NLD-"));
        assert_eq!(status_json("store").1["reason"]["reason"], "not_activated");

        let expect_moved = |(code, v): (i32, Value), how: &str| {
            if strict {
                assert_eq!((code, &v["reason"]["reason"]), (1, &"store_moved".into()), "{how} (strict): {v}");
            } else {
                assert_eq!(
                    (code, &v["verdict"], &v["moved"]),
                    (0, &"licensed".into(), &true.into()),
                    "{how}: {v}"
                );
            }
        };
        sh(d, "cp backup/activation store/activation");
        let (code, v) = status_json("store");
        assert_eq!(code, 1, "the old activation file alone (its clock mark is gone): {v}");
        sh(d, "cp backup/clock store/clock");
        expect_moved(status_json("store"), "the old activation and clock files copied back");
        sh(d, "cp -a backup/. store/");
        expect_moved(status_json("store"), "cp -a backup/. store/");
        sh(d, "cp -a backup elsewhere");
        expect_moved(status_json("elsewhere"), "restored elsewhere");
    }
}
