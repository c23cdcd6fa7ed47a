//! An authorization request, parsed and checked in the order RFC 6749 §4.1.2.1 requires:
//! problems with the client or its redirect URI are shown to the user and never redirected
//! (that would make gatehouse an open redirector); every later problem is sent back to the
//! client's redirect URI.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::{Application, ClientType, CodeChallenge, ScopeSet};
use crate::storage::Storage;
use crate::web::WebError;

/// The query of `GET /oauth/authorize/`, and the hidden fields of the consent form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub force_prompt: Option<String>,
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub application: Application,
    /// Where the answer goes: the URI sent, or the only registered one when none was.
    pub redirect_uri: String,
    /// The URI exactly as the client sent it; a code issued for one must be redeemed with it.
    pub redirect_uri_sent: Option<String>,
    pub scopes: ScopeSet,
    pub state: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub force_prompt: bool,
}

/// Why a request was refused, and how the refusal travels.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown to the user: the client or redirect URI cannot be trusted.
    Page(WebError),
    /// Sent back to the client's redirect URI.
    Redirect(ErrorRedirect),
}

#[derive(Debug)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub error: &'static str,
    pub description: String,
}

impl From<WebError> for AuthorizeError {
    fn from(error: WebError) -> Self {
        AuthorizeError::Page(error)
    }
}

impl AuthorizeParams {
    pub async fn validate(&self, storage: &Storage) -> Result<AuthorizeRequest, AuthorizeError> {
        let application = self.client(storage).await?;
        let (redirect_uri, redirect_uri_sent) = self.redirect_uri(&application)?;
        let refuse = |error, description: &str| {
            AuthorizeError::Redirect(ErrorRedirect {
                redirect_uri: redirect_uri.clone(),
                state: self.state.clone(),
                error,
                description: description.to_owned(),
            })
        };

        if self.response_type.as_deref() != Some("code") {
            return Err(refuse(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
        let scopes = match self.scope.as_deref().map(ScopeSet::parse) {
            None => application.scopes,
            Some(Ok(scopes)) => scopes,
            Some(Err(unknown)) => return Err(refuse("invalid_scope", &unknown.to_string())),
        };
        if scopes.is_empty() || !scopes.is_subset_of(application.scopes) {
            return Err(refuse(
                "invalid_scope",
                "the requested scope is not one this application may request",
            ));
        }
        let code_challenge = match (&self.code_challenge, &self.code_challenge_method) {
            (Some(challenge), method) => Some(
                CodeChallenge::parse(challenge, method.as_deref())
                    .map_err(|error| refuse("invalid_request", &error.to_string()))?,
            ),
            (None, Some(_)) => {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge_method was sent without code_challenge",
                ));
            }
            (None, None) if application.client_type == ClientType::Public => {
                return Err(refuse(
                    "invalid_request",
                    "public clients must send a PKCE code_challenge",
                ));
            }
            (None, None) => None,
        };

        Ok(AuthorizeRequest {
            redirect_uri,
            redirect_uri_sent,
            scopes,
            state: self.state.clone(),
            code_challenge,
            force_prompt: self.force_prompt.as_deref().is_some_and(is_truthy),
            application,
        })
    }

    async fn client(&self, storage: &Storage) -> Result<Application, AuthorizeError> {
        let Some(client_id) = self.client_id.as_deref().filter(|id| !id.is_empty()) else {
            return Err(invalid_client("The request has no client_id parameter."));
        };
        match storage
            .find_application(client_id)
            .await
            .map_err(WebError::from)?
        {
            Some(app) if app.is_active() => Ok(app),
            _ => Err(invalid_client(
                "The client_id parameter names no active application.",
            )),
        }
    }

    /// Returns the URI to answer at and the URI as sent.
    fn redirect_uri(
        &self,
        application: &Application,
    ) -> Result<(String, Option<String>), AuthorizeError> {
        match self.redirect_uri.as_deref() {
            Some(sent) if application.redirect_uris.iter().any(|r| r.matches(sent)) => {
                Ok((sent.to_owned(), Some(sent.to_owned())))
            }
            Some(_) => Err(invalid_redirect(
                "The redirect_uri parameter is not registered for this application.",
            )),
            None => match application.redirect_uris.as_slice() {
                [only] => Ok((only.as_str().to_owned(), None)),
                _ => Err(invalid_redirect(
                    "The redirect_uri parameter is required: this application has several.",
                )),
            },
        }
    }
}

/// Parses form-encoded parameters. A parameter sent twice is refused (RFC 6749 §3.1): which
/// of the two was meant cannot be known.
pub fn parse_params<T: serde::de::DeserializeOwned>(raw: &[u8]) -> Result<T, WebError> {
    serde_urlencoded::from_bytes(raw).map_err(|_| {
        WebError::bad_request(
            "Malformed request",
            "The request repeats a parameter or is not valid form encoding.",
        )
    })
}

fn invalid_client(message: &str) -> AuthorizeError {
    AuthorizeError::Page(WebError::bad_request("Invalid client_id", message))
}

fn invalid_redirect(message: &str) -> AuthorizeError {
    AuthorizeError::Page(WebError::bad_request("Invalid redirect_uri", message))
}

fn is_truthy(value: &str) -> bool {
    matches!(value, "1" | "true" | "True" | "yes")
}

/// `redirect_uri` with `params` appended to whatever query it already has (RFC 6749 §3.1.2),
/// then `state` when sent and `iss` (RFC 9207), exactly as configured.
pub fn redirect_location(
    redirect_uri: &str,
    params: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> String {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        // Registered URIs were parsed at registration; this cannot fail for them.
        return redirect_uri.to_owned();
    };
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in params {
            query.append_pair(key, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    url.into()
}
