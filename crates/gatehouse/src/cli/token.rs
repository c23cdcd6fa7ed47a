//! `gatehouse token …`: for support staff.

use clap::Subcommand;

use super::CliError;
use crate::storage::Storage;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Revoke every token of a user, or only those of one application.
    Revoke {
        /// The user's email.
        #[arg(long)]
        user: String,
        /// Only this application's tokens (its client id).
        #[arg(long)]
        app: Option<String>,
    },
}

pub async fn run(storage: &Storage, command: TokenCommand) -> Result<(), CliError> {
    let TokenCommand::Revoke { user, app } = command;
    let found = storage
        .find_user_by_email(&user)
        .await?
        .ok_or_else(|| CliError::invalid(format!("no user with email {user}")))?;
    let application = match &app {
        Some(client_id) => Some(storage.find_application(client_id).await?.ok_or_else(|| {
            CliError::invalid(format!("no application with client id {client_id}"))
        })?),
        None => None,
    };

    let revoked = storage
        .revoke_user_tokens(found.id, application.as_ref().map(|a| a.id))
        .await?;

    println!("revoked {revoked} tokens of {user}");
    Ok(())
}
