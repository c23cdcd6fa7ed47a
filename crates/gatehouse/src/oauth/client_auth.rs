//! Client authentication at the token endpoint (RFC 6749 §2.3): HTTP Basic or
//! `client_id`/`client_secret` in the body, never both; a public client sends `client_id`
//! alone.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::error::OAuthError;
use crate::domain::{Application, ClientType};
use crate::storage::Storage;

/// The credentials a request presented, before they are checked.
#[derive(Debug)]
pub struct Presented {
    client_id: String,
    secret: Option<String>,
}

impl Presented {
    /// Reads the credentials from the `Authorization` header or the form fields.
    pub fn read(
        headers: &HeaderMap,
        body_client_id: Option<&str>,
        body_secret: Option<&str>,
    ) -> Result<Presented, OAuthError> {
        let basic = basic_credentials(headers)?;
        match (basic, body_client_id, body_secret) {
            (Some(_), _, Some(_)) => Err(OAuthError::invalid_request(
                "use one client authentication method, not HTTP Basic and client_secret both",
            )),
            (Some(basic), Some(id), None) if id != basic.client_id => Err(
                OAuthError::invalid_request("client_id differs from the HTTP Basic user"),
            ),
            (Some(basic), _, None) => Ok(basic),
            (None, Some(id), secret) => Ok(Presented {
                client_id: id.to_owned(),
                secret: secret.map(str::to_owned),
            }),
            (None, None, _) => Err(OAuthError::invalid_client(
                "client authentication is missing",
            )),
        }
    }

    /// The active application these credentials belong to.
    pub async fn authenticate(&self, storage: &Storage) -> Result<Application, OAuthError> {
        let unknown = || OAuthError::invalid_client("client authentication failed");
        let app = storage
            .find_application(&self.client_id)
            .await?
            .ok_or_else(unknown)?;

        let authentic = match (&app.client_type, &app.secret_digest, &self.secret) {
            (ClientType::Confidential, Some(digest), Some(secret)) => {
                digest.verify(secret) || self.is_previous_secret(storage, secret).await?
            }
            (ClientType::Public, _, None) => true,
            _ => false,
        };
        if !authentic {
            return Err(unknown());
        }
        if !app.is_active() {
            return Err(OAuthError::invalid_client("the application is inactive"));
        }
        Ok(app)
    }
}

impl Presented {
    /// Whether `secret` is the one replaced by a rotation still in its grace period: only
    /// looked up when the current secret did not match.
    async fn is_previous_secret(
        &self,
        storage: &Storage,
        secret: &str,
    ) -> Result<bool, OAuthError> {
        let previous = storage.previous_secret(&self.client_id).await?;
        Ok(previous.is_some_and(|digest| digest.verify(secret)))
    }
}

/// HTTP Basic credentials, whose parts are form-urlencoded before base64 (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Presented>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("the Authorization header is malformed");
    let value = value.to_str().map_err(|_| malformed())?;
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Err(malformed());
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some(Presented {
        client_id: form_decode(id),
        secret: Some(form_decode(secret)).filter(|s| !s.is_empty()),
    }))
}

fn form_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .next()
        .map(|(_, decoded)| decoded.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(user_pass: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(user_pass));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).unwrap(),
        );
        headers
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let presented = Presented::read(&basic("abc:sntrya%5Fx%2By"), None, None).unwrap();

        assert_eq!(presented.client_id, "abc");
        assert_eq!(presented.secret.as_deref(), Some("sntrya_x+y"));
    }

    #[test]
    fn basic_and_a_body_secret_together_are_refused() {
        let error = Presented::read(&basic("abc:s"), None, Some("s")).unwrap_err();

        assert_eq!(error.code(), "invalid_request");
    }

    #[test]
    fn a_body_client_id_alone_is_a_public_client() {
        let presented = Presented::read(&HeaderMap::new(), Some("abc"), None).unwrap();

        assert_eq!(presented.secret, None);
    }

    #[test]
    fn no_credentials_at_all_is_an_invalid_client() {
        let error = Presented::read(&HeaderMap::new(), None, None).unwrap_err();

        assert_eq!(error.code(), "invalid_client");
    }
}
