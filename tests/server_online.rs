//! The HTTP activation service and the online client, end to end on
//! loopback: the service runs on an ephemeral port over a SQLite ledger with
//! an injected clock (time moves by setting it, never by waiting), real
//! `Validator`s on fixture machines activate, renew and deactivate through
//! `OnlineClient`, administrators use their endpoints, and hostile requests
//! are answered with their status and code and change nothing.
#![cfg(all(feature = "server", feature = "online"))]

mod common;
#[path = "authority_support/postgres_env.rs"]
mod postgres_env;
#[path = "authority_support/seed.rs"]
mod seed;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use common::*;
use nodelock::Timestamp;
use nodelock::activation::{
    ActivationCertificate, ActivationId, ActivationKind, ActivationRequest, Reason, Validator, Verdict,
};
use nodelock::authority::{Authority, GrantKind, SqliteLedger};
use nodelock::codes::ErrorCode;
use nodelock::license::License;
use nodelock::online::{OnlineClient, OnlineError, Renewal};
use nodelock::server::{self, Config};
use nodelock::wire::{DeactivateResult, from_base64, to_base64};
use serde_json::Value;

const TOKEN: &str = "an administrator token of some length";

/// The service on 127.0.0.1:<ephemeral> in its own runtime thread.
struct Service {
    url: String,
    clock: Arc<AtomicU64>,
    authority: Arc<Authority<SqliteLedger>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Service {
    fn start(terms: &[&License], now: Timestamp) -> Service {
        Self::start_with(terms, now, |c| c)
    }

    fn start_with(terms: &[&License], now: Timestamp, tweak: impl FnOnce(Config) -> Config) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let ledger = SqliteLedger::open(dir.path().join("ledger.db")).unwrap();
        let authority = Arc::new(Authority::new(vendor(), ledger));
        for t in terms {
            authority.issue(t, "vendor", now).unwrap();
        }
        let clock = Arc::new(AtomicU64::new(now.0));
        let read = Arc::clone(&clock);
        let config = tweak(Config {
            admin_token: Some(TOKEN.to_owned().into()),
            clock: Arc::new(move || Timestamp(read.load(Ordering::SeqCst))),
            ..Config::default()
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, address) = std::sync::mpsc::channel::<SocketAddr>();
        let shared = Arc::clone(&authority);
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_io()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                bound.send(listener.local_addr().unwrap()).unwrap();
                server::serve(listener, shared, config, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = address.recv().unwrap();
        Service {
            url: format!("http://{addr}"),
            clock,
            authority,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }

    fn set(&self, now: Timestamp) {
        self.clock.store(now.0, Ordering::SeqCst);
    }

    fn client(&self) -> OnlineClient {
        OnlineClient::new(&self.url).unwrap()
    }

    /// Everything the ledger shows: status and history, as JSON text.
    fn snapshot(&self) -> String {
        let now = Timestamp(self.clock.load(Ordering::SeqCst));
        let status = serde_json::to_string(&self.authority.status(None, now).unwrap()).unwrap();
        let history = serde_json::to_string(&self.authority.history(None).unwrap()).unwrap();
        format!("{status}\n{history}")
    }

    /// A raw HTTP exchange: status, JSON body, `Retry-After`.
    fn call(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
        token: Option<&str>,
    ) -> Answer {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let url = format!("{}{path}", self.url);
        let mut response = match method {
            "GET" => {
                let mut r = agent.get(&url);
                if let Some(t) = token {
                    r = r.header("Authorization", format!("Bearer {t}"));
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url);
                if let Some(t) = token {
                    r = r.header("Authorization", format!("Bearer {t}"));
                }
                if let Some(ct) = content_type {
                    r = r.header("Content-Type", ct);
                }
                r.send(body)
            }
        }
        .unwrap();
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let text = response.body_mut().read_to_string().unwrap();
        let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text:?}"));
        Answer { status, json, retry_after }
    }

    fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.call("POST", path, Some("application/json"), body.to_string().as_bytes(), None)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Answer {
    status: u16,
    json: Value,
    retry_after: Option<String>,
}

impl Answer {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {}", self.json))
    }
}

/// A machine with its own store and the license installed.
struct Installed {
    validator: Validator,
    _dir: tempfile::TempDir,
}

fn installed(terms: &License, n: u32) -> Installed {
    let (validator, _dir) = installed_with(terms, workstation(n));
    Installed { validator, _dir }
}

fn terms(seats: u32, lease_days: u16, temporary_days: u16) -> License {
    let mut l = license();
    l.seats = seats;
    l.lease_days = lease_days;
    l.grace_days = 7;
    l.temporary_days = temporary_days;
    l
}

#[test]
fn sixty_four_clients_race_for_k_seats_and_exactly_k_are_granted() {
    let now = ts("2026-06-01");
    let k = 5;
    let license = terms(k, 0, 0);
    let service = Service::start(&[&license], now);
    let machines: Vec<Installed> = (0..64).map(|n| installed(&license, n)).collect();
    let results: Vec<Result<GrantKind, OnlineError>> = thread::scope(|scope| {
        let handles: Vec<_> = machines
            .iter()
            .map(|m| {
                let client = service.client();
                scope.spawn(move || client.activate_at(&m.validator, None, now).map(|a| a.kind))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let granted = results.iter().filter(|r| matches!(r, Ok(GrantKind::Seat))).count();
    assert_eq!(granted, k as usize, "exactly k seats are granted");
    for r in &results {
        match r {
            Ok(GrantKind::Seat) => {}
            Err(OnlineError::Refused { status: 409, code: Some(ErrorCode::NoFreeSeat), .. }) => {}
            other => panic!("neither a seat nor a refusal: {other:?}"),
        }
    }
    let licensed = machines.iter().filter(|m| m.validator.check_at(now).is_licensed()).count();
    assert_eq!(licensed, k as usize, "the machines that validate are the k granted ones");
    assert_eq!(service.authority.status(None, now).unwrap().licenses[0].in_use, k);
}

#[test]
fn with_temporary_days_the_race_past_the_seats_gets_temporaries() {
    let now = ts("2026-06-01");
    let license = terms(2, 0, 90);
    let service = Service::start(&[&license], now);
    let machines: Vec<Installed> = (0..8).map(|n| installed(&license, n)).collect();
    let kinds: Vec<GrantKind> = thread::scope(|scope| {
        let handles: Vec<_> = machines
            .iter()
            .map(|m| {
                let client = service.client();
                scope.spawn(move || client.activate_at(&m.validator, None, now).unwrap().kind)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(kinds.iter().filter(|k| **k == GrantKind::Seat).count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == GrantKind::Temporary).count(), 6);
}

#[test]
fn a_lease_renews_by_itself_only_when_due_and_a_deactivated_seat_goes_to_another_machine() {
    let start = ts("2026-06-01");
    let license = terms(1, 30, 0);
    let service = Service::start(&[&license], start);
    let client = service.client();
    let a = installed(&license, 1);
    let first = client.activate_at(&a.validator, Some("A"), start).unwrap();
    assert_eq!((first.kind, first.certificate.seat), (GrantKind::Seat, Some(1)));

    // Day 5: inside the first two thirds, nothing to do (and nothing sent).
    let day5 = start.plus_days(5);
    service.set(day5);
    let before = service.snapshot();
    assert!(matches!(client.renew_if_due(&a.validator, day5).unwrap(), Renewal::NotDue(_)));
    assert_eq!(service.snapshot(), before, "a renewal that is not due sends nothing");

    // Day 25: in the renewal window; it renews, and the lease moves.
    let day25 = start.plus_days(25);
    service.set(day25);
    let Renewal::Renewed(renewed) = client.renew_if_due(&a.validator, day25).unwrap() else {
        panic!("a lease in its last third renews");
    };
    assert_eq!(renewed.kind, GrantKind::Renewal);
    assert_eq!(renewed.certificate.lease_ends, Some(day25.plus_days(30)));
    assert_eq!(renewed.certificate.activation_id, first.certificate.activation_id);
    assert!(a.validator.check_at(start.plus_days(50)).is_licensed(), "the new lease runs past the old one");

    // Another machine cannot have the seat while A holds it...
    let b = installed(&license, 2);
    match client.activate_at(&b.validator, Some("B"), day25) {
        Err(OnlineError::Refused { code: Some(ErrorCode::NoFreeSeat), .. }) => {}
        other => panic!("the one seat is taken: {other:?}"),
    }
    // ...until A deactivates online.
    let done = client.deactivate(&a.validator).unwrap();
    assert_eq!((done.result, done.seat), (DeactivateResult::Deactivated, Some(1)));
    assert!(!a.validator.check_at(day25).is_licensed());
    let taken = client.activate_at(&b.validator, Some("B"), day25).unwrap();
    assert_eq!((taken.kind, taken.certificate.seat), (GrantKind::Seat, Some(1)));
    assert!(b.validator.check_at(day25).is_licensed());
}

#[test]
fn after_an_administrators_release_the_old_machine_is_not_renewed_and_stops_after_lease_and_grace() {
    let start = ts("2026-06-01");
    let license = terms(1, 30, 0);
    let service = Service::start(&[&license], start);
    let client = service.client();
    let old = installed(&license, 1);
    client.activate_at(&old.validator, Some("old"), start).unwrap();
    let id = license.id.to_string();

    let list = service.call("GET", "/v1/licenses", None, b"", Some(TOKEN));
    assert_eq!(list.status, 200);
    assert_eq!(list.json["licenses"][0]["in_use"], 1);
    let seats = service.call("GET", &format!("/v1/licenses/{id}/seats"), None, b"", Some(TOKEN));
    assert_eq!((seats.status, &seats.json["activations"][0]["seat"]), (200, &Value::from(1)));

    let day3 = start.plus_days(3);
    service.set(day3);
    let released =
        service.call("POST", &format!("/v1/licenses/{id}/seats/1/release"), None, b"", Some(TOKEN));
    assert_eq!(released.status, 200, "{}", released.json);
    assert_eq!(released.json["seat"], 1);
    let again = service.call("POST", &format!("/v1/licenses/{id}/seats/1/release"), None, b"", Some(TOKEN));
    assert_eq!((again.status, again.code()), (404, "not_found"), "a free seat cannot be released twice");

    let history = service.call("GET", &format!("/v1/licenses/{id}/history"), None, b"", Some(TOKEN));
    let kinds: Vec<&str> =
        history.json.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"activation") && kinds.contains(&"release"), "{kinds:?}");

    // Its renewal is refused, and it runs out at lease end + grace.
    let day25 = start.plus_days(25);
    service.set(day25);
    match client.renew_if_due(&old.validator, day25) {
        Err(OnlineError::Refused { status: 409, code: Some(ErrorCode::RenewalRefused), .. }) => {}
        other => panic!("a released seat is not renewed: {other:?}"),
    }
    assert!(old.validator.check_at(start.plus_days(36)).is_licensed(), "still inside lease + grace");
    match old.validator.check_at(start.plus_days(38)) {
        Verdict::ActivationRequired { reason: Reason::LeaseExpired { .. } } => {}
        other => panic!("past lease + grace the old machine stops: {other:?}"),
    }
    // The freed seat went to a new machine meanwhile.
    let new = installed(&license, 2);
    assert_eq!(client.activate_at(&new.validator, Some("new"), day25).unwrap().kind, GrantKind::Seat);
}

#[test]
fn administrator_endpoints_need_the_token_and_are_off_without_one() {
    let now = ts("2026-06-01");
    let license = terms(1, 0, 0);
    let service = Service::start(&[&license], now);
    for token in [None, Some("wrong token, same length as the real"), Some("")] {
        let a = service.call("GET", "/v1/licenses", None, b"", token);
        assert_eq!((a.status, a.code()), (401, "unauthorized"), "token {token:?}");
    }
    let off = Service::start_with(&[&license], now, |c| Config { admin_token: None, ..c });
    let a = off.call("GET", "/v1/licenses", None, b"", Some(TOKEN));
    assert_eq!((a.status, a.code()), (403, "admin_disabled"));
    let unknown =
        service.call("GET", &format!("/v1/licenses/{}/seats", "ab".repeat(16)), None, b"", Some(TOKEN));
    assert_eq!((unknown.status, unknown.code()), (404, "unknown_license"));
}

/// `GET /v1/licenses/{id}/seats` answers a page at a time, as
/// `seats status --limit --after` does: through 250 held seats each seat
/// comes once, in order, and the last page says `next_after: null`; a
/// caller that sends no parameters gets the first 100; a temporary
/// activation is counted, not listed; bad parameters are `400 bad_input`;
/// the token is still checked first.
#[test]
fn the_seats_endpoint_pages_through_a_license_each_seat_once_in_order() {
    let now = ts("2026-06-01");
    let license = terms(250, 0, 30);
    let service = Service::start(&[&license], now);
    for n in 0..251 {
        let m = installed(&license, n);
        let request = m.validator.request_activation_at(Some(&format!("m{n}")), now).unwrap();
        let grant = service.authority.activate(&request, None, "test", now).unwrap();
        let expected = if n < 250 { GrantKind::Seat } else { GrantKind::Temporary };
        assert_eq!(grant.kind, expected, "machine {n}");
    }
    let id = license.id.to_string();
    let get =
        |query: &str| service.call("GET", &format!("/v1/licenses/{id}/seats{query}"), None, b"", Some(TOKEN));
    let seats = |page: &Answer| -> Vec<u64> {
        let holders = page.json["activations"].as_array().unwrap();
        holders.iter().map(|h| h["seat"].as_u64().expect("only seat holders are listed")).collect()
    };

    // No parameters: the first 100 seats, with the whole license's counts.
    let first = get("");
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!(seats(&first), (1..=100).collect::<Vec<u64>>());
    assert_eq!(first.json["next_after"], 100);
    assert_eq!((&first.json["total"], &first.json["in_use"]), (&Value::from(250), &Value::from(250)));
    assert_eq!((&first.json["temporary"], &first.json["available"]), (&Value::from(1), &Value::from(0)));
    assert_eq!(first.json["running_out"], Value::Array(Vec::new()));

    // Pages of 64 from the start: 64, 64, 64, 58, each seat once, in order.
    let (mut seen, mut sizes, mut after) = (Vec::new(), Vec::new(), 0);
    loop {
        let page = get(&format!("?limit=64&after={after}"));
        assert_eq!(page.status, 200, "{}", page.json);
        assert_eq!(page.json["in_use"], 250, "the counts are the license's on every page");
        sizes.push(seats(&page).len());
        seen.extend(seats(&page));
        match &page.json["next_after"] {
            Value::Null => break,
            next => after = next.as_u64().unwrap(),
        }
        assert!(sizes.len() < 10, "pages without end: {sizes:?}");
    }
    assert_eq!(sizes, [64, 64, 64, 58]);
    assert_eq!(seen, (1..=250).collect::<Vec<u64>>());

    // A full last page names a next one, which is empty and the last.
    let full = get("?after=150&limit=100");
    assert_eq!((seats(&full).len(), &full.json["next_after"]), (100, &Value::from(250)));
    let beyond = get("?after=250");
    assert_eq!((seats(&beyond).len(), &beyond.json["next_after"]), (0, &Value::Null));
    assert_eq!(seats(&get("?limit=1000")).len(), 250);

    for query in [
        "?limit=1001",
        "?limit=0",
        "?limit=ten",
        "?limit=",
        "?limit=+5",
        "?after=-1",
        "?after=4294967296",
        "?after=x",
        "?limit=5&limit=5",
        "?offset=5",
    ] {
        let refused = get(query);
        assert_eq!((refused.status, refused.code()), (400, "bad_input"), "{query}: {}", refused.json);
    }
    let path = format!("/v1/licenses/{}/seats?limit=10", "ab".repeat(16));
    let unknown = service.call("GET", &path, None, b"", Some(TOKEN));
    assert_eq!((unknown.status, unknown.code()), (404, "unknown_license"));
    for query in ["?limit=10", "?limit=ten"] {
        for token in [None, Some("wrong token, same length as the real")] {
            let path = format!("/v1/licenses/{id}/seats{query}");
            let a = service.call("GET", &path, None, b"", token);
            assert_eq!((a.status, a.code()), (401, "unauthorized"), "{query} with {token:?}");
        }
    }
}

#[test]
fn hostile_requests_get_their_status_and_code_and_change_nothing() {
    let now = ts("2026-06-01");
    let license = terms(1, 30, 0);
    let service = Service::start(&[&license], now);
    let client = service.client();
    let m = installed(&license, 1);
    let request = m.validator.request_activation_at(Some("m"), now).unwrap();
    let body = serde_json::json!({ "request": to_base64(&request.to_bytes()) });
    let first = service.post_json("/v1/activate", &body);
    assert_eq!(first.status, 200, "{}", first.json);
    let before = service.snapshot();

    let json = Some("application/json");
    let cases: Vec<(&str, Answer, u16, &str)> = vec![
        ("oversized", service.call("POST", "/v1/activate", json, &vec![b' '; 17 * 1024], None), 413, "body_too_large"),
        ("malformed JSON", service.call("POST", "/v1/activate", json, b"{\"request\": ", None), 400, "bad_request_body"),
        ("wrong content type", service.call("POST", "/v1/activate", Some("text/plain"), body.to_string().as_bytes(), None), 415, "wrong_content_type"),
        ("no content type", service.call("POST", "/v1/activate", None, body.to_string().as_bytes(), None), 415, "wrong_content_type"),
        ("unknown field", service.post_json("/v1/activate", &serde_json::json!({ "request": "AAAA", "seat": 2 })), 400, "bad_request_body"),
        ("not base64", service.post_json("/v1/activate", &serde_json::json!({ "request": "%%%" })), 400, "bad_request_body"),
        ("not a request", service.post_json("/v1/activate", &serde_json::json!({ "request": to_base64(b"NLAQ garbage") })), 400, "not_nodelock"),
        ("forged receipt", service.post_json("/v1/deactivate", &serde_json::json!({ "receipt": to_base64(&forged_receipt(first.json["activation_id"].as_str().unwrap())) })), 403, "receipt_not_valid"),
        ("unknown path", service.call("GET", "/v1/nothing", None, b"", None), 404, "not_found"),
        ("wrong method", service.call("GET", "/v1/activate", None, b"", None), 405, "method_not_allowed"),
    ];
    for (what, answer, status, code) in cases {
        assert_eq!((answer.status, answer.code()), (status, code), "{what}: {}", answer.json);
        assert!(!answer.json["error"]["message"].as_str().unwrap().is_empty(), "{what}: a sentence");
    }
    assert_eq!(service.snapshot(), before, "nothing changed");

    // The same request again (a retry or a replay): the same certificate, no change.
    service.set(now.plus_days(1));
    let replayed = service.post_json("/v1/activate", &body);
    assert_eq!(replayed.status, 200);
    assert_eq!(replayed.json["kind"], "repeated");
    assert_eq!(replayed.json["certificate"], first.json["certificate"], "the very same signed bytes");
    service.set(now);
    assert_eq!(service.snapshot(), before, "a replayed request changed nothing");

    // A receipt presented twice frees once.
    let certificate = from_base64(first.json["certificate"].as_str().unwrap(), 8192).unwrap();
    m.validator.install(&certificate).unwrap();
    let receipt = m.validator.deactivate().unwrap();
    let body = serde_json::json!({ "receipt": to_base64(&receipt) });
    assert_eq!(service.post_json("/v1/deactivate", &body).json["result"], "deactivated");
    let after = service.snapshot();
    assert_eq!(service.post_json("/v1/deactivate", &body).json["result"], "already_ended");
    assert_eq!(service.snapshot(), after, "a replayed receipt changed nothing");
    drop(client);
}

/// A receipt naming the activation `victim` but signed by a store that never
/// held it (its own key; a certificate for that id made by a test issuer).
fn forged_receipt(victim: &str) -> Vec<u8> {
    let stranger = tempfile::tempdir().unwrap();
    let v = Validator::new(app(), trusted(), stranger.path()).with_collector(collector(workstation(99)));
    v.install_license(&terms(1, 30, 0).sign(&vendor()).unwrap().to_armoured()).unwrap();
    let r = v.request_activation_at(None, ts("2026-06-01")).unwrap();
    let id: ActivationId = victim.parse().unwrap();
    let bytes =
        ActivationCertificate::answering(&r, id, ActivationKind::Permanent, Some(1), ts("2026-06-01"))
            .sign(&vendor())
            .unwrap();
    v.install(&bytes).unwrap();
    v.deactivate().unwrap()
}

#[test]
fn an_unreachable_server_hands_over_the_offline_request() {
    let license = terms(1, 0, 0);
    let m = installed(&license, 1);
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = OnlineClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
    match client.activate_at(&m.validator, None, ts("2026-06-01")) {
        Err(e @ OnlineError::Unreachable { .. }) => {
            let OnlineError::Unreachable { offline_code: Some(code), .. } = &e else { unreachable!() };
            let request = ActivationRequest::from_code(code).unwrap();
            assert_eq!(request.license_id, license.id, "the code is this machine's request");
            assert!(e.to_string().contains("activate offline with this code"), "{e}");
            assert_eq!(e.code(), ErrorCode::Unreachable);
        }
        other => panic!("an unreachable server: {other:?}"),
    }
    assert!(!m.validator.check_at(ts("2026-06-01")).is_licensed(), "nothing was installed");
}

#[test]
fn a_license_key_activates_without_a_file_and_wrong_keys_are_rate_limited() {
    let now = ts("2026-06-01");
    let license = terms(2, 0, 0);
    let service =
        Service::start_with(&[&license], now, |c| Config { key_attempts: 3, key_window_secs: 600, ..c });
    let key = service.authority.license_key(license.id).unwrap();
    let client = service.client();

    // A machine with nothing installed activates with the key alone.
    let dir = tempfile::tempdir().unwrap();
    let fresh = Validator::new(app(), trusted(), dir.path()).with_collector(collector(workstation(7)));
    let got = client.activate_with_key_at(&fresh, &key, Some("typed the key"), now).unwrap();
    assert_eq!(got.kind, GrantKind::Seat);
    match fresh.check_at(now) {
        Verdict::Licensed(l) => {
            assert_eq!(l.license.id, license.id, "the key's license came with the certificate")
        }
        other => panic!("licensed by key: {other:?}"),
    }
    // Over the wire, an activation naming the key carries the license back.
    let other = installed(&license, 9);
    let request = other.validator.request_activation_at(None, now).unwrap();
    let with_key =
        serde_json::json!({ "request": to_base64(&request.to_bytes()), "license_key": key.to_string() });
    let answer = service.post_json("/v1/activate", &with_key);
    assert_eq!(answer.status, 200, "{}", answer.json);
    let text = answer.json["license"].as_str().expect("the signed license comes with the certificate");
    let signed = nodelock::SignedLicense::from_armoured(text, &trusted()).unwrap();
    assert_eq!(signed.license().id, license.id);
    let before = service.snapshot();

    // Well-formed keys that are nobody's, and a mistyped one, count against the address.
    let stranger = nodelock::SecretKey::from_seed(&[0x42; 32]);
    let wrong =
        |n: u8| nodelock::license::LicenseKey::derive(&stranger, nodelock::license::LicenseId([n; 16]));
    for n in 0..2 {
        let a = service.post_json("/v1/license", &serde_json::json!({ "license_key": wrong(n).to_string() }));
        assert_eq!((a.status, a.code()), (404, "unknown_license_key"), "guess {n}");
    }
    let mut typo = key.to_string().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'A' { b'B' } else { b'A' };
    let a = service
        .post_json("/v1/license", &serde_json::json!({ "license_key": String::from_utf8(typo).unwrap() }));
    assert_eq!((a.status, a.code()), (400, "license_key_typo"));

    // Over the allowance: 429 with Retry-After, for the right key too (the
    // limit cannot be used to test keys), on both endpoints that take one.
    let right = serde_json::json!({ "license_key": key.to_string() });
    let limited = service.post_json("/v1/license", &right);
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert_eq!(limited.retry_after.as_deref(), Some("600"));
    service.set(now.plus_secs(590));
    assert_eq!(service.post_json("/v1/license", &right).retry_after.as_deref(), Some("10"));
    let m = installed(&license, 8);
    let request = m.validator.request_activation_at(None, now).unwrap();
    let with_key =
        serde_json::json!({ "request": to_base64(&request.to_bytes()), "license_key": key.to_string() });
    assert_eq!(service.post_json("/v1/activate", &with_key).status, 429);
    service.set(now);
    assert_eq!(service.snapshot(), before, "nothing changed while guessing");

    // The window ends; the right key works again.
    service.set(now.plus_secs(601));
    let answer = service.post_json("/v1/license", &right);
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["license_id"], license.id.to_string());
}

#[test]
fn the_service_culls_a_machine_that_stopped_renewing_and_never_one_that_renews() {
    let start = ts("2026-06-01");
    let license = terms(2, 30, 0);
    let service = Service::start(&[&license], start);
    let client = service.client();
    let gone = installed(&license, 1);
    let alive = installed(&license, 2);
    client.activate_at(&gone.validator, Some("gone"), start).unwrap();
    client.activate_at(&alive.validator, Some("alive"), start).unwrap();
    let cull = || service.call("POST", "/v1/cull", None, b"", Some(TOKEN));

    // Inside lease + grace nothing is due.
    service.set(start.plus_days(25));
    assert!(matches!(
        client.renew_if_due(&alive.validator, start.plus_days(25)).unwrap(),
        Renewal::Renewed(_)
    ));
    service.set(start.plus_days(36));
    assert_eq!(cull().json["culled"], serde_json::json!([]));

    // Past it, the machine that stopped renewing is culled; the other is not.
    service.set(start.plus_days(38));
    let culled = cull();
    assert_eq!(culled.status, 200, "{}", culled.json);
    let list = culled.json["culled"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["seat"], 1);
    let history =
        service.call("GET", &format!("/v1/licenses/{}/history", license.id), None, b"", Some(TOKEN));
    assert!(history.json.as_array().unwrap().iter().any(|e| e["kind"] == "culled"));

    // Its seat went back to the pool; coming back, the old store is refused.
    let newcomer = installed(&license, 3);
    assert_eq!(
        client.activate_at(&newcomer.validator, None, start.plus_days(38)).unwrap().certificate.seat,
        Some(1)
    );
    match client.renew_at(&gone.validator, start.plus_days(38)) {
        Err(OnlineError::Refused { code: Some(ErrorCode::RenewalRefused), .. }) => {}
        other => panic!("a culled machine's store is not renewed: {other:?}"),
    }
    assert!(alive.validator.check_at(start.plus_days(38)).is_licensed());
}

#[cfg(feature = "cli")]
#[test]
fn nodelock_serve_says_when_it_is_ready_logs_each_request_and_stops_on_sigterm() {
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_nodelock");
    cli_vendor(dir.path(), "ledger.db");
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
    let (child, url) =
        nodelock_serve(dir.path(), "ledger.db", &["--admin-token-file", "token"], Stdio::piped());

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    assert_eq!(agent.get(format!("{url}/v1/health")).call().unwrap().status().as_u16(), 200);
    let listed =
        agent.get(format!("{url}/v1/licenses")).header("Authorization", format!("Bearer {TOKEN}")).call();
    assert_eq!(listed.unwrap().status().as_u16(), 200);

    // The end user's commands against it, on fixture machines.
    let fixture = |m: &str| format!("{}/tests/fixtures/{m}", env!("CARGO_MANIFEST_DIR"));
    let json = |args: &[&str], status: i32| -> Value {
        let out = Command::new(bin).args(args).current_dir(dir.path()).output().unwrap();
        let said =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(status), "{args:?}: {said}");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{args:?}: {:?}", out.stdout))
    };
    let ws = fixture("workstation");
    let online =
        ["activate", "online", "--license", "acme.lic", "--server", &url, "--store", "st", "--root", &ws];
    assert_eq!(json(&[&online[..], &["--json"]].concat(), 0)["kind"], "seat");
    let renew = ["activate", "renew", "--server", &url, "--store", "st", "--root", &ws, "--json"];
    assert_eq!(json(&renew, 0)["kind"], "renewal");
    let off = json(&["deactivate", "--online", &url, "--store", "st", "--json"], 0);
    assert_eq!(off["result"], "deactivated");
    // With the license key instead of the file, on another machine.
    let text = std::fs::read_to_string(dir.path().join("acme.lic")).unwrap();
    let id = nodelock::SignedLicense::inspect_unverified(&text).unwrap().0.id.to_string();
    let key = json(&["authority", "license-key", "--db", "ledger.db", "--license", &id, "--json"], 0);
    let key = key["license_key"].as_str().unwrap().to_owned();
    let laptop = fixture("laptop");
    let by_key =
        ["activate", "online", "--license-key", &key, "--server", &url, "--store", "k", "--root", &laptop];
    assert_eq!(json(&[&by_key[..], &["--json"]].concat(), 0)["kind"], "seat");
    let mut typo = key.clone();
    typo.replace_range(3..4, if &key[3..4] == "A" { "B" } else { "A" });
    let typed = ["activate", "online", "--license-key", &typo, "--server", &url, "--store", "t", "--json"];
    assert_eq!(json(&typed, 2)["error"]["code"], "license_key_typo");
    // Nothing listening: exit 1, `unreachable`, and the offline code to use instead.
    let nowhere = [
        "activate",
        "online",
        "--license",
        "acme.lic",
        "--server",
        "http://127.0.0.1:9",
        "--store",
        "u",
        "--root",
        &ws,
        "--json",
    ];
    let failed = json(&nowhere, 1);
    assert_eq!(failed["error"]["code"], "unreachable");
    assert!(failed["error"]["message"].as_str().unwrap().contains("NLR-"), "{failed}");

    // SIGTERM asks the service to stop.
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit after SIGTERM: {:?}", out.status);
    let log = String::from_utf8(out.stderr).unwrap();
    assert!(log.contains("GET /v1/health 200 "), "{log}");
    assert!(log.contains("GET /v1/licenses 200 "), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert!(!log.contains(TOKEN), "the log never shows the token");
}

/// `docs/openapi.yaml` names every stable code, every route of the service
/// and every field of the bodies the two ends exchange.
#[test]
fn the_openapi_document_lists_every_code_route_and_field() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.yaml")).unwrap();
    let codes = spec.split("ErrorCode:").last().unwrap();
    let listed: Vec<&str> = codes[codes.find("enum: [").unwrap() + 7..codes.find(']').unwrap()]
        .split(',')
        .map(str::trim)
        .collect();
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, all, "the ErrorCode enum of docs/openapi.yaml is the README's table, in order");
    for path in [
        "/v1/health:",
        "/v1/license:",
        "/v1/activate:",
        "/v1/renew:",
        "/v1/deactivate:",
        "/v1/licenses:",
        "/v1/licenses/{id}/seats:",
        "/v1/licenses/{id}/seats/{seat}/release:",
        "/v1/licenses/{id}/history:",
        "/v1/cull:",
    ] {
        assert!(spec.contains(&format!("\n  {path}\n")), "{path} is documented");
    }
    for field in [
        "license_key",
        "request",
        "receipt",
        "certificate",
        "temporary_until",
        "lease_ends",
        "still_held",
        "next_after",
    ] {
        assert!(spec.contains(field), "{field} is documented");
    }
}

/// `examples/activation_server.rs` serves a real ledger: a machine activates
/// against it with the online client, then SIGTERM stops it cleanly.
#[cfg(feature = "cli")]
#[test]
fn the_activation_server_example_serves_a_ledger() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.key");
    vendor().write_new_file(&secret).unwrap();
    let db = dir.path().join("ledger.db");
    let license = terms(1, 30, 0);
    {
        let ledger = SqliteLedger::open(&db).unwrap();
        Authority::new(vendor(), ledger).issue(&license, "vendor", ts("2026-06-01")).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().unwrap().parent().unwrap().join("examples/activation_server");
    let mut child = Command::new(&example)
        .args([db.to_str().unwrap(), secret.to_str().unwrap(), "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    let m = installed(&license, 1);
    let got = OnlineClient::new(&url).unwrap().activate(&m.validator, Some("example")).unwrap();
    assert_eq!(got.kind, GrantKind::Seat);
    assert!(m.validator.check().is_licensed());
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("POST /v1/activate 200"));
}

/// A fresh schema of the PostgreSQL test database, as the `--db` URL that
/// names it (its `search_path`) and the schema; `None` (SKIPPED on stderr)
/// without `NODELOCK_POSTGRES_URL`.
#[cfg(all(feature = "postgres", feature = "cli"))]
fn postgres_db(name: &str) -> Option<(String, String)> {
    let url = postgres_env::postgres_url(name)?;
    let schema = postgres_env::fresh_schema();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    Some((format!("{url}{sep}options=-csearch_path%3D{schema}"), schema))
}

/// The vendor's set-up with the command line, in `dir`: a key pair in
/// `keys/`, a one-seat license `acme.lic`, the ledger `db` initialised with
/// the key and holding the license.
#[cfg(feature = "cli")]
fn cli_vendor(dir: &std::path::Path, db: &str) {
    let run = |args: &[&str]| {
        let out =
            std::process::Command::new(env!("CARGO_BIN_EXE_nodelock")).args(args).current_dir(dir).output();
        let out = out.unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["keys", "generate", "--out", "keys"]);
    let issue = ["license", "issue", "--key", "keys/secret.key", "--product", PRODUCT, "--licensee", "ACME"];
    run(&[&issue[..], &["--seats", "1", "--out", "acme.lic"]].concat());
    run(&["authority", "init", "--db", db, "--key", "keys/secret.key"]);
    run(&["authority", "add-license", "--db", db, "acme.lic"]);
}

/// `nodelock serve --db DB --listen 127.0.0.1:0 [extra]` run in `dir`, once it
/// said it is listening: the process and its URL.
#[cfg(feature = "cli")]
fn nodelock_serve(
    dir: &std::path::Path,
    db: &str,
    extra: &[&str],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_nodelock"))
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let at = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("readiness: {line:?}"));
    (child, at.to_owned())
}

/// Two `nodelock serve` on one PostgreSQL database (`--db postgres://…`)
/// share its seats: a one-seat license granted through the first is refused
/// through the second; the first killed with SIGKILL, the second keeps
/// serving and still counts the seat granted. SKIPPED without
/// `NODELOCK_POSTGRES_URL`.
#[cfg(all(feature = "postgres", feature = "cli"))]
#[test]
fn two_services_on_one_postgres_database_share_its_seats() {
    use std::process::{Command, Stdio};
    let Some((db, _)) = postgres_db("two_services_on_one_postgres_database_share_its_seats") else { return };

    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_nodelock");
    cli_vendor(dir.path(), &db);
    let (mut first, first_url) = nodelock_serve(dir.path(), &db, &[], Stdio::null());
    let (second, second_url) = nodelock_serve(dir.path(), &db, &[], Stdio::piped());
    let fixture = |m: &str| format!("{}/tests/fixtures/{m}", env!("CARGO_MANIFEST_DIR"));
    let activate = |server: &str, store: &str, machine: &str| {
        let out = Command::new(bin)
            .args(["activate", "online", "--license", "acme.lic", "--server", server, "--store", store])
            .args(["--root", &fixture(machine), "--json"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), v)
    };
    let (status, v) = activate(&first_url, "ws", "workstation");
    assert_eq!((status, v["kind"].as_str()), (Some(0), Some("seat")), "{v}");
    let (status, v) = activate(&second_url, "lt", "laptop");
    assert_eq!(status, Some(1), "the one seat is taken, whichever service is asked: {v}");

    first.kill().unwrap();
    first.wait().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    assert_eq!(agent.get(format!("{second_url}/v1/health")).call().unwrap().status().as_u16(), 200);
    let out = Command::new(bin)
        .args([
            "activate",
            "renew",
            "--server",
            &second_url,
            "--store",
            "ws",
            "--root",
            &fixture("workstation"),
        ])
        .args(["--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(v["kind"].as_str(), Some("renewal"), "the seat granted through the killed one survived: {v}");
    // SIGTERM: a clean stop, its connections to the database closed.
    assert!(Command::new("kill").args(["-TERM", &second.id().to_string()]).status().unwrap().success());
    let stopped = second.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&stopped.stderr);
    assert!(stopped.status.success() && !said.contains("panicked"), "a clean stop on SIGTERM: {said}");
    assert!(said.contains("nodelock serve: stopped"), "{said}");
}

/// Issue 11's several servers: 64 machines spread over two `nodelock serve`
/// on one PostgreSQL database race for k seats, and the first service is
/// killed with SIGKILL while they are being answered. A machine whose service
/// died sends the same request bytes to the other (a request is idempotent:
/// what the dead one granted comes back as `repeated`, the same certificate).
/// Exactly k are granted; every certificate a machine holds is an activation
/// the ledger keeps, and every active one is held by a machine that runs;
/// every seat row is whole (held by an active activation, which holds one);
/// the survivor still serves. SKIPPED without `NODELOCK_POSTGRES_URL`.
#[cfg(all(feature = "postgres", feature = "cli"))]
#[test]
fn sixty_four_clients_over_two_services_lose_nothing_when_one_is_killed_mid_run() {
    use std::collections::BTreeSet;
    use std::process::Stdio;
    use std::sync::atomic::AtomicUsize;

    use nodelock::authority::PostgresLedger;
    use nodelock::online::Granted;

    let name = "sixty_four_clients_over_two_services_lose_nothing_when_one_is_killed_mid_run";
    let Some((db, schema)) = postgres_db(name) else { return };
    let url = postgres_env::postgres_url(name).unwrap();
    let k = 6;
    let now = Timestamp::now();
    let license = terms(k, 0, 0);
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.key");
    vendor().write_new_file(&secret).unwrap();
    {
        let ledger = PostgresLedger::open_in_schema(&url, &schema).unwrap();
        ledger.bind_key(vendor().public_key(), secret.to_str().unwrap()).unwrap();
        Authority::new(vendor(), ledger).issue(&license, "vendor", now).unwrap();
    }
    let (mut first, first_url) = nodelock_serve(dir.path(), &db, &[], Stdio::null());
    let (mut second, second_url) = nodelock_serve(dir.path(), &db, &[], Stdio::null());
    let machines: Vec<Installed> = (0..64).map(|n| installed(&license, n)).collect();

    // Each machine makes its request once; even machines ask the first
    // service, odd ones the second; the one whose service is gone sends the
    // same bytes to the other.
    let answered = AtomicUsize::new(0);
    let failed_over = AtomicUsize::new(0);
    let start = std::sync::Barrier::new(machines.len() + 1);
    let outcomes: Vec<Result<Granted, OnlineError>> = thread::scope(|scope| {
        let handles: Vec<_> = machines
            .iter()
            .enumerate()
            .map(|(n, m)| {
                let (home, other) =
                    if n % 2 == 0 { (&first_url, &second_url) } else { (&second_url, &first_url) };
                let (answered, failed_over, start) = (&answered, &failed_over, &start);
                scope.spawn(move || {
                    let request = m.validator.request_activation_at(None, now).unwrap();
                    start.wait();
                    let got = match OnlineClient::new(home).unwrap().exchange("/v1/activate", &request, None)
                    {
                        Err(OnlineError::Unreachable { .. }) => {
                            failed_over.fetch_add(1, Ordering::SeqCst);
                            OnlineClient::new(other).unwrap().exchange("/v1/activate", &request, None)
                        }
                        got => got,
                    };
                    answered.fetch_add(1, Ordering::SeqCst);
                    if let Ok(granted) = &got {
                        m.validator.install(&granted.certificate).unwrap();
                    }
                    got
                })
            })
            .collect();
        // Mid-run: once 1 to 24 machines (from the seed) have their answer,
        // the first service dies without a word while the others' requests
        // are in flight.
        let kill_after = 1 + (seed::Rng::new(seed::test_seed(name)).next() % 24) as usize;
        start.wait();
        while answered.load(Ordering::SeqCst) < kill_after {
            thread::yield_now();
        }
        first.kill().unwrap();
        first.wait().unwrap();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let killed_at = answered.load(Ordering::SeqCst);
    let repeated =
        outcomes.iter().filter(|o| matches!(o, Ok(g) if g.answer.kind == GrantKind::Repeated)).count();
    eprintln!(
        "{} machines failed over to the second service, {repeated} of them to a grant the first had made",
        failed_over.load(Ordering::SeqCst)
    );
    assert!(failed_over.load(Ordering::SeqCst) >= 1, "the kill landed after every request was answered");

    let mut granted = BTreeSet::new();
    for (n, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Ok(g) if matches!(g.answer.kind, GrantKind::Seat | GrantKind::Repeated) => {
                assert!(
                    granted.insert(g.answer.activation_id.clone()),
                    "machine {n}: one activation, one machine"
                );
            }
            Err(OnlineError::Refused { status: 409, code: Some(ErrorCode::NoFreeSeat), .. }) => {}
            other => panic!("machine {n}: neither a seat nor a refusal: {other:?}"),
        }
    }
    assert_eq!(granted.len(), k as usize, "exactly k seats are granted ({killed_at} answered at the kill)");
    let licensed = machines.iter().filter(|m| m.validator.check_at(now).is_licensed()).count();
    assert_eq!(licensed, k as usize, "the machines that validate are the k granted ones");

    // The ledger: the same k, nothing half-written.
    let ledger = PostgresLedger::open_in_schema(&url, &schema).unwrap();
    let status = Authority::new(vendor(), ledger).status(None, now).unwrap();
    let held: BTreeSet<String> =
        status.licenses[0].activations.iter().map(|h| h.activation_id.to_string()).collect();
    assert_eq!(
        (status.licenses[0].in_use, &held),
        (k, &granted),
        "what the machines hold is what the ledger keeps"
    );
    let mut sql = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let count = |sql: &mut postgres::Client, q: &str| -> i64 { sql.query_one(q, &[]).unwrap().get(0) };
    assert_eq!(count(&mut sql, "SELECT count(*) FROM seats"), i64::from(k));
    assert_eq!(count(&mut sql, "SELECT count(*) FROM seats WHERE activation_id IS NOT NULL"), i64::from(k));
    let seated = "SELECT count(*) FROM activations a JOIN seats s ON s.activation_id = a.activation_id \
                  WHERE a.state = 'active'";
    assert_eq!(count(&mut sql, seated), i64::from(k), "every held seat's activation is active");
    assert_eq!(
        count(&mut sql, "SELECT count(*) FROM activations"),
        i64::from(k),
        "no activation without a seat"
    );
    assert_eq!(count(&mut sql, "SELECT count(*) FROM history WHERE kind = 'activation'"), i64::from(k));
    assert_eq!(
        count(&mut sql, "SELECT count(DISTINCT activation_id) FROM stores"),
        i64::from(k),
        "every activation has its store"
    );

    // The survivor serves: the next machine is refused, the seats being taken.
    let late = installed(&license, 64);
    let refused = OnlineClient::new(&second_url).unwrap().activate_at(&late.validator, None, now);
    assert!(
        matches!(refused, Err(OnlineError::Refused { code: Some(ErrorCode::NoFreeSeat), .. })),
        "{refused:?}"
    );
    second.kill().unwrap();
    second.wait().unwrap();
}
