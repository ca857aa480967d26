//! The HTTP activation service (feature `server`): the authority's
//! operations under `/v1/`, with JSON bodies (`crate::wire`), for the online
//! client (`crate::online`) and for administrators. `nodelock serve` runs it;
//! `examples/activation_server.rs` shows it in a vendor's own program.
//!
//! # Why axum on tokio
//! axum is the most used HTTP framework of the tokio project, built on
//! hyper (the HTTP implementation under most Rust HTTP stacks) and tower
//! (its middleware), with no macros and no unsafe of its own; tokio gives the
//! graceful shutdown and signal handling the service needs. Only the `http1`
//! and `tokio` features are on. The authority's operations are blocking
//! (SQLite), so each request runs its operation on tokio's blocking pool.
//!
//! # Endpoints
//! End users (no token): `POST /v1/license` (the license of a license key),
//! `POST /v1/activate`, `POST /v1/renew`, `POST /v1/deactivate`.
//! Administrators (`Authorization: Bearer TOKEN`): `GET /v1/licenses`,
//! `GET /v1/licenses/{id}/seats` (a page at a time: `?limit=N&after=SEAT`),
//! `POST /v1/licenses/{id}/seats/{seat}/release`,
//! `GET /v1/licenses/{id}/history`, `POST /v1/cull` (cull now, as the
//! schedule does). Readiness: `GET /v1/health`.
//! `docs/openapi.yaml` describes each body and answer.
//!
//! # What the service promises
//! - A body is capped at [`MAX_BODY`] before it is
//!   read (a larger `Content-Length` is refused unread), must be
//!   `application/json`, and refuses unknown fields.
//! - Every error is `{"error": {"code", "message"}}` with a stable code
//!   (`crate::codes`); the operation's work runs apart from the connection,
//!   so a failure there is a 500 answer, never a dropped connection.
//! - A malformed, oversized, forged or replayed message changes nothing: the
//!   authority decides inside one ledger transaction, and the request its
//!   store's last certificate answered is answered again with that
//!   certificate without a write (`GrantKind::Repeated`).
//! - Wrong license keys are rate-limited per client address (`limit.rs`).
//! - One log line per request on stderr: method, path, status, latency —
//!   never a body, a key or a token.

mod admin;
mod endpoints;
mod error;
mod limit;
mod seat_page;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use zeroize::Zeroizing;

pub use error::ApiError;
pub use limit::KeyLimiter;

use crate::authority::{Authority, Ledger};
use crate::codes::ErrorCode;
use crate::timestamp::Timestamp;
use crate::wire::MAX_BODY;

/// The service's clock: [`Timestamp::now`] in production, a test's own
/// clock in tests (time is injected, never waited for).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// How the service runs.
#[derive(Clone)]
pub struct Config {
    /// The administrators' bearer token; `None` turns the administrator
    /// endpoints off (they answer `admin_disabled`).
    pub admin_token: Option<Zeroizing<String>>,
    /// Wrong license keys allowed per client address and window.
    pub key_attempts: u32,
    /// The window of `key_attempts`, in seconds.
    pub key_window_secs: u64,
    /// How often dead machines are culled; `None`: never by the service.
    pub cull_every: Option<Duration>,
    /// The clock.
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            admin_token: None,
            key_attempts: 10,
            key_window_secs: 600,
            cull_every: Some(Duration::from_secs(3600)),
            clock: Arc::new(Timestamp::now),
        }
    }
}

/// What every request shares: the authority, the limiter, the settings.
pub(crate) struct Shared<L: Ledger> {
    authority: Arc<Authority<L>>,
    limiter: Mutex<KeyLimiter>,
    config: Config,
}

impl<L: Ledger + 'static> Shared<L> {
    fn now(&self) -> Timestamp {
        (self.config.clock)()
    }

    /// Runs an authority operation on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Authority<L>) -> Result<T, crate::authority::AuthorityError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let authority = Arc::clone(&self.authority);
        tokio::task::spawn_blocking(move || f(&authority))
            .await
            .map_err(|_| {
                ApiError::internal("the service failed while answering; its log says more, try again")
            })?
            .map_err(ApiError::from)
    }
}

/// The service's routes over `authority`, with its middleware (body cap,
/// request log, JSON fallbacks for unknown paths and methods).
pub fn router<L: Ledger + 'static>(authority: Arc<Authority<L>>, config: Config) -> Router {
    routes(shared(authority, config))
}

fn shared<L: Ledger + 'static>(authority: Arc<Authority<L>>, config: Config) -> Arc<Shared<L>> {
    let limiter = Mutex::new(KeyLimiter::new(config.key_attempts, config.key_window_secs));
    Arc::new(Shared { authority, limiter, config })
}

fn routes<L: Ledger + 'static>(shared: Arc<Shared<L>>) -> Router {
    Router::new()
        .route("/v1/health", get(endpoints::health))
        .route("/v1/license", post(endpoints::license::<L>))
        .route("/v1/activate", post(endpoints::activate::<L>))
        .route("/v1/renew", post(endpoints::renew::<L>))
        .route("/v1/deactivate", post(endpoints::deactivate::<L>))
        .route("/v1/licenses", get(admin::licenses::<L>))
        .route("/v1/licenses/{id}/seats", get(admin::seats::<L>))
        .route("/v1/licenses/{id}/seats/{seat}/release", post(admin::release::<L>))
        .route("/v1/licenses/{id}/history", get(admin::history::<L>))
        .route("/v1/cull", post(admin::cull::<L>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(log_request))
        .with_state(shared)
}

/// Serves the service over `authority` on `listener` until `shutdown`
/// completes, then finishes the requests in flight and returns. Culls dead
/// machines every `config.cull_every` meanwhile (first one period after the
/// start).
pub async fn serve<L: Ledger + 'static>(
    listener: tokio::net::TcpListener,
    authority: Arc<Authority<L>>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let shared = shared(authority, config);
    let culling =
        shared.config.cull_every.map(|every| tokio::spawn(cull_schedule(Arc::clone(&shared), every)));
    let kept = Arc::clone(&shared);
    let app = routes(shared);
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = culling {
        task.abort();
        let _ = task.await;
    }
    // The last reference to the authority goes on the blocking pool: a
    // ledger may block when it closes (the PostgreSQL driver runs its own
    // runtime to close its connections, which panics on a worker thread).
    let _ = tokio::task::spawn_blocking(move || drop(kept)).await;
    served
}

/// Culls every `every`, logging what it reclaimed.
async fn cull_schedule<L: Ledger + 'static>(shared: Arc<Shared<L>>, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match admin::cull_now(&shared).await {
            Ok(culled) if !culled.is_empty() => {
                eprintln!("culled {} seat(s) of machines whose leases all ran out", culled.len());
            }
            Ok(_) => {}
            Err(e) => eprintln!("culling failed ({}): {}", e.code.as_str(), e.message),
        }
    }
}

/// Completes on SIGINT or SIGTERM (Ctrl-C elsewhere).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A JSON answer.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let (status, bytes) = match serde_json::to_vec(body) {
        Ok(bytes) => (status, bytes),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error":{"code":"internal","message":"the answer could not be written"}}"#.to_vec(),
        ),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint: the service's endpoints are under /v1/ (see docs/openapi.yaml)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take that HTTP method (see docs/openapi.yaml)",
    )
}

/// One line per request: method, path, status, latency.
async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    eprintln!("{method} {path} {} {ms:.1}ms", response.status().as_u16());
    response
}
