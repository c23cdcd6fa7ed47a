//! Every setting of the server, with its flag, environment variable and default.
//!
//! The server refuses to start with an unsafe configuration (an issuer on plain http that is
//! not a loopback address, a lifetime of zero) instead of warning about it.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use crate::keys::{KeyArgs, KeySource};

/// Where the database is: `GATEHOUSE_DATABASE_URL`, default `sqlite://gatehouse.db` (in the
/// working directory, created if missing).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gatehouse.db";

#[derive(Debug, Clone, clap::Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// The public URL of this server, as partners reach it. It is sent back exactly as given
    /// (the `iss` parameter of RFC 9207), so write it the way clients are configured.
    /// Default: http:// and the listen address.
    #[arg(long, env = "GATEHOUSE_ISSUER")]
    pub issuer: Option<String>,

    /// The name shown on sign-in and consent pages.
    #[arg(long, env = "GATEHOUSE_SITE_NAME", default_value = "Gatehouse")]
    pub site_name: String,

    /// How long an authorization code may wait to be exchanged (at most 10 minutes).
    #[arg(long, env = "GATEHOUSE_CODE_TTL", default_value = "10m", value_parser = parse_duration)]
    pub code_ttl: Duration,

    /// How long an access token works.
    #[arg(long, env = "GATEHOUSE_ACCESS_TOKEN_TTL", default_value = "30d", value_parser = parse_duration)]
    pub access_token_ttl: Duration,

    /// How long a refresh token works.
    #[arg(long, env = "GATEHOUSE_REFRESH_TOKEN_TTL", default_value = "90d", value_parser = parse_duration)]
    pub refresh_token_ttl: Duration,

    /// How often the webhook worker looks for revocation notices to send (at most 10s).
    #[arg(long, env = "GATEHOUSE_WEBHOOK_POLL_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub webhook_poll_interval: Duration,

    /// The wait before the second attempt at a notice; each later wait doubles, up to 10
    /// minutes.
    #[arg(long, env = "GATEHOUSE_WEBHOOK_RETRY_BASE", default_value = "1s", value_parser = parse_duration)]
    pub webhook_retry_base: Duration,

    /// How long one webhook request may take (at most 60s).
    #[arg(long, env = "GATEHOUSE_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,

    #[command(flatten)]
    pub keys: KeyArgs,
}

/// The checked settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Exactly as configured: never normalized, because clients compare it as a string.
    pub issuer: String,
    /// Whether the issuer is https, which makes cookies `Secure`.
    pub secure_cookies: bool,
    pub site_name: String,
    pub code_ttl: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub webhooks: WebhookSettings,
}

/// How revocation notices are sent (see [`crate::webhooks`]).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The server key that signing secrets are derived from.
    pub key: KeySource,
    pub poll_interval: Duration,
    /// The wait after the first failed attempt; it doubles after each further one.
    pub retry_base: Duration,
    pub timeout: Duration,
}

