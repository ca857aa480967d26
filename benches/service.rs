//! A bounded load run of the HTTP activation service on loopback (features
//! `server` and `online`): the service in this process on ephemeral ports
//! over a durable ledger — SQLite on the build's disk (`synchronous=FULL`:
//! every answer is durable before it is sent) and, with feature `postgres`
//! and `NODELOCK_POSTGRES_URL` set, PostgreSQL (a fresh schema) — clients on
//! blocking threads sending real requests with `OnlineClient::exchange`: an
//! activation of a new machine each, then a renewal of each (a new request
//! of the same store).
//!
//! Reported per ledger, service instances (1, or 2 sharing the ledger as two
//! `nodelock serve` would: each its own connection to the file or pool to
//! the database, the clients spread over both) and concurrent clients (1,
//! 64): operations per second and p50/p99 latency. Bounded:
//! `NODELOCK_LOAD_OPS` operations a phase (default 640). Not a criterion
//! bench: it measures a service under concurrency, which criterion's
//! one-routine-at-a-time loop does not.
//!
//! Run with `cargo bench --bench service --features server,online[,postgres]`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nodelock::activation::ActivationRequest;
use nodelock::authority::{Authority, Ledger, SqliteLedger};
use nodelock::online::OnlineClient;
use nodelock::server::{self, Config};

#[path = "../tests/authority_support/mod.rs"]
mod support;

use support::{Machine, license, t0, vendor};

fn main() {
    let ops: usize = std::env::var("NODELOCK_LOAD_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(640);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("service load run: {ops} operations a phase; load average before: {}", load.trim());
    println!("ledger      instances clients  phase     operations/s   p50        p99         failed");
    for instances in [1, 2] {
        for clients in [1, 64] {
            let dir = tempfile::tempdir_in(target_tmp()).unwrap();
            let path = dir.path().join("ledger.db");
            SqliteLedger::open(&path).unwrap();
            let open = || SqliteLedger::open_existing(&path).unwrap();
            run("sqlite", instances, clients, ops, open);
        }
    }
    #[cfg(feature = "postgres")]
    match std::env::var("NODELOCK_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            for instances in [1, 2] {
                for clients in [1, 64] {
                    let schema = support::fresh_schema();
                    let open = || nodelock::authority::PostgresLedger::open_in_schema(&url, &schema).unwrap();
                    run("postgresql", instances, clients, ops, open);
                }
            }
        }
        _ => println!("postgresql: skipped (set NODELOCK_POSTGRES_URL=postgres://… to measure it)"),
    }
}

fn target_tmp() -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    base
}

/// One service instance over `ledger` on an ephemeral port: its URL, and
/// what stops it.
struct Instance {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: thread::JoinHandle<()>,
}

fn start<L: Ledger + 'static>(ledger: L) -> Instance {
    let authority = Arc::new(Authority::new(vendor(), ledger));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, address) = std::sync::mpsc::channel::<SocketAddr>();
    let thread = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().enable_time().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            bound.send(listener.local_addr().unwrap()).unwrap();
            let config = Config { cull_every: None, ..Config::default() };
            server::serve(listener, authority, config, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    Instance { url: format!("http://{}", address.recv().unwrap()), stop, thread }
}

fn run<L: Ledger + 'static>(name: &str, instances: usize, clients: usize, ops: usize, open: impl Fn() -> L) {
    let terms = license(1, u32::try_from(ops).unwrap());
    Authority::new(vendor(), open()).issue(&terms, "bench", t0()).unwrap();
    let services: Vec<Instance> = (0..instances).map(|_| start(open())).collect();
    let urls: Vec<&str> = services.iter().map(|s| s.url.as_str()).collect();
    let mut machines: Vec<Machine> = (0..ops).map(|n| Machine::new(u32::try_from(n).unwrap())).collect();
    let activations: Vec<ActivationRequest> = machines.iter_mut().map(|m| m.request(terms.id)).collect();
    let activate = phase(&urls, clients, "/v1/activate", activations);
    let renewals: Vec<ActivationRequest> = machines.iter_mut().map(|m| m.request(terms.id)).collect();
    let renew = phase(&urls, clients, "/v1/renew", renewals);
    for (phase, (rate, p50, p99, failed)) in [("activate", activate), ("renew", renew)] {
        println!(
            "{name:<11} {instances:>9} {clients:>7}  {phase:<8}  {rate:>10.0} /s  {:>7.2} ms  {:>7.2} ms  {failed:>6}",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    for s in services {
        let _ = s.stop.send(());
        s.thread.join().unwrap();
    }
}

/// Sends `requests` to `path` from `clients` threads, each going round the
/// service instances at `urls` (request `j` of client `i` to instance
/// `(i + j) % urls.len()`); (answered ops/s, p50, p99, operations the
/// service refused or failed — counted, not hidden).
fn phase(
    urls: &[&str],
    clients: usize,
    path: &str,
    requests: Vec<ActivationRequest>,
) -> (f64, Duration, Duration, usize) {
    let total = requests.len();
    let mut shares: Vec<Vec<ActivationRequest>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, r) in requests.into_iter().enumerate() {
        shares[i % clients].push(r);
    }
    let start = Instant::now();
    let outcomes: Vec<Option<Duration>> = thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(i, share)| {
                scope.spawn(move || {
                    let services: Vec<OnlineClient> =
                        urls.iter().map(|u| OnlineClient::new(u).unwrap()).collect();
                    share
                        .iter()
                        .enumerate()
                        .map(|(j, r)| {
                            let t = Instant::now();
                            match services[(i + j) % services.len()].exchange(path, r, None) {
                                Ok(_) => Some(t.elapsed()),
                                Err(e) => {
                                    eprintln!("{path}: {e}");
                                    None
                                }
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed();
    let mut latencies: Vec<Duration> = outcomes.iter().flatten().copied().collect();
    let failed = total - latencies.len();
    latencies.sort();
    let at = |q: f64| {
        if latencies.is_empty() {
            Duration::ZERO
        } else {
            latencies[((latencies.len() as f64 - 1.0) * q).round() as usize]
        }
    };
    (latencies.len() as f64 / elapsed.as_secs_f64(), at(0.50), at(0.99), failed)
}
