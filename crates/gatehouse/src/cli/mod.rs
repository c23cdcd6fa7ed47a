//! The `gatehouse` command line: argument parsing, and one module per command group.
//!
//! Every command connects to the database, applies pending migrations, does its work, and
//! prints either human-readable lines or, with `--json`, exactly one JSON value. Bad input
//! is a [`CliError::Invalid`]: one line on stderr, exit status 2, nothing written.

mod app;
mod demo;
mod org;
mod serve;
mod token;
mod user;

use clap::{Parser, Subcommand};

use crate::config::DEFAULT_DATABASE_URL;
use crate::storage::{Storage, StorageError};

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "A Sentry-compatible OAuth 2.1 server"
)]
pub struct Cli {
    /// sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Print log lines from admin commands too (RUST_LOG sets the filter).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage organizations and their members.
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Register and manage partner applications.
    #[command(subcommand)]
    App(app::AppCommand),
    /// Revoke tokens, for support staff.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Create the demo user, organization, application and monitoring data (idempotent).
    Demo(demo::DemoArgs),
}

impl Command {
    /// Whether the command is the long-running server, which logs by default.
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Serve(_))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The operator's input is wrong; nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// Something outside the input failed (the database is unreachable, a disk is full).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl CliError {
    pub fn invalid(message: impl ToString) -> CliError {
        CliError::Invalid(message.to_string())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl From<StorageError> for CliError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::UnsupportedUrl => CliError::invalid(error),
            other => CliError::Failed(other.into()),
        }
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let storage = Storage::connect(&cli.database_url)
        .await
        .map_err(|error| match error {
            StorageError::UnsupportedUrl => CliError::invalid(error),
            other => CliError::Failed(
                anyhow::Error::new(other)
                    .context(format!("cannot open {}", redact(&cli.database_url))),
            ),
        })?;
    storage.migrate().await?;

    let result = match cli.command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::User(command) => user::run(&storage, command).await,
        Command::Org(command) => org::run(&storage, command).await,
        Command::App(command) => app::run(&storage, command).await,
        Command::Token(command) => token::run(&storage, command).await,
        Command::Serve(args) => serve::run(storage.clone(), args).await,
        Command::Demo(args) => demo::run(&storage, args).await,
    };
    storage.close().await;
    result
}

/// Prints one JSON value on stdout.
fn print_json(value: &serde_json::Value) {
    println!("{value}");
}

/// A database URL with any password taken out, for error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
