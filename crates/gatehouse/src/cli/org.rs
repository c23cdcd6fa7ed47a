//! `gatehouse org …`: organizations and their members.

use clap::Subcommand;
use serde_json::json;

use super::{CliError, print_json};
use crate::domain::{DisplayName, Role, Slug};
use crate::storage::{Organization, Storage, StorageError, User};

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization owned by an existing user.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Email of the user who becomes its owner.
        #[arg(long)]
        owner: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a user to an organization.
    AddMember {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
    },
    /// Change a member's role.
    SetRole {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
    },
    /// Remove a member.
    RemoveMember {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
    },
}

pub async fn run(storage: &Storage, command: OrgCommand) -> Result<(), CliError> {
    match command {
        OrgCommand::Create {
            slug,
            name,
            owner,
            json,
        } => create(storage, &slug, &name, &owner, json).await,
        OrgCommand::AddMember { org, email, role } => {
            let (org, user) = find_org_and_user(storage, &org, &email).await?;
            storage
                .add_member(org.id, user.id, role)
                .await
                .map_err(|error| match error {
                    StorageError::Conflict => {
                        CliError::invalid(format!("{email} is already a member of {}", org.slug))
                    }
                    other => other.into(),
                })?;
            println!("added {email} to {} as {role}", org.slug);
            Ok(())
        }
        OrgCommand::SetRole { org, email, role } => {
            let (org, user) = find_org_and_user(storage, &org, &email).await?;
            storage
                .set_role(org.id, user.id, role)
                .await
                .map_err(|error| not_a_member(error, &email, &org))?;
            println!("{email} is now {role} of {}", org.slug);
            Ok(())
        }
        OrgCommand::RemoveMember { org, email } => {
            let (org, user) = find_org_and_user(storage, &org, &email).await?;
            storage
                .remove_member(org.id, user.id)
                .await
                .map_err(|error| not_a_member(error, &email, &org))?;
            println!("removed {email} from {}", org.slug);
            Ok(())
        }
    }
}

async fn create(
    storage: &Storage,
    slug: &str,
    name: &str,
    owner: &str,
    json: bool,
) -> Result<(), CliError> {
    let slug = Slug::parse(slug).map_err(CliError::invalid)?;
    let name = DisplayName::parse(name, "organization name", 64).map_err(CliError::invalid)?;
    let owner = find_user(storage, owner).await?;

    let org = storage
        .create_organization(&slug, &name, owner.id)
        .await
        .map_err(|error| match error {
            StorageError::Conflict => {
                CliError::invalid(format!("an organization with slug {slug} exists"))
            }
            other => other.into(),
        })?;

    if json {
        print_json(&json!({"id": org.id.to_string(), "slug": org.slug, "name": org.name}));
    } else {
        println!(
            "created organization {} ({}), owned by {}",
            org.name, org.slug, owner.email
        );
    }
    Ok(())
}

async fn find_user(storage: &Storage, email: &str) -> Result<User, CliError> {
    storage
        .find_user_by_email(email)
        .await?
        .ok_or_else(|| CliError::invalid(format!("no user with email {email}")))
}

async fn find_org_and_user(
    storage: &Storage,
    slug: &str,
    email: &str,
) -> Result<(Organization, User), CliError> {
    let org = storage
        .find_organization_by_slug(slug)
        .await?
        .ok_or_else(|| CliError::invalid(format!("no organization with slug {slug}")))?;
    let user = find_user(storage, email).await?;
    Ok((org, user))
}

fn not_a_member(error: StorageError, email: &str, org: &Organization) -> CliError {
    match error {
        StorageError::NotFound => {
            CliError::invalid(format!("{email} is not a member of {}", org.slug))
        }
        other => other.into(),
    }
}
