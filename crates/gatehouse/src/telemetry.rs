//! Logging set-up. What may never be logged is listed in LOGGING.md at the repository root.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Logs to stderr. The server logs at `info` by default; admin commands stay silent unless
/// `verbose` is set or `RUST_LOG` asks for more. `GATEHOUSE_LOG_FORMAT=json` switches to
/// one JSON object per line.
pub fn init(default_on: bool) {
    let from_env = std::env::var("RUST_LOG").ok();
    let filter = match (from_env, default_on) {
        (Some(directives), _) => EnvFilter::new(directives),
        (None, true) => EnvFilter::new("info,sqlx=warn"),
        (None, false) => return,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let json = std::env::var("GATEHOUSE_LOG_FORMAT").is_ok_and(|format| format == "json");
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
