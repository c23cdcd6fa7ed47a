//! `gatehouse user …`: create, disable and enable the people who sign in.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use serde_json::json;

use super::{CliError, print_json};
use crate::domain::{DisplayName, Email, Password};
use crate::storage::{NewUser, Storage, StorageError, UserStatus};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is asked for without echo, or read from stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop a user from signing in; their tokens stop working at the next request.
    Disable { email: String },
    /// Let a disabled user sign in again.
    Enable { email: String },
}

pub async fn run(storage: &Storage, command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Create {
            email,
            name,
            password_stdin,
            json,
        } => create(storage, &email, &name, password_stdin, json).await,
        UserCommand::Disable { email } => set_status(storage, &email, UserStatus::Disabled).await,
        UserCommand::Enable { email } => set_status(storage, &email, UserStatus::Active).await,
    }
}

async fn create(
    storage: &Storage,
    email: &str,
    name: &str,
    password_stdin: bool,
    json: bool,
) -> Result<(), CliError> {
    // Parse everything before asking for the password, so a typo fails fast.
    let email = Email::parse(email).map_err(CliError::invalid)?;
    let name = DisplayName::parse(name, "name", 200).map_err(CliError::invalid)?;
    let password = read_password(password_stdin)?;

    let password_hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(anyhow::Error::from)?;
    let new = NewUser {
        email: email.clone(),
        name,
        password_hash,
    };
    let user = storage
        .create_user(&new)
        .await
        .map_err(|error| match error {
            StorageError::Conflict => {
                CliError::invalid(format!("a user with email {email} exists"))
            }
            other => other.into(),
        })?;

    if json {
        print_json(&json!({"id": user.id.to_string(), "email": user.email, "name": user.name}));
    } else {
        println!(
            "created user {} <{}> (id {})",
            user.name, user.email, user.id
        );
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<Password, CliError> {
    let typed = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(anyhow::Error::from)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(anyhow::Error::from)?;
        let again =
            rpassword::prompt_password("Password (again): ").map_err(anyhow::Error::from)?;
        if first != again {
            return Err(CliError::invalid("the passwords do not match"));
        }
        first
    } else {
        return Err(CliError::invalid(
            "no terminal to ask for the password on: use --password-stdin",
        ));
    };
    Password::parse(typed).map_err(CliError::invalid)
}

async fn set_status(storage: &Storage, email: &str, status: UserStatus) -> Result<(), CliError> {
    storage
        .set_user_status(email, status)
        .await
        .map_err(|error| match error {
            StorageError::NotFound => CliError::invalid(format!("no user with email {email}")),
            other => other.into(),
        })?;
    let done = match status {
        UserStatus::Active => "enabled",
        UserStatus::Disabled => "disabled",
    };
    println!("{done} user {email}");
    Ok(())
}
