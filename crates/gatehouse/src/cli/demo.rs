//! `gatehouse demo`: set up the demo user, organization, application and monitoring data
//! without starting the server, for a database the server will be started on later.

use crate::demo;
use crate::storage::{Storage, now};

use super::CliError;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Seed of the made-up monitoring data: the same seed gives the same projects, issues,
    /// events and releases. Used only while the demo organization has no projects.
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    seed: u64,

    /// The server's public URL, for the links printed (default: where `serve` listens by
    /// default).
    #[arg(
        long,
        env = "GATEHOUSE_ISSUER",
        default_value = "http://127.0.0.1:8000"
    )]
    issuer: String,
}

pub async fn run(storage: &Storage, args: DemoArgs) -> Result<(), CliError> {
    let demo = demo::ensure_seeded(storage, args.seed, now())
        .await
        .map_err(anyhow::Error::from)?;
    println!("{}", demo.instructions(&args.issuer));
    Ok(())
}
