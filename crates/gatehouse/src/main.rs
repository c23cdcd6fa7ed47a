//! The `gatehouse` binary: parse the command line and hand over to [`gatehouse::cli`].

use std::process::ExitCode;

use clap::Parser;
use gatehouse::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    gatehouse::telemetry::init(cli.verbose || cli.command.is_server());

    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gatehouse: {error:#}");
            ExitCode::from(error.exit_code())
        }
    }
}
