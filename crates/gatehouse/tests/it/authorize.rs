//! `GET|POST /oauth/authorize/`: validation order, sign-in first, consent, and the redirect
//! back with a code bound to what the user approved.

use gatehouse::domain::{
    AccessLevel, Application, ApplicationStatus, ClientType, Digest, DisplayName, Slug,
};
use url::Url;

use crate::support::connect::{borrowed, consent_form, new_application, register};
use crate::support::{PASSWORD, TestApp, TestDb, header, hidden_value, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback?source=gatehouse";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A signed-in member of one organization, and a registered application.
async fn signed_in_with_app(app: &TestApp) -> (Application, i64) {
    let user = app.create_user("ada@example.com").await;
    let org = app
        .storage
        .create_organization(
            &Slug::parse("acme").unwrap(),
            &DisplayName::parse("Acme", "name", 64).unwrap(),
            user.id,
        )
        .await
        .unwrap();
    app.sign_in("ada@example.com", PASSWORD, "/").await;
    (
        register(app, ClientType::Confidential, CALLBACK).await,
        org.id,
    )
}

/// An authorization request where `extra` replaces or adds to valid defaults.
fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "org:read"),
        ("state", "st4te"),
    ];
    for (key, value) in extra {
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value,
            None => pairs.push((key, value)),
        }
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(pairs);
    format!("/oauth/authorize/?{}", query.finish())
}

/// The query parameters of a redirect's Location.
fn redirect_params(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = header(response, "location");
    assert!(
        location.starts_with("https://partner.example/callback?source=gatehouse&"),
        "{location}"
    );
    Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn an_unknown_client_or_redirect_uri_gets_a_page_not_a_redirect(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let registered = register(&app, ClientType::Confidential, CALLBACK).await;

    let unknown = app.get(&authorize_path(&"0".repeat(64), &[])).await;
    let path = authorize_path(registered.client_id.as_str(), &[]);
    let foreign = app
        .get(&path.replace("partner.example", "evil.example"))
        .await;

    for (response, title) in [
        (unknown, "Invalid client_id"),
        (foreign, "Invalid redirect_uri"),
    ] {
        assert_eq!(response.status(), 400);
        assert_eq!(header(&response, "location"), "");
        assert!(response.text().await.unwrap().contains(title));
    }
}

async fn later_errors_go_back_to_the_client_with_state_and_iss(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = register(&app, ClientType::Confidential, CALLBACK).await;
    let id = client.client_id.as_str();
    let cases: [(Vec<(&str, &str)>, &str); 4] = [
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "org:admin")], "invalid_scope"),
        (vec![("scope", "org:read org:delete")], "invalid_scope"),
        (
            vec![
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
    ];

    for (extra, error) in cases {
        let response = app.get(&authorize_path(id, &extra)).await;

        assert_eq!(response.status(), 302, "{extra:?}");
        let params = redirect_params(&response);
        assert_eq!(param(&params, "error"), Some(error), "{extra:?}");
        assert_eq!(param(&params, "state"), Some("st4te"));
        assert_eq!(param(&params, "iss"), Some(app.address.as_str()));
    }
}

async fn a_public_client_must_send_a_challenge(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = register(&app, ClientType::Public, CALLBACK).await;

    let response = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await;

    assert_eq!(
        param(&redirect_params(&response), "error"),
        Some("invalid_request")
    );
}

async fn a_signed_out_user_signs_in_first_and_is_told_which_app_asks(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = register(&app, ClientType::Confidential, CALLBACK).await;
    let path = authorize_path(client.client_id.as_str(), &[]);

    let response = app.get(&path).await;

    assert_eq!(response.status(), 302);
    let location = header(&response, "location");
    assert!(location.starts_with("/auth/login/?next="), "{location}");
    let page = app.get(&location).await.text().await.unwrap();
    assert!(page.contains("Sign in to connect <strong>Partner</strong> to Gatehouse"));
    assert_eq!(hidden_value(&page, "next"), path.replace('&', "&#38;"));
}

async fn approving_redirects_with_a_code_bound_to_the_chosen_organization(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (client, org_id) = signed_in_with_app(&app).await;
    let path = authorize_path(
        client.client_id.as_str(),
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );

    let consent = app.get(&path).await;
    assert_eq!(consent.status(), 200);
    assert!(header(&consent, "content-security-policy").contains("frame-ancestors 'none'"));
    let page = consent.text().await.unwrap();
    assert!(page.contains("is requesting access to your account (ada@example.com)"));
    assert!(page.contains("Read access to organization details"));
    assert_eq!(
        hidden_value(&page, "selected_organization_id"),
        org_id.to_string()
    );
    let form = consent_form(&page, "approve");
    let response = app.post_form("/oauth/authorize/", &borrowed(&form)).await;

    assert_eq!(response.status(), 302);
    let params = redirect_params(&response);
    assert_eq!(param(&params, "state"), Some("st4te"));
    assert_eq!(param(&params, "iss"), Some(app.address.as_str()));
    let code = param(&params, "code").unwrap();
    assert!(code.starts_with("gac_"));
    let mut bound = None;
    app.storage
        .redeem_grant(&Digest::of(code), |grant| {
            bound = Some(grant.clone());
            Err::<gatehouse::storage::NewToken, _>(())
        })
        .await
        .unwrap();
    let grant = bound.expect("the code was stored");
    assert_eq!(grant.organization_id, Some(org_id));
    assert_eq!(grant.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(grant.redirect_uri.as_deref(), Some(CALLBACK));
    assert_eq!(grant.scopes.to_string(), "org:read");
}

async fn denying_redirects_with_access_denied(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (client, _) = signed_in_with_app(&app).await;
    let page = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await
        .text()
        .await
        .unwrap();

    let response = app
        .post_form("/oauth/authorize/", &borrowed(&consent_form(&page, "deny")))
        .await;

    let params = redirect_params(&response);
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "code"), None);
}

