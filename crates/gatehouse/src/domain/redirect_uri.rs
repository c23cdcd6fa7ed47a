//! Redirect URIs and allowed origins as registered by the operator.
//!
//! Registration is strict so that matching can be exact: what the operator registered is
//! compared character for character with what a client sends (RFC 9700 §4.1.3), with the
//! single RFC 8252 §7.3 exception of loopback redirects, whose port is chosen by the native
//! app at run time.

use std::fmt;

use url::{Host, Url};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUri {
    #[error("{0:?} is not an absolute URI")]
    NotAbsolute(String),
    #[error("{0:?} has a fragment, which a redirect URI may not have")]
    Fragment(String),
    #[error("{0:?} contains a wildcard; register every URI in full")]
    Wildcard(String),
    #[error("{0:?} uses plain http on a host other than 127.0.0.1, ::1 or localhost")]
    InsecureHttp(String),
    #[error("{0:?} uses a scheme that may not be used here")]
    ForbiddenScheme(String),
    #[error("{0:?} is not an origin: it may have no path, query or fragment")]
    NotAnOrigin(String),
}

/// A redirect URI that passed registration rules. Kept exactly as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(input: &str) -> Result<RedirectUri, InvalidUri> {
        let owned = || input.to_owned();
        if input.contains('*') {
            return Err(InvalidUri::Wildcard(owned()));
        }
        let url = Url::parse(input).map_err(|_| InvalidUri::NotAbsolute(owned()))?;
        if url.fragment().is_some() {
            return Err(InvalidUri::Fragment(owned()));
        }
        match url.scheme() {
            "https" => require_host(&url, input)?,
            "http" if is_loopback(&url) => {}
            "http" => return Err(InvalidUri::InsecureHttp(owned())),
            scheme if is_private_use_scheme(scheme) => {}
            _ => return Err(InvalidUri::ForbiddenScheme(owned())),
        }
        Ok(RedirectUri(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a redirect URI sent by a client matches this registered one.
    pub fn matches(&self, candidate: &str) -> bool {
        if self.0 == candidate {
            return true;
        }
        self.matches_loopback_on_any_port(candidate)
    }

    /// A loopback URI registered without a port accepts the same URI on any port.
    fn matches_loopback_on_any_port(&self, candidate: &str) -> bool {
        let (Ok(registered), Ok(mut presented)) = (Url::parse(&self.0), Url::parse(candidate))
        else {
            return false;
        };
        if registered.scheme() != "http" || !is_loopback(&registered) {
            return false;
        }
        if registered.port().is_some() || presented.port().is_none() {
            return false;
        }
        if presented.set_port(None).is_err() {
            return false;
        }
        // Compare the serializations: both were normalized the same way by the parser.
        registered.as_str() == presented.as_str() && !candidate.contains('#')
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An origin (`scheme://host[:port]`) a partner's browser code may call gatehouse from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin(String);

impl AllowedOrigin {
    pub fn parse(input: &str) -> Result<AllowedOrigin, InvalidUri> {
        let owned = || input.to_owned();
        if input.contains('*') {
            return Err(InvalidUri::Wildcard(owned()));
        }
        let url = Url::parse(input).map_err(|_| InvalidUri::NotAbsolute(owned()))?;
        let has_path = !matches!(url.path(), "" | "/") || input.ends_with("//");
        if has_path || url.query().is_some() || url.fragment().is_some() {
            return Err(InvalidUri::NotAnOrigin(owned()));
        }
        match url.scheme() {
            "https" => require_host(&url, input)?,
            "http" if is_loopback(&url) => {}
            "http" => return Err(InvalidUri::InsecureHttp(owned())),
            _ => return Err(InvalidUri::NotAnOrigin(owned())),
        }
        Ok(AllowedOrigin(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An absolute http(s) URL for a page a person reads, such as a privacy policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(input: &str) -> Result<WebUrl, InvalidUri> {
        let url = Url::parse(input).map_err(|_| InvalidUri::NotAbsolute(input.to_owned()))?;
        match url.scheme() {
            "https" | "http" => require_host(&url, input)?,
            _ => return Err(InvalidUri::ForbiddenScheme(input.to_owned())),
        }
        Ok(WebUrl(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn require_host(url: &Url, input: &str) -> Result<(), InvalidUri> {
    match url.host() {
        Some(_) => Ok(()),
        None => Err(InvalidUri::NotAbsolute(input.to_owned())),
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// RFC 8252 §7.1: a native app's private-use scheme is a reverse domain name, such as
/// `com.example.app`. Requiring the dot also keeps out `javascript:`, `data:` and `file:`.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_loopback_http_and_private_use_schemes_are_accepted() {
        for uri in [
            "https://partner.example/oauth/callback?source=gatehouse",
            "http://127.0.0.1/callback",
            "http://[::1]:8080/callback",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert_eq!(RedirectUri::parse(uri).map(|u| u.0), Ok(uri.to_owned()));
        }
    }

    #[test]
    fn unsafe_redirect_uris_are_refused_with_the_reason() {
        let cases = [
            ("/callback", "not an absolute URI"),
            ("https://partner.example/cb#top", "fragment"),
            ("https://*.partner.example/cb", "wildcard"),
            ("http://partner.example/cb", "plain http"),
            ("javascript:alert(1)", "scheme"),
            ("file:///etc/passwd", "scheme"),
        ];
        for (uri, reason) in cases {
            let error = RedirectUri::parse(uri).unwrap_err().to_string();
            assert!(error.contains(reason), "{uri}: {error}");
        }
    }

    #[test]
    fn matching_is_exact_for_ordinary_uris() {
        let registered = RedirectUri::parse("https://partner.example/cb").unwrap();

        assert!(registered.matches("https://partner.example/cb"));
        assert!(!registered.matches("https://partner.example/cb/"));
        assert!(!registered.matches("https://partner.example/cb?x=1"));
        assert!(!registered.matches("https://PARTNER.example/cb"));
    }

    #[test]
    fn a_loopback_uri_registered_without_a_port_matches_any_port() {
        let registered = RedirectUri::parse("http://127.0.0.1/callback").unwrap();

        assert!(registered.matches("http://127.0.0.1:51234/callback"));
        assert!(!registered.matches("http://127.0.0.1:51234/other"));
        assert!(!registered.matches("http://localhost:51234/callback"));
    }

    #[test]
    fn a_loopback_uri_registered_with_a_port_matches_only_that_port() {
        let registered = RedirectUri::parse("http://localhost:3000/cb").unwrap();

        assert!(registered.matches("http://localhost:3000/cb"));
        assert!(!registered.matches("http://localhost:3001/cb"));
    }

    #[test]
    fn origins_are_normalized_and_may_not_have_a_path() {
        assert_eq!(
            AllowedOrigin::parse("https://partner.example/").map(|o| o.0),
            Ok("https://partner.example".to_owned())
        );
        assert!(matches!(
            AllowedOrigin::parse("https://partner.example/app"),
            Err(InvalidUri::NotAnOrigin(_))
        ));
        assert!(matches!(
            AllowedOrigin::parse("http://partner.example"),
            Err(InvalidUri::InsecureHttp(_))
        ));
    }
}
