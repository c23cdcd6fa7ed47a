//! `gatehouse app …`: register and manage partner applications.

use clap::Subcommand;
use serde_json::{Value, json};

use super::{CliError, print_json};
use crate::domain::{
    AccessLevel, AllowedOrigin, Application, ApplicationStatus, ClientSecret, ClientType,
    DisplayName, NewApplication, RedirectUri, ScopeSet, WebUrl, application::ApplicationKind,
};
use crate::domain::{WebhookSecret, WebhookUrl};
use crate::keys::{KeyArgs, ServerKey};
use crate::storage::{Storage, StorageError};

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an application. A confidential client's secret is printed once.
    Create(CreateArgs),
    /// List every application.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one application.
    Show {
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue a new client secret; the old one stops working at once.
    RotateSecret {
        client_id: String,
        /// How long the old secret keeps working, such as 24h (default 0: not at all).
        #[arg(long, default_value = "0s", value_parser = crate::config::parse_duration)]
        grace: std::time::Duration,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate an application: every token it holds is revoked at once, and it cannot
    /// start new flows.
    Disable { client_id: String },
    /// Reactivate a disabled application. Its revoked tokens stay revoked.
    Enable { client_id: String },
    /// Send revocation notices to URL, and issue a new webhook signing secret: printed once,
    /// the previous one stops verifying.
    SetWebhook {
        client_id: String,
        /// https, or http on a loopback host.
        url: String,
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The name users see on the consent page (1 to 64 characters).
    #[arg(long)]
    name: String,
    /// A callback URL; repeat for several.
    #[arg(long = "redirect-uri", required = true)]
    redirect_uris: Vec<String>,
    /// An origin the partner's browser code calls from; repeat for several.
    #[arg(long = "allowed-origin")]
    allowed_origins: Vec<String>,
    #[arg(long)]
    homepage_url: String,
    #[arg(long)]
    privacy_url: String,
    #[arg(long)]
    terms_url: String,
    /// The most the application may ask for, space-separated ("org:read project:read").
    #[arg(long)]
    scopes: String,
    /// A client that cannot keep a secret (browser or native app): no secret, PKCE only.
    #[arg(long)]
    public: bool,
    /// Act for the user as a whole instead of connecting one organization.
    #[arg(long)]
    user_level: bool,
    /// An API that accepts gatehouse's tokens: it may introspect every application's tokens,
    /// not only its own. Needs a secret, so not with --public.
    #[arg(long)]
    resource_server: bool,
    /// Where to POST a signed notice when one of the application's authorizations is
    /// revoked (https, or http on a loopback host). Its signing secret is printed once.
    #[arg(long)]
    webhook_url: Option<String>,
    #[command(flatten)]
    keys: KeyArgs,
    #[arg(long)]
    json: bool,
}

pub async fn run(storage: &Storage, command: AppCommand) -> Result<(), CliError> {
    match command {
        AppCommand::Create(args) => create(storage, args).await,
        AppCommand::List { json } => list(storage, json).await,
        AppCommand::Show { client_id, json } => {
            let app = find(storage, &client_id).await?;
            print_app(&app, None, None, json);
            Ok(())
        }
        AppCommand::RotateSecret {
            client_id,
            grace,
            json,
        } => rotate_secret(storage, &client_id, grace, json).await,
        AppCommand::Disable { client_id } => {
            let revoked = storage
                .disable_application(&client_id)
                .await
                .map_err(|error| unknown_app(error, &client_id))?;
            println!("disabled application {client_id}; {revoked} tokens revoked");
            Ok(())
        }
        AppCommand::Enable { client_id } => {
            storage
                .set_application_status(&client_id, ApplicationStatus::Active)
                .await
                .map_err(|error| unknown_app(error, &client_id))?;
            println!("enabled application {client_id}");
            Ok(())
        }
        AppCommand::SetWebhook {
            client_id,
            url,
            keys,
            json,
        } => set_webhook(storage, &client_id, &url, &keys, json).await,
    }
}

async fn create(storage: &Storage, args: CreateArgs) -> Result<(), CliError> {
    let new = parse_new_application(&args).map_err(CliError::Invalid)?;
    let kind = parse_kind(&args).map_err(CliError::Invalid)?;
    let webhook = match &args.webhook_url {
        Some(url) => Some((parse_webhook_url(url)?, load_key(&args.keys)?)),
        None => None,
    };

    let (mut app, secret) = storage.create_application_of_kind(&new, kind).await?;
    // A second statement: a failure between the two leaves an application without a
    // webhook, which `app set-webhook` completes.
    let webhook_secret = match webhook {
        Some((url, key)) => {
            let webhook = storage.set_webhook(app.client_id.as_str(), &url).await?;
            app.webhook_url = Some(url);
            Some(key.webhook_secret(&app.client_id, webhook.generation))
        }
        None => None,
    };

    print_app(
        &app,
        Some(secret.as_ref()),
        webhook_secret.as_ref(),
        args.json,
    );
    Ok(())
}

/// Checks every argument, so that nothing is written unless all of them are right.
fn parse_new_application(args: &CreateArgs) -> Result<NewApplication, String> {
    let err = |error: &dyn std::fmt::Display| error.to_string();
    let scopes = ScopeSet::parse(&args.scopes).map_err(|e| err(&e))?;
    if scopes.is_empty() {
        return Err("--scopes must name at least one scope".into());
    }
    Ok(NewApplication {
        name: DisplayName::parse(&args.name, "application name", 64).map_err(|e| err(&e))?,
        client_type: match args.public {
            true => ClientType::Public,
            false => ClientType::Confidential,
        },
        redirect_uris: args
            .redirect_uris
            .iter()
            .map(|uri| RedirectUri::parse(uri).map_err(|e| format!("--redirect-uri: {e}")))
            .collect::<Result<_, _>>()?,
        allowed_origins: args
            .allowed_origins
            .iter()
            .map(|o| AllowedOrigin::parse(o).map_err(|e| format!("--allowed-origin: {e}")))
            .collect::<Result<_, _>>()?,
        homepage_url: WebUrl::parse(&args.homepage_url)
            .map_err(|e| format!("--homepage-url: {e}"))?,
        privacy_url: WebUrl::parse(&args.privacy_url).map_err(|e| format!("--privacy-url: {e}"))?,
        terms_url: WebUrl::parse(&args.terms_url).map_err(|e| format!("--terms-url: {e}"))?,
        scopes,
        access_level: match args.user_level {
            true => AccessLevel::User,
            false => AccessLevel::Organization,
        },
    })
}

/// A resource server authenticates to introspect, so it must be able to keep a secret.
fn parse_kind(args: &CreateArgs) -> Result<ApplicationKind, String> {
    match (args.resource_server, args.public) {
        (true, true) => {
            Err("--resource-server needs a client secret; it cannot be --public".into())
        }
        (true, false) => Ok(ApplicationKind::ResourceServer),
        (false, _) => Ok(ApplicationKind::Client),
    }
}

async fn list(storage: &Storage, json: bool) -> Result<(), CliError> {
    let apps = storage.list_applications().await?;
    if json {
        print_json(&Value::Array(
            apps.iter().map(|app| app_json(app, None)).collect(),
        ));
        return Ok(());
    }
    if apps.is_empty() {
        println!("no applications");
    }
    for app in &apps {
        println!("{}  {}  {}", app.client_id, app.status.as_str(), app.name);
    }
    Ok(())
}

async fn rotate_secret(
    storage: &Storage,
    client_id: &str,
    grace: std::time::Duration,
    json: bool,
) -> Result<(), CliError> {
    let app = find(storage, client_id).await?;
    if app.client_type == ClientType::Public {
        return Err(CliError::invalid(format!(
            "application {client_id} is a public client and has no secret"
        )));
    }

    let secret = storage
        .rotate_secret_with_grace(client_id, grace)
        .await
        .map_err(|error| unknown_app(error, client_id))?;

    if json {
        print_json(&json!({"client_id": client_id, "client_secret": secret.expose()}));
    } else {
        let old = match grace.is_zero() {
            true => "the old one no longer works".to_owned(),
            false => format!(
                "the old one works for {}",
                humantime::format_duration(grace)
            ),
        };
        println!("new client secret for {client_id} (shown once; {old}):");
        println!("{}", secret.expose());
    }
    Ok(())
}

async fn set_webhook(
    storage: &Storage,
    client_id: &str,
    url: &str,
    keys: &KeyArgs,
    json: bool,
) -> Result<(), CliError> {
    let url = parse_webhook_url(url)?;
    let app = find(storage, client_id).await?;
    let key = load_key(keys)?;

    let webhook = storage
        .set_webhook(client_id, &url)
        .await
        .map_err(|error| unknown_app(error, client_id))?;

    let secret = key.webhook_secret(&app.client_id, webhook.generation);
    if json {
        print_json(&json!({
            "client_id": client_id,
            "webhook_url": url.as_str(),
            "webhook_secret": secret.expose(),
        }));
    } else {
        println!("revocation notices for {client_id} go to {url}");
        println!("webhook secret (shown once; the previous one no longer verifies):");
        println!("{}", secret.expose());
    }
    Ok(())
}

fn parse_webhook_url(url: &str) -> Result<WebhookUrl, CliError> {
    WebhookUrl::parse(url).map_err(|error| CliError::invalid(format!("--webhook-url: {error}")))
}

/// The server key the webhook secret is derived from: the server must load the same one.
fn load_key(keys: &KeyArgs) -> Result<ServerKey, CliError> {
    keys.source()
        .and_then(|source| source.load())
        .map_err(CliError::invalid)
}

async fn find(storage: &Storage, client_id: &str) -> Result<Application, CliError> {
    storage
        .find_application(client_id)
        .await?
        .ok_or_else(|| CliError::invalid(format!("no application with client id {client_id}")))
}

fn unknown_app(error: StorageError, client_id: &str) -> CliError {
    match error {
        StorageError::NotFound => {
            CliError::invalid(format!("no application with client id {client_id}"))
        }
        other => other.into(),
    }
}

/// `secret` is `Some` only right after creation: `Some(None)` for a public client.
/// `webhook_secret` likewise, when the application was created with a webhook.
fn print_app(
    app: &Application,
    secret: Option<Option<&ClientSecret>>,
    webhook_secret: Option<&WebhookSecret>,
    json: bool,
) {
    if json {
        let mut value = app_json(app, secret);
        if let Some(webhook_secret) = webhook_secret {
            value["webhook_secret"] = Value::from(webhook_secret.expose());
        }
        print_json(&value);
        return;
    }
    println!("client_id:        {}", app.client_id);
    if let Some(secret) = secret {
        match secret {
            Some(secret) => println!("client_secret:    {} (shown once)", secret.expose()),
            None => println!("client_secret:    none (public client)"),
        }
    }
    println!("name:             {}", app.name);
    println!("status:           {}", app.status.as_str());
    println!("client type:      {}", app.client_type.as_str());
    println!("access level:     {}", app.access_level.as_str());
    println!("kind:             {}", app.kind.as_str());
    println!("scopes:           {}", app.scopes);
    for uri in &app.redirect_uris {
        println!("redirect URI:     {uri}");
    }
    for origin in &app.allowed_origins {
        println!("allowed origin:   {origin}");
    }
    println!("homepage:         {}", app.homepage_url);
    println!("privacy policy:   {}", app.privacy_url);
    println!("terms:            {}", app.terms_url);
    if let Some(url) = &app.webhook_url {
        println!("webhook URL:      {url}");
    }
    if let Some(webhook_secret) = webhook_secret {
        println!("webhook_secret:   {} (shown once)", webhook_secret.expose());
    }
}

fn app_json(app: &Application, secret: Option<Option<&ClientSecret>>) -> Value {
    let redirect_uris: Vec<_> = app.redirect_uris.iter().map(RedirectUri::as_str).collect();
    let origins: Vec<_> = app
        .allowed_origins
        .iter()
        .map(AllowedOrigin::as_str)
        .collect();
    let mut value = json!({
        "client_id": app.client_id.as_str(),
        "name": app.name,
        "redirect_uris": redirect_uris,
        "allowed_origins": origins,
        "homepage_url": app.homepage_url,
        "privacy_url": app.privacy_url,
        "terms_url": app.terms_url,
        "scopes": app.scopes.names(),
        "public": app.client_type == ClientType::Public,
        "org_level": app.access_level == AccessLevel::Organization,
        "resource_server": app.is_resource_server(),
        "status": app.status.as_str(),
        "webhook_url": app.webhook_url.as_ref().map(WebhookUrl::as_str),
    });
    if let Some(secret) = secret {
        value["client_secret"] = secret.map_or(Value::Null, |s| Value::from(s.expose()));
    }
    value
}
