//! The admin CLI, through the real binary: every command, on both backends, and every kind
//! of bad input refused with exit status 2 and nothing written.

use serde_json::json;

use crate::support::{Cli, TestDb, on_both_backends};

async fn migrate_is_idempotent(db: TestDb) {
    let cli = Cli::new(&db);

    for _ in 0..2 {
        let output = cli.run(&["migrate"]).await;
        assert_eq!(output.code, 0, "{}", output.stderr);
        assert_eq!(output.stdout, "migrations applied\n");
    }
}

async fn user_create_prints_one_json_object_with_a_string_id(db: TestDb) {
    let output = Cli::new(&db)
        .run_with_stdin(
            &[
                "user",
                "create",
                "--email",
                "Ada@Example.com",
                "--name",
                "Ada",
                "--password-stdin",
                "--json",
            ],
            "correct horse battery\n",
        )
        .await;

    let user = output.json();
    assert!(user["id"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(user["email"], "Ada@Example.com");
    assert_eq!(user["name"], "Ada");
    assert_eq!(output.stderr, "", "admin commands log nothing by default");
}

async fn user_create_stores_an_argon2id_hash_that_verifies(db: TestDb) {
    Cli::new(&db).create_user("ada@example.com").await;

    let storage = db.storage().await;
    let (_, hash) = storage
        .find_credentials("ADA@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    let password = gatehouse::domain::Password::presented("correct horse battery".into());
    assert!(password.verify(&hash));
}

async fn user_create_without_a_terminal_or_stdin_flag_asks_for_stdin(db: TestDb) {
    let output = Cli::new(&db)
        .run(&[
            "user",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ])
        .await;

    output.assert_invalid("--password-stdin");
    assert_nothing_written(&db).await;
}

async fn user_disable_and_enable_flip_the_status(db: TestDb) {
    let cli = Cli::new(&db);
    cli.create_user("ada@example.com").await;
    let storage = db.storage().await;

    let output = cli.run(&["user", "disable", "ADA@example.com"]).await;
    assert_eq!(output.code, 0, "{}", output.stderr);
    let user = storage
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(!user.is_active());

    let output = cli.run(&["user", "enable", "ada@example.com"]).await;
    assert_eq!(output.code, 0, "{}", output.stderr);
    let user = storage
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_active());
}

async fn user_disable_of_an_unknown_email_is_refused(db: TestDb) {
    let output = Cli::new(&db)
        .run(&["user", "disable", "nobody@example.com"])
        .await;

    output.assert_invalid("no user with email nobody@example.com");
}

async fn a_duplicate_email_is_refused_whatever_its_case(db: TestDb) {
    let cli = Cli::new(&db);
    let first = cli.create_user("ada@example.com").await;

    let output = cli
        .run_with_stdin(
            &[
                "user",
                "create",
                "--email",
                "ADA@example.com",
                "--name",
                "Impostor",
                "--password-stdin",
            ],
            "another password\n",
        )
        .await;

    output.assert_invalid("a user with email ADA@example.com exists");
    let storage = db.storage().await;
    let user = storage
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id.to_string(), first);
    assert_eq!(user.name, "Test User");
}

async fn bad_user_input_is_refused_before_anything_is_written(db: TestDb) {
    let cli = Cli::new(&db);
    let cases = [
        (
            ["--email", "not-an-email", "--name", "Ada"],
            "is not an email address",
        ),
        (
            ["--email", "ada@example.com", "--name", "  "],
            "the name may not be empty",
        ),
    ];
    for (args, message) in cases {
        let mut argv = vec!["user", "create", "--password-stdin"];
        argv.extend(args);
        cli.run_with_stdin(&argv, "correct horse battery\n")
            .await
            .assert_invalid(message);
    }
    cli.run_with_stdin(
        &[
            "user",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--password-stdin",
        ],
        "short\n",
    )
    .await
    .assert_invalid("at least 8 characters");

    assert_nothing_written(&db).await;
}

async fn org_create_makes_the_owner_its_owner(db: TestDb) {
    let cli = Cli::new(&db);
    let owner = cli.create_user("owner@example.com").await;

    let output = cli
        .run(&[
            "org",
            "create",
            "--slug",
            "acme",
            "--name",
            "Acme Corp",
            "--owner",
            "OWNER@example.com",
            "--json",
        ])
        .await;

    let org = output.json();
    assert_eq!(org["slug"], "acme");
    assert_eq!(org["name"], "Acme Corp");
    let storage = db.storage().await;
    let memberships = storage
        .list_memberships(owner.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        memberships[0].organization.id.to_string(),
        org["id"].as_str().unwrap()
    );
    assert_eq!(memberships[0].role, gatehouse::domain::Role::Owner);
}

async fn bad_org_input_is_refused_and_nothing_is_written(db: TestDb) {
    let cli = Cli::new(&db);
    cli.create_user("owner@example.com").await;
    let cases = [
        (
            [
                "--slug",
                "Acme Corp",
                "--name",
                "Acme",
                "--owner",
                "owner@example.com",
            ],
            "is not a valid slug",
        ),
        (
            [
                "--slug",
                "acme",
                "--name",
                "",
                "--owner",
                "owner@example.com",
            ],
            "the organization name may not be empty",
        ),
        (
            [
                "--slug",
                "acme",
                "--name",
                "Acme",
                "--owner",
                "ghost@example.com",
            ],
            "no user with email ghost@example.com",
        ),
    ];
    for (args, message) in cases {
        let mut argv = vec!["org", "create"];
        argv.extend(args);
        cli.run(&argv).await.assert_invalid(message);
    }

    let storage = db.storage().await;
    assert!(
        storage
            .find_organization_by_slug("acme")
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_duplicate_slug_is_refused(db: TestDb) {
    let cli = Cli::new(&db);
    cli.create_user("owner@example.com").await;
    let other = cli.create_user("other@example.com").await;
    let first = cli.create_org("acme", "owner@example.com").await;

    let output = cli
        .run(&[
            "org",
            "create",
            "--slug",
            "acme",
            "--name",
            "Acme 2",
            "--owner",
            "other@example.com",
        ])
        .await;

    output.assert_invalid("an organization with slug acme exists");
    let storage = db.storage().await;
    let org = storage
        .find_organization_by_slug("acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.id.to_string(), first);
    assert!(
        storage
            .list_memberships(other.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn members_are_added_promoted_and_removed(db: TestDb) {
    let cli = Cli::new(&db);
    cli.create_user("owner@example.com").await;
    let member = cli.create_user("member@example.com").await;
    let org: i64 = cli
        .create_org("acme", "owner@example.com")
        .await
        .parse()
        .unwrap();
    let member: i64 = member.parse().unwrap();
    let storage = db.storage().await;
    use gatehouse::domain::Role;

    let add = cli
        .run(&[
            "org",
            "add-member",
            "--org",
            "acme",
            "--email",
            "member@example.com",
            "--role",
            "member",
        ])
        .await;
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(
        storage.find_role(org, member).await.unwrap(),
        Some(Role::Member)
    );

    let promote = cli
        .run(&[
            "org",
            "set-role",
            "--org",
            "acme",
            "--email",
            "member@example.com",
            "--role",
            "manager",
        ])
        .await;
    assert_eq!(promote.code, 0, "{}", promote.stderr);
    assert_eq!(
        storage.find_role(org, member).await.unwrap(),
        Some(Role::Manager)
    );

    let remove = cli
        .run(&[
            "org",
            "remove-member",
            "--org",
            "acme",
            "--email",
            "member@example.com",
        ])
        .await;
    assert_eq!(remove.code, 0, "{}", remove.stderr);
    assert_eq!(storage.find_role(org, member).await.unwrap(), None);
}

async fn membership_commands_name_what_is_unknown(db: TestDb) {
    let cli = Cli::new(&db);
    cli.create_user("owner@example.com").await;
    cli.create_user("outsider@example.com").await;
    cli.create_org("acme", "owner@example.com").await;

    cli.run(&[
        "org",
        "add-member",
        "--org",
        "nope",
        "--email",
        "owner@example.com",
        "--role",
        "admin",
    ])
    .await
    .assert_invalid("no organization with slug nope");
    cli.run(&[
        "org",
        "add-member",
        "--org",
        "acme",
        "--email",
        "ghost@example.com",
        "--role",
        "admin",
    ])
    .await
    .assert_invalid("no user with email ghost@example.com");
    cli.run(&[
        "org",
        "add-member",
        "--org",
        "acme",
        "--email",
        "owner@example.com",
        "--role",
        "admin",
    ])
    .await
    .assert_invalid("already a member of acme");
    cli.run(&[
        "org",
        "set-role",
        "--org",
        "acme",
        "--email",
        "outsider@example.com",
        "--role",
        "admin",
    ])
    .await
    .assert_invalid("outsider@example.com is not a member of acme");
    cli.run(&[
        "org",
        "remove-member",
        "--org",
        "acme",
        "--email",
        "outsider@example.com",
    ])
    .await
    .assert_invalid("outsider@example.com is not a member of acme");

    let output = cli
        .run(&[
            "org",
            "add-member",
            "--org",
            "acme",
            "--email",
            "outsider@example.com",
            "--role",
            "emperor",
        ])
        .await;
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("unknown role \"emperor\""),
        "{}",
        output.stderr
    );
}

async fn app_create_prints_the_application_with_its_secret_once(db: TestDb) {
    let cli = Cli::new(&db);

    let created = cli
        .create_app(
            &[
                ("--redirect-uri", "http://127.0.0.1/callback"),
                ("--allowed-origin", "https://partner.example"),
                ("--scopes", "org:write project:read"),
            ],
            &[],
        )
        .await
        .json();

    let client_id = created["client_id"].as_str().unwrap();
    assert_eq!(client_id.len(), 64);
    assert!(
        client_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let secret = created["client_secret"].as_str().unwrap();
    assert!(
        secret.starts_with("sntrya_") && secret.len() == 71,
        "{secret}"
    );
    assert_eq!(created["name"], "Partner");
    assert_eq!(
        created["redirect_uris"],
        json!([
            "https://partner.example/callback",
            "http://127.0.0.1/callback"
        ])
    );
    assert_eq!(
        created["allowed_origins"],
        json!(["https://partner.example"])
    );
    assert_eq!(
        created["scopes"],
        json!(["org:read", "org:write", "project:read"])
    );
    assert_eq!(created["public"], false);
    assert_eq!(created["org_level"], true);
    assert_eq!(created["status"], "active");

    let shown = cli.run(&["app", "show", client_id, "--json"]).await.json();
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(shown, expected, "show has everything but the secret");
}

async fn a_public_user_level_app_has_no_secret(db: TestDb) {
    let created = Cli::new(&db)
        .create_app(&[], &["--public", "--user-level"])
        .await
        .json();

    assert_eq!(created["client_secret"], json!(null));
    assert_eq!(created["public"], true);
    assert_eq!(created["org_level"], false);
}

async fn app_list_returns_every_application_in_order(db: TestDb) {
    let cli = Cli::new(&db);
    let first = cli.create_app(&[("--name", "First")], &[]).await.json();
    let second = cli
        .create_app(&[("--name", "Second")], &["--public"])
        .await
        .json();

    let listed = cli.run(&["app", "list", "--json"]).await.json();

    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["client_id"], first["client_id"]);
    assert_eq!(listed[1]["client_id"], second["client_id"]);
    assert!(listed.iter().all(|app| app.get("client_secret").is_none()));
}

async fn rotate_secret_replaces_the_secret(db: TestDb) {
    let cli = Cli::new(&db);
    let created = cli.create_app(&[], &[]).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let old_secret = created["client_secret"].as_str().unwrap();

    let rotated = cli
        .run(&["app", "rotate-secret", client_id, "--json"])
        .await
        .json();

    assert_eq!(rotated["client_id"], client_id);
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert!(new_secret.starts_with("sntrya_"));
    assert_ne!(new_secret, old_secret);
    let app = db
        .storage()
        .await
        .find_application(client_id)
        .await
        .unwrap()
        .unwrap();
    let digest = app.secret_digest.unwrap();
    assert!(digest.verify(new_secret));
    assert!(!digest.verify(old_secret));
}

async fn rotate_secret_refuses_public_and_unknown_clients(db: TestDb) {
    let cli = Cli::new(&db);
    let public = cli.create_app(&[], &["--public"]).await.json();

    cli.run(&[
        "app",
        "rotate-secret",
        public["client_id"].as_str().unwrap(),
    ])
    .await
    .assert_invalid("is a public client and has no secret");
    cli.run(&["app", "rotate-secret", &"0".repeat(64)])
        .await
        .assert_invalid("no application with client id");
}

async fn app_disable_makes_the_application_inactive(db: TestDb) {
    let cli = Cli::new(&db);
    let created = cli.create_app(&[], &[]).await.json();
    let client_id = created["client_id"].as_str().unwrap();

    let output = cli.run(&["app", "disable", client_id]).await;

    assert_eq!(output.code, 0, "{}", output.stderr);
    let shown = cli.run(&["app", "show", client_id, "--json"]).await.json();
    assert_eq!(shown["status"], "inactive");
    cli.run(&["app", "disable", &"0".repeat(64)])
        .await
        .assert_invalid("no application with client id");
    cli.run(&["app", "show", "nope"])
        .await
        .assert_invalid("no application with client id nope");
}

async fn bad_application_input_is_refused_and_nothing_is_written(db: TestDb) {
    let cli = Cli::new(&db);
    let cases: &[(&str, &str, &str)] = &[
        (
            "--scopes",
            "org:read org:delete",
            "unknown scope \"org:delete\"",
        ),
        ("--scopes", " ", "at least one scope"),
        ("--redirect-uri", "/callback", "is not an absolute URI"),
        (
            "--redirect-uri",
            "https://partner.example/cb#done",
            "has a fragment",
        ),
        (
            "--redirect-uri",
            "https://*.partner.example/cb",
            "contains a wildcard",
        ),
        (
            "--redirect-uri",
            "http://partner.example/cb",
            "uses plain http",
        ),
        (
            "--allowed-origin",
            "https://partner.example/app",
            "is not an origin",
        ),
        ("--name", "", "the application name may not be empty"),
        ("--name", &"x".repeat(65), "at most 64 characters"),
        ("--homepage-url", "partner.example", "--homepage-url"),
    ];
    for (flag, value, message) in cases {
        cli.create_app(&[(flag, value)], &[])
            .await
            .assert_invalid(message);
    }

    assert_eq!(cli.run(&["app", "list", "--json"]).await.json(), json!([]));
}

async fn native_app_redirects_are_accepted(db: TestDb) {
    let created = Cli::new(&db)
        .create_app(
            &[("--redirect-uri", "com.example.app:/oauth2redirect")],
            &["--public"],
        )
        .await
        .json();

    assert_eq!(
        created["redirect_uris"][1],
        "com.example.app:/oauth2redirect"
    );
}

on_both_backends![
    migrate_is_idempotent,
    user_create_prints_one_json_object_with_a_string_id,
    user_create_stores_an_argon2id_hash_that_verifies,
    user_create_without_a_terminal_or_stdin_flag_asks_for_stdin,
    user_disable_and_enable_flip_the_status,
    user_disable_of_an_unknown_email_is_refused,
    a_duplicate_email_is_refused_whatever_its_case,
    bad_user_input_is_refused_before_anything_is_written,
    org_create_makes_the_owner_its_owner,
    bad_org_input_is_refused_and_nothing_is_written,
    a_duplicate_slug_is_refused,
    members_are_added_promoted_and_removed,
    membership_commands_name_what_is_unknown,
    app_create_prints_the_application_with_its_secret_once,
    a_public_user_level_app_has_no_secret,
    app_list_returns_every_application_in_order,
    rotate_secret_replaces_the_secret,
    rotate_secret_refuses_public_and_unknown_clients,
    app_disable_makes_the_application_inactive,
    bad_application_input_is_refused_and_nothing_is_written,
    native_app_redirects_are_accepted,
];

#[tokio::test]
async fn an_unsupported_database_url_is_refused() {
    let db = TestDb::sqlite().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "--database-url",
            "mysql://localhost/gatehouse",
            "app",
            "list",
        ])
        .output()
        .await
        .unwrap();
    drop(db);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("must start with sqlite:// or postgres://"),
        "{stderr}"
    );
}

/// No user, organization or application exists.
async fn assert_nothing_written(db: &TestDb) {
    let storage = db.storage().await;
    assert!(storage.list_applications().await.unwrap().is_empty());
    assert!(
        storage
            .find_user_by_email("ada@example.com")
            .await
            .unwrap()
            .is_none()
    );
}
