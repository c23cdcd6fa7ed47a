//! The HTTP server: shared state, the per-request log line, and graceful shutdown.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument;

use crate::config::Settings;
use crate::router;
use crate::storage::Storage;
use crate::webhooks::delivery;

/// What every handler can reach. Built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub settings: Arc<Settings>,
}

/// Serves until SIGINT or SIGTERM, then lets requests in flight finish. The webhook worker
/// runs beside the server and stops after it, once its attempts in flight are done.
pub async fn serve(
    listener: TcpListener,
    storage: Storage,
    settings: Settings,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    let (stop_worker, worker_stops) = watch::channel(false);
    let worker = delivery::spawn(storage.clone(), settings.webhooks.clone(), worker_stops);
    let state = AppState {
        storage,
        settings: Arc::new(settings),
    };
    let app = router::build(state.clone());

    tracing::info!(%address, issuer = %state.settings.issuer, "gatehouse is listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    let _ = stop_worker.send(true);
    if let Err(error) = worker.await {
        tracing::error!(%error, "the webhook worker failed");
    }
    tracing::info!("gatehouse stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        // If the handler cannot be installed, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// One structured line per request: method, matched route (never the raw path or query,
/// which can carry codes and tokens), status and duration.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let request_id = crate::domain::secret::random_hex(8);
    // Handlers fill in what they learn (`client.id`, `grant.type`, …) with
    // `Span::current().record`; the one line below carries it all.
    let span = tracing::info_span!(
        "request",
        request.id = %request_id,
        client.id = tracing::field::Empty,
        grant.r#type = tracing::field::Empty,
        user.id = tracing::field::Empty,
        oauth.error = tracing::field::Empty,
    );

    let response = next.run(request).instrument(span.clone()).await;

    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            http.method = %method,
            http.route = %route,
            http.status = status,
            duration_ms = format_args!("{duration_ms:.2}"),
            "request"
        );
    });
    response
}
