//! The storage API on both backends: the guarantees later flows rely on.

use std::time::Duration;

use gatehouse::domain::{
    AccessLevel, ClientType, Digest, DisplayName, Email, RevocationReason, Role, ScopeSet, Slug,
};
use gatehouse::storage::{
    NewGrant, NewToken, NewUser, Redemption, Rotation, Storage, StorageError, now,
};

use crate::support::connect::new_application;
use crate::support::{TestDb, on_both_backends};

/// A user, an organization they own, and an application, ready for grants and tokens.
struct World {
    storage: Storage,
    user_id: i64,
    org_id: i64,
    app_id: i64,
}

async fn world(db: &TestDb) -> World {
    let storage = db.storage().await;
    let user = storage
        .create_user(&NewUser {
            email: Email::parse("ada@example.com").unwrap(),
            name: DisplayName::parse("Ada", "name", 200).unwrap(),
            password_hash: "$argon2id$stand-in".into(),
        })
        .await
        .unwrap();
    let org = storage
        .create_organization(
            &Slug::parse("acme").unwrap(),
            &DisplayName::parse("Acme", "name", 64).unwrap(),
            user.id,
        )
        .await
        .unwrap();
    let new = new_application(
        ClientType::Confidential,
        "https://partner.example/cb",
        &[],
        AccessLevel::Organization,
    );
    let (app, _) = storage.create_application(&new).await.unwrap();
    World {
        storage,
        user_id: user.id,
        org_id: org.id,
        app_id: app.id,
    }
}

fn scopes(names: &str) -> ScopeSet {
    ScopeSet::parse(names).unwrap()
}

fn new_grant(w: &World, authorization_id: i64, code: &str) -> NewGrant {
    NewGrant {
        code_digest: Digest::of(code),
        authorization_id,
        application_id: w.app_id,
        user_id: w.user_id,
        organization_id: Some(w.org_id),
        redirect_uri: Some("https://partner.example/cb".into()),
        scopes: scopes("org:read"),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        family_id: "family-1".into(),
        expires_at: now() + Duration::from_secs(600),
    }
}

fn new_token(w: &World, authorization_id: i64, access: &str, family: &str) -> NewToken {
    NewToken {
        access_digest: Digest::of(access),
        refresh_digest: Some(Digest::of(&format!("{access}-refresh"))),
        last_chars: access[access.len() - 4..].to_owned(),
        authorization_id,
        application_id: w.app_id,
        user_id: w.user_id,
        organization_id: Some(w.org_id),
        scopes: scopes("org:read"),
        grant_scopes: scopes("org:read"),
        family_id: family.into(),
        expires_at: now() + Duration::from_secs(3600),
        refresh_expires_at: Some(now() + Duration::from_secs(7200)),
    }
}

async fn emails_are_unique_without_regard_to_case(db: TestDb) {
    let w = world(&db).await;

    let again = w
        .storage
        .create_user(&NewUser {
            email: Email::parse("ADA@EXAMPLE.COM").unwrap(),
            name: DisplayName::parse("Ada", "name", 200).unwrap(),
            password_hash: "x".into(),
        })
        .await;

    assert!(matches!(again, Err(StorageError::Conflict)), "{again:?}");
    let found = w
        .storage
        .find_user_by_email("Ada@Example.Com")
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id), Some(w.user_id));
}

async fn an_organization_is_created_with_its_owner_in_one_step(db: TestDb) {
    let w = world(&db).await;

    assert_eq!(
        w.storage.find_role(w.org_id, w.user_id).await.unwrap(),
        Some(Role::Owner)
    );
    let clash = w
        .storage
        .create_organization(
            &Slug::parse("acme").unwrap(),
            &DisplayName::parse("Other", "name", 64).unwrap(),
            w.user_id,
        )
        .await;
    assert!(matches!(clash, Err(StorageError::Conflict)));
    assert_eq!(
        w.storage.list_memberships(w.user_id).await.unwrap().len(),
        1
    );
}

async fn applications_round_trip_every_field(db: TestDb) {
    let w = world(&db).await;

    let apps = w.storage.list_applications().await.unwrap();

    assert_eq!(apps.len(), 1);
    let app = &apps[0];
    assert_eq!(app.id, w.app_id);
    assert_eq!(app.name, "Partner");
    assert_eq!(app.redirect_uris[0].as_str(), "https://partner.example/cb");
    assert_eq!(
        app.scopes.to_string(),
        "org:read project:read project:write"
    );
    assert_eq!(app.access_level, AccessLevel::Organization);
    assert!(app.is_active());
    let again = w
        .storage
        .find_application(app.client_id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.created_at, app.created_at);
}