impl WebhookSettings {
    /// The defaults the flags document, with this key.
    pub fn new(key: KeySource) -> WebhookSettings {
        WebhookSettings {
            key,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the issuer {0:?} is not an absolute http(s) URL without query or fragment")]
    IssuerNotAUrl(String),
    #[error("the issuer {0:?} uses plain http on a host that is not a loopback address")]
    InsecureIssuer(String),
    #[error("{0} may not be zero")]
    ZeroLifetime(&'static str),
    #[error("the code lifetime may be at most 10 minutes (RFC 6749 §4.1.2)")]
    CodeLifetimeTooLong,
    #[error("{0} must be more than zero and at most {1}")]
    OutOfRange(&'static str, String),
    /// The server key is malformed or its file unusable.
    #[error("{0}")]
    Key(String),
}

impl ServerConfig {
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let issuer = self
            .issuer
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen));
        let secure_cookies = check_issuer(&issuer)?;
        for (name, ttl) in [
            ("the code lifetime", self.code_ttl),
            ("the access token lifetime", self.access_token_ttl),
            ("the refresh token lifetime", self.refresh_token_ttl),
        ] {
            if ttl.is_zero() {
                return Err(ConfigError::ZeroLifetime(name));
            }
        }
        if self.code_ttl > Duration::from_secs(600) {
            return Err(ConfigError::CodeLifetimeTooLong);
        }
        let webhooks = self.webhook_settings()?;
        Ok(Settings {
            listen: self.listen,
            issuer,
            secure_cookies,
            site_name: self.site_name.clone(),
            code_ttl: self.code_ttl,
            access_token_ttl: self.access_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
            webhooks,
        })
    }

    /// Notices must arrive within seconds, and a stuck receiver may not hold a worker long.
    fn webhook_settings(&self) -> Result<WebhookSettings, ConfigError> {
        let limits = [
            ("--webhook-poll-interval", self.webhook_poll_interval, 10),
            ("--webhook-retry-base", self.webhook_retry_base, 600),
            ("--webhook-timeout", self.webhook_timeout, 60),
        ];
        for (name, value, max_secs) in limits {
            let max = Duration::from_secs(max_secs);
            if value.is_zero() || value > max {
                let max = humantime::format_duration(max).to_string();
                return Err(ConfigError::OutOfRange(name, max));
            }
        }
        let key = self.keys.source();
        Ok(WebhookSettings {
            key: key.map_err(|error| ConfigError::Key(error.to_string()))?,
            poll_interval: self.webhook_poll_interval,
            retry_base: self.webhook_retry_base,
            timeout: self.webhook_timeout,
        })
    }
}

/// Returns whether the issuer is https.
fn check_issuer(issuer: &str) -> Result<bool, ConfigError> {
    let not_a_url = || ConfigError::IssuerNotAUrl(issuer.to_owned());
    let url = Url::parse(issuer).map_err(|_| not_a_url())?;
    if url.query().is_some() || url.fragment().is_some() || url.host().is_none() {
        return Err(not_a_url());
    }
    match url.scheme() {
        "https" => Ok(true),
        "http" if is_loopback_host(&url) => Ok(false),
        "http" => Err(ConfigError::InsecureIssuer(issuer.to_owned())),
        _ => Err(not_a_url()),
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Durations such as `90s`, `10m`, `30d` or `1h 30m`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    humantime::parse_duration(input).map_err(|error| format!("{input:?}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        config: ServerConfig,
    }

    fn config(args: &[&str]) -> ServerConfig {
        let argv = std::iter::once("probe").chain(args.iter().copied());
        Probe::try_parse_from(argv).unwrap().config
    }

    #[test]
    fn defaults_give_a_loopback_issuer_and_the_documented_lifetimes() {
        let settings = config(&[]).validate().unwrap();

        assert_eq!(settings.issuer, "http://127.0.0.1:8000");
        assert_eq!(settings.code_ttl, Duration::from_secs(600));
        assert_eq!(settings.access_token_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(settings.refresh_token_ttl, Duration::from_secs(90 * 86_400));
        assert!(!settings.secure_cookies);
    }

    #[test]
    fn the_issuer_is_kept_character_for_character() {
        let settings = config(&["--issuer", "https://auth.example.com"])
            .validate()
            .unwrap();

        assert_eq!(settings.issuer, "https://auth.example.com");
        assert!(settings.secure_cookies);
    }

    #[test]
    fn an_http_issuer_off_loopback_is_refused() {
        let error = config(&["--issuer", "http://auth.example.com"]).validate();

        assert!(matches!(error, Err(ConfigError::InsecureIssuer(_))));
    }

    #[test]
    fn lifetimes_accept_short_forms_and_refuse_zero() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(parse_duration("soon").is_err());

        let error = config(&["--access-token-ttl", "0s"]).validate();
        assert_eq!(
            error.err(),
            Some(ConfigError::ZeroLifetime("the access token lifetime"))
        );
    }

    #[test]
    fn webhook_intervals_default_short_and_refuse_zero_or_long_ones() {
        let settings = config(&[]).validate().unwrap();
        assert_eq!(settings.webhooks.poll_interval, Duration::from_secs(1));
        assert_eq!(settings.webhooks.retry_base, Duration::from_secs(1));
        assert_eq!(settings.webhooks.timeout, Duration::from_secs(10));

        let zero = config(&["--webhook-poll-interval", "0s"]).validate();
        let long = config(&["--webhook-timeout", "2m"]).validate();

        assert_eq!(
            zero.err(),
            Some(ConfigError::OutOfRange(
                "--webhook-poll-interval",
                "10s".into()
            ))
        );
        assert_eq!(
            long.err(),
            Some(ConfigError::OutOfRange("--webhook-timeout", "1m".into()))
        );
    }

    #[test]
    fn a_code_may_live_at_most_ten_minutes() {
        let error = config(&["--code-ttl", "11m"]).validate();

        assert_eq!(error.err(), Some(ConfigError::CodeLifetimeTooLong));
    }
}