async fn an_organization_the_user_is_not_in_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (client, org_id) = signed_in_with_app(&app).await;
    let page = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await
        .text()
        .await
        .unwrap();
    let mut form = consent_form(&page, "approve");
    for (name, value) in &mut form {
        if name == "selected_organization_id" {
            *value = (org_id + 1000).to_string();
        }
    }

    let response = app.post_form("/oauth/authorize/", &borrowed(&form)).await;

    assert_eq!(response.status(), 403);
    assert_eq!(header(&response, "location"), "");
}

async fn an_inactive_client_gets_a_page(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = register(&app, ClientType::Confidential, CALLBACK).await;
    app.storage
        .set_application_status(client.client_id.as_str(), ApplicationStatus::Inactive)
        .await
        .unwrap();

    let response = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await;

    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("no active application")
    );
}

async fn the_redirect_uri_may_be_left_out_only_with_one_registered(db: TestDb) {
    let app = TestApp::spawn(db).await;
    signed_in_with_app(&app).await;
    let one = register(&app, ClientType::Confidential, CALLBACK).await;
    let path = authorize_path(one.client_id.as_str(), &[]).replace(
        &format!(
            "&redirect_uri={}",
            url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>()
        ),
        "",
    );

    let response = app.get(&path).await;

    assert_eq!(response.status(), 200, "the one registered URI is used");
    let page = response.text().await.unwrap();
    assert!(!page.contains(r#"name="redirect_uri""#));
}

async fn several_organizations_are_offered_in_a_select(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (client, _) = signed_in_with_app(&app).await;
    let user = app
        .storage
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let second = app
        .storage
        .create_organization(
            &Slug::parse("globex").unwrap(),
            &DisplayName::parse("Globex", "name", 64).unwrap(),
            user.id,
        )
        .await
        .unwrap();

    let page = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await
        .text()
        .await
        .unwrap();

    assert!(
        page.contains(r#"<select id="selected_organization_id" name="selected_organization_id""#)
    );
    assert!(page.contains(&format!(r#"<option value="{}">Globex</option>"#, second.id)));
}

async fn a_user_in_no_organization_is_told_so(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    app.sign_in("ada@example.com", PASSWORD, "/").await;
    let client = register(&app, ClientType::Confidential, CALLBACK).await;

    let response = app
        .get(&authorize_path(client.client_id.as_str(), &[]))
        .await;

    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("belongs to none"));
}

async fn consent_is_skipped_for_a_user_level_app_already_approved(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    app.sign_in("ada@example.com", PASSWORD, "/").await;
    let client = register_user_level(&app).await;
    let path = authorize_path(client.client_id.as_str(), &[]);
    let page = app.get(&path).await.text().await.unwrap();
    let first = app
        .post_form(
            "/oauth/authorize/",
            &borrowed(&consent_form(&page, "approve")),
        )
        .await;
    assert!(param(&redirect_params(&first), "code").is_some());

    let again = app.get(&path).await;
    let forced = app
        .get(&authorize_path(
            client.client_id.as_str(),
            &[("force_prompt", "1")],
        ))
        .await;
    let wider = app
        .get(&authorize_path(
            client.client_id.as_str(),
            &[("scope", "org:read project:write")],
        ))
        .await;

    assert_eq!(again.status(), 302, "no consent page the second time");
    assert!(param(&redirect_params(&again), "code").is_some());
    assert_eq!(forced.status(), 200, "force_prompt shows the page again");
    assert_eq!(wider.status(), 200, "a wider request asks again");
}

async fn an_organization_level_app_always_asks(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (client, _) = signed_in_with_app(&app).await;
    let path = authorize_path(client.client_id.as_str(), &[]);
    let page = app.get(&path).await.text().await.unwrap();
    app.post_form(
        "/oauth/authorize/",
        &borrowed(&consent_form(&page, "approve")),
    )
    .await;

    let again = app.get(&path).await;

    assert_eq!(
        again.status(),
        200,
        "the user picks the organization every time"
    );
}

async fn register_user_level(app: &TestApp) -> Application {
    let new = new_application(ClientType::Confidential, CALLBACK, &[], AccessLevel::User);
    app.storage.create_application(&new).await.unwrap().0
}

async fn a_repeated_parameter_gets_a_page(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = register(&app, ClientType::Confidential, CALLBACK).await;
    let path = authorize_path(client.client_id.as_str(), &[]);

    let response = app.get(&format!("{path}&scope=project:write")).await;

    assert_eq!(response.status(), 400);
    assert_eq!(header(&response, "location"), "");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("repeats a parameter")
    );
}

on_both_backends![
    an_unknown_client_or_redirect_uri_gets_a_page_not_a_redirect,
    later_errors_go_back_to_the_client_with_state_and_iss,
    a_public_client_must_send_a_challenge,
    a_signed_out_user_signs_in_first_and_is_told_which_app_asks,
    approving_redirects_with_a_code_bound_to_the_chosen_organization,
    denying_redirects_with_access_denied,
    an_organization_the_user_is_not_in_is_refused,
    an_inactive_client_gets_a_page,
    the_redirect_uri_may_be_left_out_only_with_one_registered,
    several_organizations_are_offered_in_a_select,
    a_user_in_no_organization_is_told_so,
    consent_is_skipped_for_a_user_level_app_already_approved,
    an_organization_level_app_always_asks,
    a_repeated_parameter_gets_a_page,
];