async fn consent_creates_an_authorization_then_widens_it(db: TestDb) {
    let w = world(&db).await;
    let org = Some(w.org_id);

    let first = w
        .storage
        .grant_authorization(w.user_id, w.app_id, org, scopes("org:read"))
        .await
        .unwrap();
    let second = w
        .storage
        .grant_authorization(w.user_id, w.app_id, org, scopes("project:write"))
        .await
        .unwrap();

    assert_eq!(first.id, second.id);
    assert_eq!(
        second.scopes.to_string(),
        "org:read project:read project:write"
    );
    let stored = w
        .storage
        .find_authorization(w.user_id, w.app_id, org)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.scopes, second.scopes);
}

async fn user_level_and_organization_authorizations_are_kept_apart(db: TestDb) {
    let w = world(&db).await;

    let user_level = w
        .storage
        .grant_authorization(w.user_id, w.app_id, None, scopes("openid"))
        .await
        .unwrap();
    let again = w
        .storage
        .grant_authorization(w.user_id, w.app_id, None, scopes("email"))
        .await
        .unwrap();
    let for_org = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();

    assert_eq!(user_level.id, again.id);
    assert_ne!(user_level.id, for_org.id);
    assert_eq!(again.scopes.to_string(), "email openid");
}

async fn concurrent_first_consents_make_one_authorization(db: TestDb) {
    let w = world(&db).await;

    let attempts = (0..6).map(|i| {
        let storage = w.storage.clone();
        let extra = if i % 2 == 0 {
            "org:read"
        } else {
            "project:read"
        };
        let (user, app, org) = (w.user_id, w.app_id, Some(w.org_id));
        tokio::spawn(async move {
            storage
                .grant_authorization(user, app, org, scopes(extra))
                .await
        })
    });
    let mut ids = Vec::new();
    for attempt in attempts {
        if let Ok(authorization) = attempt.await.unwrap() {
            ids.push(authorization.id);
        }
    }

    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

async fn a_code_is_redeemed_exactly_once_under_concurrency(db: TestDb) {
    let w = world(&db).await;
    let auth = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();
    w.storage
        .create_grant(&new_grant(&w, auth.id, "the-code"))
        .await
        .unwrap();

    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let storage = w.storage.clone();
            let token = new_token(&w, auth.id, &format!("access-{i}"), "family-1");
            tokio::spawn(async move {
                storage
                    .redeem_grant(&Digest::of("the-code"), |_| Ok::<_, ()>(token))
                    .await
            })
        })
        .collect();
    let mut issued = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(Redemption::Issued { grant, .. }) => issued.push(grant),
            Ok(Redemption::Replayed { .. } | Redemption::Unknown) | Err(StorageError::Busy) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    assert_eq!(issued.len(), 1);
    let grant = &issued[0];
    assert_eq!(grant.user_id, w.user_id);
    assert_eq!(grant.organization_id, Some(w.org_id));
    assert_eq!(
        grant.redirect_uri.as_deref(),
        Some("https://partner.example/cb")
    );
    assert_eq!(grant.family_id, "family-1");
}

