//! `nodelock serve`: the HTTP activation service (`crate::server`) over a
//! ledger file, until SIGINT or SIGTERM. Readiness: once it listens it prints
//! `listening on http://ADDR` on stdout (the address actually bound, so
//! `--listen 127.0.0.1:0` works), and `GET /v1/health` answers 200.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use zeroize::Zeroizing;

use super::authority::signing;
use super::{Failure, Outcome, read_text};
use crate::server::{self, Config};

/// `nodelock serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The ledger (`nodelock authority init`): a file, or a postgres:// URL.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The authority's secret key file (default: the one recorded at init).
    #[arg(long, value_name = "SECRET")]
    key: Option<PathBuf>,
    /// The address to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: String,
    /// A file holding the administrators' bearer token (without it the
    /// administrator endpoints are off).
    #[arg(long, value_name = "F")]
    admin_token_file: Option<PathBuf>,
    /// Reclaim seats of machines whose leases all ran out, every SECONDS (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    cull_every: u64,
}

pub(super) fn run(args: ServeArgs) -> Outcome {
    let authority = Arc::new(signing(&args.db, args.key.as_deref())?);
    let admin_token = match &args.admin_token_file {
        Some(path) => {
            let token = Zeroizing::new(read_text(path, 4096)?.trim().to_owned());
            if token.len() < 16 {
                return Err(Failure::input(format!(
                    "the token in {} is shorter than 16 characters: use a long random one \
                     (e.g. `head -c 32 /dev/urandom | base64`)",
                    path.display()
                )));
            }
            Some(token)
        }
        None => None,
    };
    let config = Config {
        admin_token,
        cull_every: (args.cull_every > 0).then(|| Duration::from_secs(args.cull_every)),
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the service's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::input(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().map_err(|e| Failure::input(format!("cannot listen: {e}")))?;
        println!("listening on http://{addr}");
        eprintln!(
            "nodelock serve: ledger {}, administrator endpoints {}; stop with Ctrl-C or SIGTERM",
            authority.ledger().describe(),
            if config.admin_token.is_some() { "on" } else { "off" }
        );
        server::serve(listener, authority, config, server::shutdown_signal())
            .await
            .map_err(|e| Failure::input(format!("the service stopped: {e}")))?;
        eprintln!("nodelock serve: stopped; every request in flight was answered");
        Ok(())
    })
}
