//! Registering applications and walking a user through consent, for the OAuth tests.

use gatehouse::domain::{
    AccessLevel, AllowedOrigin, Application, ClientSecret, ClientType, DisplayName, NewApplication,
    RedirectUri, ScopeSet, Slug, WebUrl,
};

use super::{PASSWORD, TestApp, header};

/// An organization-level application that may ask for `org:read project:write`.
pub async fn register(app: &TestApp, client_type: ClientType, redirect_uri: &str) -> Application {
    register_with_secret(app, client_type, redirect_uri, &[])
        .await
        .0
}

/// Like [`register`], with allowed origins, also returning the secret shown once.
pub async fn register_with_secret(
    app: &TestApp,
    client_type: ClientType,
    redirect_uri: &str,
    origins: &[&str],
) -> (Application, Option<ClientSecret>) {
    let new = new_application(
        client_type,
        redirect_uri,
        origins,
        AccessLevel::Organization,
    );
    app.storage.create_application(&new).await.unwrap()
}

/// An application named "Partner" that may ask for `org:read project:write`.
pub fn new_application(
    client_type: ClientType,
    redirect_uri: &str,
    origins: &[&str],
    access_level: AccessLevel,
) -> NewApplication {
    NewApplication {
        name: DisplayName::parse("Partner", "name", 64).unwrap(),
        client_type,
        redirect_uris: vec![RedirectUri::parse(redirect_uri).unwrap()],
        allowed_origins: origins
            .iter()
            .map(|o| AllowedOrigin::parse(o).unwrap())
            .collect(),
        homepage_url: WebUrl::parse("https://partner.example").unwrap(),
        privacy_url: WebUrl::parse("https://partner.example/privacy").unwrap(),
        terms_url: WebUrl::parse("https://partner.example/terms").unwrap(),
        scopes: ScopeSet::parse("org:read project:write").unwrap(),
        access_level,
    }
}

/// A user who owns organization `slug` and is signed in on the app's client. Returns the
/// organization's id.
pub async fn signed_in_owner(app: &TestApp, email: &str, slug: &str) -> i64 {
    let user = app.create_user(email).await;
    let org = app
        .storage
        .create_organization(
            &Slug::parse(slug).unwrap(),
            &DisplayName::parse("Acme", "name", 64).unwrap(),
            user.id,
        )
        .await
        .unwrap();
    app.sign_in(email, PASSWORD, "/").await;
    org.id
}

/// Opens `authorize_url` as the signed-in user, approves, and returns where gatehouse
/// redirected the browser.
pub async fn approve(app: &TestApp, authorize_url: &str) -> url::Url {
    let page = app.client.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "expected the consent page");
    let form = consent_form(&page.text().await.unwrap(), "approve");

    let answer = app.post_form("/oauth/authorize/", &borrowed(&form)).await;

    assert_eq!(answer.status(), 302);
    url::Url::parse(&header(&answer, "location")).unwrap()
}

/// Every hidden field of the consent page, and the button pressed.
pub fn consent_form(page: &str, op: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = page
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (name.to_owned(), unescape(value))
        })
        .collect();
    fields.push(("op".into(), op.into()));
    fields
}

/// Undoes the template engine's HTML escaping of attribute values.
fn unescape(value: &str) -> String {
    value
        .replace("&#38;", "&")
        .replace("&#43;", "+")
        .replace("&#61;", "=")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub fn borrowed(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