async fn a_refused_exchange_still_consumes_the_code(db: TestDb) {
    let w = world(&db).await;
    let auth = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();
    w.storage
        .create_grant(&new_grant(&w, auth.id, "the-code"))
        .await
        .unwrap();
    let code = Digest::of("the-code");

    let first = w
        .storage
        .redeem_grant(&code, |_| Err::<NewToken, _>("wrong verifier"))
        .await;
    let token = new_token(&w, auth.id, "access-one", "family-1");
    let second = w
        .storage
        .redeem_grant(&code, |_| Ok::<_, &str>(token))
        .await;

    assert!(matches!(first, Ok(Redemption::Rejected("wrong verifier"))));
    assert!(
        matches!(second, Ok(Redemption::Replayed { revoked: 0 })),
        "{second:?}"
    );
    assert!(
        w.storage
            .find_token(&Digest::of("access-one"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_refresh_rotates_once_and_a_replay_revokes_the_family(db: TestDb) {
    let w = world(&db).await;
    let auth = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();
    w.storage
        .create_token(&new_token(&w, auth.id, "access-one", "family-a"))
        .await
        .unwrap();
    let refresh = Digest::of("access-one-refresh");

    let next = new_token(&w, auth.id, "access-two", "family-a");
    let rotated = w
        .storage
        .rotate_refresh_token(&refresh, |_| Ok::<_, ()>(next))
        .await;
    let old = w
        .storage
        .find_token(&Digest::of("access-one"))
        .await
        .unwrap()
        .unwrap();
    let third = new_token(&w, auth.id, "access-three", "family-a");
    let replayed = w
        .storage
        .rotate_refresh_token(&refresh, |_| Ok::<_, ()>(third))
        .await;

    assert!(
        matches!(rotated, Ok(Rotation::Rotated { .. })),
        "{rotated:?}"
    );
    assert!(
        old.rotated_at.is_some(),
        "the replaced access token is retired"
    );
    assert!(
        matches!(replayed, Ok(Rotation::Replayed { revoked: 2 })),
        "{replayed:?}"
    );
    assert!(
        w.storage
            .find_token(&Digest::of("access-two"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.storage
            .find_token(&Digest::of("access-three"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn tokens_are_found_by_digest_and_revoked_by_family(db: TestDb) {
    let w = world(&db).await;
    let auth = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();
    w.storage
        .create_token(&new_token(&w, auth.id, "access-one", "family-a"))
        .await
        .unwrap();
    w.storage
        .create_token(&new_token(&w, auth.id, "access-two", "family-a"))
        .await
        .unwrap();
    w.storage
        .create_token(&new_token(&w, auth.id, "access-three", "family-b"))
        .await
        .unwrap();

    let found = w
        .storage
        .find_token(&Digest::of("access-one"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.last_chars, "-one");
    assert_eq!(found.scopes.to_string(), "org:read");
    assert!(found.rotated_at.is_none());
    assert!(
        w.storage
            .find_token(&Digest::of("access-unknown"))
            .await
            .unwrap()
            .is_none()
    );

    let revoked = w
        .storage
        .revoke_family("family-a", RevocationReason::TokenReuse)
        .await;
    assert_eq!(revoked.unwrap(), 2);
    assert!(
        w.storage
            .find_token(&Digest::of("access-one"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.storage
            .find_token(&Digest::of("access-three"))
            .await
            .unwrap()
            .is_some()
    );
}

async fn sessions_are_found_until_they_expire_or_are_deleted(db: TestDb) {
    let w = world(&db).await;
    let live = Digest::of("live-session");
    let stale = Digest::of("stale-session");
    w.storage
        .create_session(&live, Some(w.user_id), now() + Duration::from_secs(3600))
        .await
        .unwrap();
    w.storage
        .create_session(&stale, None, now() - Duration::from_secs(1))
        .await
        .unwrap();

    let session = w.storage.find_session(&live).await.unwrap().unwrap();
    assert_eq!(session.user_id, Some(w.user_id));
    assert!(w.storage.find_session(&stale).await.unwrap().is_none());

    w.storage.delete_session(&live).await.unwrap();
    assert!(w.storage.find_session(&live).await.unwrap().is_none());
}

async fn deleting_a_user_takes_their_memberships_and_tokens_along(db: TestDb) {
    let w = world(&db).await;
    let auth = w
        .storage
        .grant_authorization(w.user_id, w.app_id, Some(w.org_id), scopes("org:read"))
        .await
        .unwrap();
    w.storage
        .create_token(&new_token(&w, auth.id, "access-one", "family-a"))
        .await
        .unwrap();

    w.storage.remove_member(w.org_id, w.user_id).await.unwrap();

    assert_eq!(
        w.storage.find_role(w.org_id, w.user_id).await.unwrap(),
        None
    );
    assert!(matches!(
        w.storage.remove_member(w.org_id, w.user_id).await,
        Err(StorageError::NotFound)
    ));
}

on_both_backends![
    emails_are_unique_without_regard_to_case,
    an_organization_is_created_with_its_owner_in_one_step,
    applications_round_trip_every_field,
    consent_creates_an_authorization_then_widens_it,
    user_level_and_organization_authorizations_are_kept_apart,
    concurrent_first_consents_make_one_authorization,
    a_code_is_redeemed_exactly_once_under_concurrency,
    a_refused_exchange_still_consumes_the_code,
    a_refresh_rotates_once_and_a_replay_revokes_the_family,
    tokens_are_found_by_digest_and_revoked_by_family,
    sessions_are_found_until_they_expire_or_are_deleted,
    deleting_a_user_takes_their_memberships_and_tokens_along,
];
