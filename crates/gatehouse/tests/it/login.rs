//! Signing in and out: sessions in the database, rotated ids, CSRF, no open redirect, and
//! the same answer for a wrong email as for a wrong password.

use gatehouse::storage::UserStatus;

use crate::support::{PASSWORD, TestApp, TestDb, header, hidden_value, on_both_backends};

async fn signed_in_page(app: &TestApp) -> String {
    app.get("/").await.text().await.unwrap()
}

async fn the_sign_in_form_carries_a_csrf_token_matching_its_cookie(db: TestDb) {
    let app = TestApp::spawn(db).await;

    let response = app.get("/auth/login/").await;

    assert_eq!(response.status(), 200);
    let cookies = header(&response, "set-cookie");
    assert!(header(&response, "content-security-policy").contains("frame-ancestors 'none'"));
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"name="username""#) && page.contains(r#"name="password""#));
    let token = hidden_value(&page, "csrfmiddlewaretoken");
    assert!(cookies.contains(&format!("csrftoken={token}")), "{cookies}");
}

async fn signing_in_starts_an_http_only_session_and_returns_to_next(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;

    let response = app
        .sign_in("ADA@example.com", PASSWORD, "/oauth/authorize/?client_id=x")
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        header(&response, "location"),
        "/oauth/authorize/?client_id=x"
    );
    let cookie = header(&response, "set-cookie");
    assert!(cookie.contains("gatehouse_session=gss_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        signed_in_page(&app)
            .await
            .contains("Signed in as <strong>Ada Lovelace</strong>")
    );
}

async fn the_session_id_changes_at_every_sign_in(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    let first = app.sign_in("ada@example.com", PASSWORD, "/").await;
    let first_cookie = header(&first, "set-cookie");

    let second = app.sign_in("ada@example.com", PASSWORD, "/").await;

    let second_cookie = header(&second, "set-cookie");
    let id = |cookie: &str| cookie.split(';').next().unwrap().to_owned();
    assert_ne!(id(&first_cookie), id(&second_cookie));
    let replayed = reqwest::Client::new()
        .get(format!("{}/", app.address))
        .header("cookie", id(&first_cookie))
        .send()
        .await
        .unwrap();
    assert!(
        !replayed.text().await.unwrap().contains("Signed in as"),
        "the session replaced at sign-in no longer works"
    );
}

async fn a_wrong_email_and_a_wrong_password_get_the_same_answer(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;

    let wrong_password = app
        .sign_in("ada@example.com", "not the password", "/")
        .await;
    let wrong_email = app.sign_in("nobody@example.com", PASSWORD, "/").await;

    for response in [wrong_password, wrong_email] {
        assert_eq!(response.status(), 200);
        assert!(!header(&response, "set-cookie").contains("gatehouse_session"));
        let page = response.text().await.unwrap();
        assert!(
            page.contains("The email or password is not right."),
            "{page}"
        );
    }
    assert!(!signed_in_page(&app).await.contains("Signed in as"));
}

async fn a_disabled_user_cannot_sign_in(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    app.storage
        .set_user_status("ada@example.com", UserStatus::Disabled)
        .await
        .unwrap();

    let response = app.sign_in("ada@example.com", PASSWORD, "/").await;

    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("not right"));
}

async fn a_sign_in_without_the_csrf_token_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    app.csrf_token().await;

    let response = app
        .post_form(
            "/auth/login/",
            &[
                ("username", "ada@example.com"),
                ("password", PASSWORD),
                ("csrfmiddlewaretoken", "forged"),
            ],
        )
        .await;

    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("did not come from this site")
    );
    assert!(!signed_in_page(&app).await.contains("Signed in as"));
}

async fn a_sign_in_posted_from_another_origin_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    let csrf = app.csrf_token().await;

    let response = app
        .client
        .post(format!("{}/auth/login/", app.address))
        .header("origin", "https://evil.example")
        .form(&[
            ("username", "ada@example.com"),
            ("password", PASSWORD),
            ("csrfmiddlewaretoken", &csrf),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
}

async fn next_pointing_off_the_site_returns_home_instead(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;

    for hostile in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
    ] {
        let response = app.sign_in("ada@example.com", PASSWORD, hostile).await;

        assert_eq!(header(&response, "location"), "/", "{hostile}");
    }
}

async fn signing_out_ends_the_session_everywhere(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.create_user("ada@example.com").await;
    let signed_in = app.sign_in("ada@example.com", PASSWORD, "/").await;
    let session = header(&signed_in, "set-cookie");
    let page = signed_in_page(&app).await;
    let csrf = hidden_value(&page, "csrfmiddlewaretoken");

    let response = app
        .post_form("/auth/logout/", &[("csrfmiddlewaretoken", &csrf)])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(header(&app.get("/").await, "location"), "/auth/login/");
    let replayed = reqwest::Client::new()
        .get(format!("{}/", app.address))
        .header("cookie", session.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!replayed.text().await.unwrap().contains("Signed in as"));
}

on_both_backends![
    the_sign_in_form_carries_a_csrf_token_matching_its_cookie,
    signing_in_starts_an_http_only_session_and_returns_to_next,
    the_session_id_changes_at_every_sign_in,
    a_wrong_email_and_a_wrong_password_get_the_same_answer,
    a_disabled_user_cannot_sign_in,
    a_sign_in_without_the_csrf_token_is_refused,
    a_sign_in_posted_from_another_origin_is_refused,
    next_pointing_off_the_site_returns_home_instead,
    signing_out_ends_the_session_everywhere,
];
