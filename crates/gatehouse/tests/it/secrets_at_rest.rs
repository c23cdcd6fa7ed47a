//! Nothing secret is stored in plain text: a test reads every text value of every table.

use std::time::Duration;

use gatehouse::domain::Digest;
use gatehouse::storage::{Backend, NewGrant, NewToken, now};
use sqlx::{Column, Row};

use crate::support::{Cli, TestDb, on_both_backends};

async fn no_secret_code_token_or_password_is_stored_in_plain_text(db: TestDb) {
    let cli = Cli::new(&db);
    let user: i64 = cli.create_user("ada@example.com").await.parse().unwrap();
    let org: i64 = cli
        .create_org("acme", "ada@example.com")
        .await
        .parse()
        .unwrap();
    let created = cli.create_app(&[], &[]).await.json();
    let first_secret = created["client_secret"].as_str().unwrap().to_owned();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let rotated = cli
        .run(&["app", "rotate-secret", &client_id, "--json"])
        .await
        .json();
    let second_secret = rotated["client_secret"].as_str().unwrap().to_owned();

    let storage = db.storage().await;
    let app = storage.find_application(&client_id).await.unwrap().unwrap();
    let auth = storage
        .grant_authorization(user, app.id, Some(org), app.scopes)
        .await
        .unwrap();
    let (code, access, refresh, session) = (
        "code-7f3a9c",
        "gat_access_5b2e71",
        "grt_refresh_90cd44",
        "session-c81e2f",
    );
    storage
        .create_grant(&NewGrant {
            code_digest: Digest::of(code),
            authorization_id: auth.id,
            application_id: app.id,
            user_id: user,
            organization_id: Some(org),
            redirect_uri: None,
            scopes: app.scopes,
            code_challenge: None,
            family_id: "family".into(),
            expires_at: now() + Duration::from_secs(60),
        })
        .await
        .unwrap();
    storage
        .create_token(&NewToken {
            access_digest: Digest::of(access),
            refresh_digest: Some(Digest::of(refresh)),
            last_chars: access[access.len() - 4..].to_owned(),
            authorization_id: auth.id,
            application_id: app.id,
            user_id: user,
            organization_id: Some(org),
            scopes: app.scopes,
            grant_scopes: app.scopes,
            family_id: "family".into(),
            expires_at: now() + Duration::from_secs(60),
            refresh_expires_at: None,
        })
        .await
        .unwrap();
    storage
        .create_session(
            &Digest::of(session),
            Some(user),
            now() + Duration::from_secs(60),
        )
        .await
        .unwrap();

    let stored = every_text_value(&db).await;

    assert!(
        stored.len() > 20,
        "the dump found too little to be meaningful: {stored:?}"
    );
    for secret in [
        &first_secret,
        &second_secret,
        "correct horse battery",
        code,
        access,
        refresh,
        session,
    ] {
        assert!(
            !stored.iter().any(|value| value.contains(secret)),
            "{secret:?} is stored in plain text"
        );
    }
    assert!(stored.contains(&Digest::of(&second_secret).as_str().to_owned()));
    assert!(stored.contains(&Digest::of(access).as_str().to_owned()));
}

on_both_backends![no_secret_code_token_or_password_is_stored_in_plain_text,];

/// Every text value in every gatehouse table.
async fn every_text_value(db: &TestDb) -> Vec<String> {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let tables_sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = 'public'"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(tables_sql)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(tables.iter().any(|t| t == "tokens"), "{tables:?}");

    let mut values = Vec::new();
    // sqlx's own bookkeeping holds the migrations' text and checksums, nothing of ours.
    for table in tables.into_iter().filter(|t| !t.starts_with("_sqlx")) {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&pool)
            .await
            .unwrap();
        for row in rows {
            for column in row.columns() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column.ordinal()) {
                    values.push(text);
                }
            }
        }
    }
    pool.close().await;
    values
}
