//! `gatehouse serve`: run the server until SIGINT or SIGTERM.

use crate::config::ServerConfig;
use crate::storage::Storage;
use crate::{demo, server};

use super::CliError;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ServerConfig,

    /// Create a demo user, organization and application first (idempotent), and print how
    /// to try them.
    #[arg(long)]
    demo: bool,
}

pub async fn run(storage: Storage, args: ServeArgs) -> Result<(), CliError> {
    let settings = args.config.validate().map_err(CliError::invalid)?;

    if args.demo {
        let demo = demo::ensure(&storage).await.map_err(anyhow::Error::from)?;
        println!("{}", demo.instructions(&settings.issuer));
    }

    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|error| {
            CliError::invalid(format!("cannot listen on {}: {error}", settings.listen))
        })?;
    server::serve(listener, storage, settings)
        .await
        .map_err(|error| CliError::Failed(error.into()))
}
