//! A bounded load run of the HTTP activation service on loopback (features
//! `server` and `online`): the service in this process on an ephemeral port
//! over a SQLite ledger on the build's disk (`synchronous=FULL`: every answer
//! is durable before it is sent), clients on blocking threads sending real
//! requests with `OnlineClient::exchange` — an activation of a new machine
//! each, then a renewal of each (a new request of the same store).
//!
//! Reported per phase: operations per second and p50/p99 latency, for 1 and
//! for 64 concurrent clients. Bounded: `NODELOCK_LOAD_OPS` operations a
//! phase (default 640). Not a criterion bench: it measures a service under
//! concurrency, which criterion's one-routine-at-a-time loop does not.
//!
//! Run with `cargo bench --bench service --features server,online`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nodelock::activation::ActivationRequest;
use nodelock::authority::{Authority, SqliteLedger};
use nodelock::online::OnlineClient;
use nodelock::server::{self, Config};

#[path = "../tests/authority_support/mod.rs"]
mod support;

use support::{Machine, license, t0, vendor};

fn main() {
    let ops: usize = std::env::var("NODELOCK_LOAD_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(640);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("service load run: {ops} operations a phase; load average before: {}", load.trim());
    for clients in [1, 64] {
        run(clients, ops);
    }
}

fn run(clients: usize, ops: usize) {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::tempdir_in(base).unwrap();
    let terms = license(1, u32::try_from(ops).unwrap());
    let authority =
        Arc::new(Authority::new(vendor(), SqliteLedger::open(dir.path().join("ledger.db")).unwrap()));
    authority.issue(&terms, "bench", t0()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, address) = std::sync::mpsc::channel::<SocketAddr>();
    let shared = Arc::clone(&authority);
    let service = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().enable_time().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            bound.send(listener.local_addr().unwrap()).unwrap();
            let config = Config { cull_every: None, ..Config::default() };
            server::serve(listener, shared, config, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    let url = format!("http://{}", address.recv().unwrap());
    let mut machines: Vec<Machine> = (0..ops).map(|n| Machine::new(u32::try_from(n).unwrap())).collect();
    let activations: Vec<ActivationRequest> = machines.iter_mut().map(|m| m.request(terms.id)).collect();
    let activate = phase(&url, clients, "/v1/activate", activations);
    let renewals: Vec<ActivationRequest> = machines.iter_mut().map(|m| m.request(terms.id)).collect();
    let renew = phase(&url, clients, "/v1/renew", renewals);
    for (name, (rate, p50, p99)) in [("activate", activate), ("renew", renew)] {
        println!(
            "{clients:>2} client(s)  {name:<8}  {rate:>7.0} /s  p50 {:>6.2} ms  p99 {:>6.2} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    let _ = stop.send(());
    service.join().unwrap();
}

/// Sends `requests` to `path` from `clients` threads; (ops/s, p50, p99).
fn phase(
    url: &str,
    clients: usize,
    path: &str,
    requests: Vec<ActivationRequest>,
) -> (f64, Duration, Duration) {
    let total = requests.len();
    let mut shares: Vec<Vec<ActivationRequest>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, r) in requests.into_iter().enumerate() {
        shares[i % clients].push(r);
    }
    let start = Instant::now();
    let mut latencies: Vec<Duration> = thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                scope.spawn(move || {
                    let client = OnlineClient::new(url).unwrap();
                    share
                        .iter()
                        .map(|r| {
                            let t = Instant::now();
                            client.exchange(path, r, None).unwrap();
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    (total as f64 / elapsed.as_secs_f64(), at(0.50), at(0.99))
}
