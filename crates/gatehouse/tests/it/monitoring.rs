//! The error-monitoring data behind the Sentry-compatible API, on both backends: teams,
//! projects, issues, events and releases in storage; the demo data made from a seed; and
//! `gatehouse demo` through the real binary.

use gatehouse::demo;
use gatehouse::domain::{DisplayName, Email, Role, Slug};
use gatehouse::storage::{
    Frame, IssueStatus, Level, NewEvent, NewIssue, NewProject, NewRelease, NewUser, ProjectUpdate,
    Storage, StorageError, Team,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::support::{Cli, TestDb, on_both_backends};

/// An instant with whole microseconds, so that times read back equal to what was written.
const NOON: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

/// A user owning an organization with one team, ready for projects.
struct Org {
    storage: Storage,
    id: i64,
    team: Team,
}

async fn org(db: &TestDb) -> Org {
    let storage = db.storage().await;
    let org = add_org(&storage, "acme").await;
    let team = storage
        .create_team(org.0, &slug("backend"), &name("Backend"))
        .await
        .unwrap();
    Org {
        storage,
        id: org.0,
        team,
    }
}

/// Creates an organization with an owner of its own; returns (organization id, user id).
async fn add_org(storage: &Storage, org_slug: &str) -> (i64, i64) {
    let user = storage
        .create_user(&NewUser {
            email: Email::parse(&format!("owner@{org_slug}.example")).unwrap(),
            name: name("Grace Hopper"),
            password_hash: "$argon2id$stand-in".into(),
        })
        .await
        .unwrap();
    let org = storage
        .create_organization(&slug(org_slug), &name("Acme"), user.id)
        .await
        .unwrap();
    (org.id, user.id)
}

fn slug(input: &str) -> Slug {
    Slug::parse(input).unwrap()
}

fn name(input: &str) -> DisplayName {
    DisplayName::parse(input, "name", 64).unwrap()
}

fn new_project(project_slug: &str) -> NewProject {
    NewProject {
        slug: slug(project_slug),
        name: name(&format!("Project {project_slug}")),
        platform: Some("python-django".into()),
    }
}

fn new_issue(title: &str, last_seen: OffsetDateTime) -> NewIssue {
    NewIssue {
        title: title.into(),
        culprit: "api.views in handler".into(),
        level: Level::Error,
        status: IssueStatus::Unresolved,
        times_seen: 12,
        user_count: 3,
        first_seen: last_seen - Duration::days(2),
        last_seen,
    }
}

fn new_event(event_id: &str, occurred_at: OffsetDateTime) -> NewEvent {
    NewEvent {
        event_id: event_id.into(),
        message: "KeyError: 'customer_id'".into(),
        platform: "python".into(),
        occurred_at,
        tags: vec![
            ("environment".into(), "production".into()),
            ("server_name".into(), "api-1".into()),
        ],
        frames: vec![Frame {
            filename: "billing/webhooks.py".into(),
            function: "handle_invoice_paid".into(),
            lineno: 87,
            in_app: true,
        }],
    }
}

async fn projects_are_listed_oldest_first_one_page_at_a_time(db: TestDb) {
    let org = org(&db).await;
    for project_slug in ["api", "web", "worker"] {
        org.storage
            .create_project(&org.team, &new_project(project_slug))
            .await
            .unwrap();
    }

    let first = org.storage.list_projects(org.id, 2, 0).await.unwrap();
    let second = org.storage.list_projects(org.id, 2, 2).await.unwrap();

    let slugs = |page: &[gatehouse::storage::Project]| -> Vec<String> {
        page.iter().map(|project| project.slug.clone()).collect()
    };
    assert_eq!(slugs(&first), ["api", "web"]);
    assert_eq!(slugs(&second), ["worker"]);
    assert!(
        first
            .iter()
            .all(|project| project.teams == std::slice::from_ref(&org.team))
    );
}

async fn a_project_is_found_by_slug_only_in_its_own_organization(db: TestDb) {
    let org = org(&db).await;
    let (other_org, _) = add_org(&org.storage, "globex").await;
    let created = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();

    let found = org.storage.find_project(org.id, "api").await.unwrap();
    let elsewhere = org.storage.find_project(other_org, "api").await.unwrap();

    assert_eq!(found, Some(created));
    assert_eq!(elsewhere, None);
}

async fn a_project_owned_by_two_teams_lists_both(db: TestDb) {
    let org = org(&db).await;
    let frontend = org
        .storage
        .create_team(org.id, &slug("frontend"), &name("Frontend"))
        .await
        .unwrap();
    let project = org
        .storage
        .create_project(&org.team, &new_project("web"))
        .await
        .unwrap();

    org.storage
        .add_project_team(project.id, frontend.id)
        .await
        .unwrap();

    let found = org.storage.find_project(org.id, "web").await.unwrap();
    assert_eq!(found.unwrap().teams, [org.team.clone(), frontend]);
    let again = org.storage.add_project_team(project.id, org.team.id).await;
    assert!(matches!(again, Err(StorageError::Conflict)), "{again:?}");
}

async fn duplicate_slugs_in_one_organization_are_refused_with_conflict(db: TestDb) {
    let org = org(&db).await;
    let (other_org, _) = add_org(&org.storage, "globex").await;
    org.storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();

    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await;
    let team = org
        .storage
        .create_team(org.id, &slug("backend"), &name("Again"))
        .await;

    assert!(
        matches!(project, Err(StorageError::Conflict)),
        "{project:?}"
    );
    assert!(matches!(team, Err(StorageError::Conflict)), "{team:?}");
    let elsewhere = org
        .storage
        .create_team(other_org, &slug("backend"), &name("Backend"))
        .await;
    assert!(elsewhere.is_ok(), "another organization may use the slug");
    assert_eq!(
        org.storage
            .list_projects(org.id, 10, 0)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn updating_a_project_changes_only_the_fields_given(db: TestDb) {
    let org = org(&db).await;
    let api = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    org.storage
        .create_project(&org.team, &new_project("web"))
        .await
        .unwrap();

    let renamed = org
        .storage
        .update_project(
            api.id,
            &ProjectUpdate {
                name: Some(name("Public API")),
                ..ProjectUpdate::default()
            },
        )
        .await
        .unwrap();
    let taken = org
        .storage
        .update_project(
            api.id,
            &ProjectUpdate {
                slug: Some(slug("web")),
                ..ProjectUpdate::default()
            },
        )
        .await;
    let unknown = org
        .storage
        .update_project(api.id + 100, &ProjectUpdate::default())
        .await;

    assert_eq!(renamed.name, "Public API");
    assert_eq!(renamed.slug, "api");
    assert_eq!(renamed.platform.as_deref(), Some("python-django"));
    assert_eq!(renamed.teams, std::slice::from_ref(&org.team));
    assert!(matches!(taken, Err(StorageError::Conflict)), "{taken:?}");
    assert!(
        matches!(unknown, Err(StorageError::NotFound)),
        "{unknown:?}"
    );
}

async fn deleting_a_project_deletes_its_issues_and_events(db: TestDb) {
    let org = org(&db).await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let issue = org
        .storage
        .record_issue(project.id, &new_issue("KeyError", NOON))
        .await
        .unwrap();
    let event_id = "0123456789abcdef0123456789abcdef";
    org.storage
        .record_event(issue.id, &new_event(event_id, NOON))
        .await
        .unwrap();

    org.storage.delete_project(project.id).await.unwrap();

    assert_eq!(
        org.storage.find_issue(org.id, issue.id).await.unwrap(),
        None
    );
    assert_eq!(
        org.storage.find_event(project.id, event_id).await.unwrap(),
        None
    );
    let again = org.storage.delete_project(project.id).await;
    assert!(matches!(again, Err(StorageError::NotFound)), "{again:?}");
}

async fn issues_get_short_ids_counting_up_within_their_project(db: TestDb) {
    let org = org(&db).await;
    let api = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let web = org
        .storage
        .create_project(&org.team, &new_project("web"))
        .await
        .unwrap();

    let mut short_ids = Vec::new();
    for project in [&api, &api, &web] {
        let issue = org
            .storage
            .record_issue(project.id, &new_issue("TypeError", NOON))
            .await
            .unwrap();
        short_ids.push(issue.short_id);
    }

    assert_eq!(short_ids, ["API-1", "API-2", "WEB-1"]);
}

async fn issues_are_listed_most_recently_seen_first_and_filtered_by_status(db: TestDb) {
    let org = org(&db).await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (title, hours_ago) in [("old", 30), ("newest", 1), ("middle", 5)] {
        let issue = org
            .storage
            .record_issue(
                project.id,
                &new_issue(title, NOON - Duration::hours(hours_ago)),
            )
            .await
            .unwrap();
        ids.push(issue.id);
    }
    org.storage
        .set_issue_status(org.id, ids[1], IssueStatus::Resolved)
        .await
        .unwrap();

    let titles = |status, limit, offset| {
        let storage = org.storage.clone();
        async move {
            let page = storage
                .list_issues(project.id, status, limit, offset)
                .await
                .unwrap();
            page.into_iter()
                .map(|issue| issue.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(None, 2, 0).await, ["newest", "middle"]);
    assert_eq!(titles(None, 2, 2).await, ["old"]);
    assert_eq!(titles(Some(IssueStatus::Resolved), 10, 0).await, ["newest"]);
    assert_eq!(
        titles(Some(IssueStatus::Unresolved), 10, 0).await,
        ["middle", "old"]
    );
}

async fn an_issue_status_change_is_kept_and_scoped_to_the_organization(db: TestDb) {
    let org = org(&db).await;
    let (other_org, _) = add_org(&org.storage, "globex").await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let issue = org
        .storage
        .record_issue(project.id, &new_issue("KeyError", NOON))
        .await
        .unwrap();

    let ignored = org
        .storage
        .set_issue_status(org.id, issue.id, IssueStatus::Ignored)
        .await
        .unwrap();
    let from_elsewhere = org
        .storage
        .set_issue_status(other_org, issue.id, IssueStatus::Resolved)
        .await;

    assert_eq!(ignored.status, IssueStatus::Ignored);
    assert!(
        matches!(from_elsewhere, Err(StorageError::NotFound)),
        "{from_elsewhere:?}"
    );
    let found = org.storage.find_issue(org.id, issue.id).await.unwrap();
    assert_eq!(found, Some(ignored));
    let seen_elsewhere = org.storage.find_issue(other_org, issue.id).await.unwrap();
    assert_eq!(seen_elsewhere, None);
}

async fn an_issue_reads_back_as_recorded_with_its_project(db: TestDb) {
    let org = org(&db).await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let new = new_issue("OperationalError: could not connect to server", NOON);

    let issue = org.storage.record_issue(project.id, &new).await.unwrap();

    assert_eq!(issue.project.slug, "api");
    assert_eq!(issue.project.platform.as_deref(), Some("python-django"));
    assert_eq!(
        (issue.title.as_str(), issue.culprit.as_str()),
        (new.title.as_str(), new.culprit.as_str())
    );
    assert_eq!(
        (issue.level, issue.status),
        (Level::Error, IssueStatus::Unresolved)
    );
    assert_eq!((issue.times_seen, issue.user_count), (12, 3));
    assert_eq!((issue.first_seen, issue.last_seen), (new.first_seen, NOON));
}

async fn deleting_an_issue_deletes_its_events_only_within_the_organization(db: TestDb) {
    let org = org(&db).await;
    let (other_org, _) = add_org(&org.storage, "globex").await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let issue = org
        .storage
        .record_issue(project.id, &new_issue("KeyError", NOON))
        .await
        .unwrap();
    let event_id = "fedcba9876543210fedcba9876543210";
    org.storage
        .record_event(issue.id, &new_event(event_id, NOON))
        .await
        .unwrap();

    let from_elsewhere = org.storage.delete_issue(other_org, issue.id).await;
    org.storage.delete_issue(org.id, issue.id).await.unwrap();

    assert!(
        matches!(from_elsewhere, Err(StorageError::NotFound)),
        "{from_elsewhere:?}"
    );
    assert_eq!(
        org.storage.find_issue(org.id, issue.id).await.unwrap(),
        None
    );
    let event = org.storage.find_event(project.id, event_id).await.unwrap();
    assert_eq!(event, None);
}

async fn events_keep_their_tags_and_frames_and_list_newest_first(db: TestDb) {
    let org = org(&db).await;
    let project = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let issue = org
        .storage
        .record_issue(project.id, &new_issue("KeyError", NOON))
        .await
        .unwrap();
    let older = new_event(
        "00000000000000000000000000000001",
        NOON - Duration::hours(3),
    );
    let newer = new_event("00000000000000000000000000000002", NOON);
    for event in [&older, &newer] {
        org.storage.record_event(issue.id, event).await.unwrap();
    }

    let found = org
        .storage
        .find_event(project.id, &older.event_id)
        .await
        .unwrap()
        .unwrap();
    let listed = org.storage.list_events(issue.id, 10, 0).await.unwrap();
    let duplicate = org.storage.record_event(issue.id, &older).await;

    assert_eq!((found.issue_id, found.project_id), (issue.id, project.id));
    assert_eq!(found.tags, older.tags);
    assert_eq!(found.frames, older.frames);
    assert_eq!(found.occurred_at, older.occurred_at);
    let order: Vec<&str> = listed.iter().map(|event| event.event_id.as_str()).collect();
    assert_eq!(order, [newer.event_id.as_str(), older.event_id.as_str()]);
    assert!(
        matches!(duplicate, Err(StorageError::Conflict)),
        "{duplicate:?}"
    );
}

async fn releases_ship_in_their_projects_and_list_newest_first(db: TestDb) {
    let org = org(&db).await;
    let api = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let web = org
        .storage
        .create_project(&org.team, &new_project("web"))
        .await
        .unwrap();
    let release = |version: &str, project_ids: Vec<i64>| NewRelease {
        version: version.into(),
        project_ids,
        date_created: None,
        date_released: Some(NOON),
    };

    org.storage
        .create_release(org.id, &release("2.0.0", vec![api.id]))
        .await
        .unwrap();
    let second = org
        .storage
        .create_release(org.id, &release("2.1.0", vec![web.id, api.id, web.id]))
        .await
        .unwrap();

    let listed = org.storage.list_releases(org.id, 10, 0).await.unwrap();
    let versions: Vec<&str> = listed.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(versions, ["2.1.0", "2.0.0"]);
    assert_eq!(listed[0], second);
    let slugs: Vec<&str> = second.projects.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs, ["api", "web"]);
    assert_eq!(second.date_released, Some(NOON));
    let page = org.storage.list_releases(org.id, 1, 1).await.unwrap();
    assert_eq!(page[0].projects.len(), 1);
}

async fn a_release_is_refused_whole_for_a_taken_version_or_a_foreign_project(db: TestDb) {
    let org = org(&db).await;
    let (other_org, _) = add_org(&org.storage, "globex").await;
    let api = org
        .storage
        .create_project(&org.team, &new_project("api"))
        .await
        .unwrap();
    let release = |version: &str| NewRelease {
        version: version.into(),
        project_ids: vec![api.id],
        date_created: None,
        date_released: None,
    };
    org.storage
        .create_release(org.id, &release("1.0.0"))
        .await
        .unwrap();

    let taken = org.storage.create_release(org.id, &release("1.0.0")).await;
    let foreign = org
        .storage
        .create_release(other_org, &release("1.0.1"))
        .await;

    assert!(matches!(taken, Err(StorageError::Conflict)), "{taken:?}");
    assert!(
        matches!(foreign, Err(StorageError::NotFound)),
        "{foreign:?}"
    );
    let theirs = org.storage.list_releases(other_org, 10, 0).await.unwrap();
    assert!(theirs.is_empty(), "nothing partial is written: {theirs:?}");
}

async fn members_are_listed_with_name_email_and_role(db: TestDb) {
    let org = org(&db).await;
    let (_, owner_id) = add_org(&org.storage, "globex").await;
    org.storage
        .add_member(org.id, owner_id, Role::Member)
        .await
        .unwrap();

    let members = org.storage.list_members(org.id, 10, 0).await.unwrap();
    let second_page = org.storage.list_members(org.id, 1, 1).await.unwrap();

    let summary: Vec<(&str, &str, Role)> = members
        .iter()
        .map(|m| (m.email.as_str(), m.name.as_str(), m.role))
        .collect();
    assert_eq!(
        summary,
        [
            ("owner@acme.example", "Grace Hopper", Role::Owner),
            ("owner@globex.example", "Grace Hopper", Role::Member),
        ]
    );
    assert_eq!(second_page, members[1..]);
}

async fn an_organization_can_be_renamed_and_keeps_its_slug(db: TestDb) {
    let org = org(&db).await;

    let renamed = org
        .storage
        .update_organization(org.id, Some(&name("Acme Corporation")), None)
        .await
        .unwrap();
    let unknown = org
        .storage
        .update_organization(org.id + 100, Some(&name("Nobody")), None)
        .await;

    assert_eq!(
        (renamed.slug.as_str(), renamed.name.as_str()),
        ("acme", "Acme Corporation")
    );
    let found = org.storage.find_organization_by_slug("acme").await.unwrap();
    assert_eq!(found.unwrap().name, "Acme Corporation");
    assert!(
        matches!(unknown, Err(StorageError::NotFound)),
        "{unknown:?}"
    );
}

on_both_backends![
    projects_are_listed_oldest_first_one_page_at_a_time,
    a_project_is_found_by_slug_only_in_its_own_organization,
    a_project_owned_by_two_teams_lists_both,
    duplicate_slugs_in_one_organization_are_refused_with_conflict,
    updating_a_project_changes_only_the_fields_given,
    deleting_a_project_deletes_its_issues_and_events,
    issues_get_short_ids_counting_up_within_their_project,
    issues_are_listed_most_recently_seen_first_and_filtered_by_status,
    an_issue_status_change_is_kept_and_scoped_to_the_organization,
    an_issue_reads_back_as_recorded_with_its_project,
    deleting_an_issue_deletes_its_events_only_within_the_organization,
    events_keep_their_tags_and_frames_and_list_newest_first,
    releases_ship_in_their_projects_and_list_newest_first,
    a_release_is_refused_whole_for_a_taken_version_or_a_foreign_project,
    members_are_listed_with_name_email_and_role,
    an_organization_can_be_renamed_and_keeps_its_slug,
];

// The demo data.

/// Everything the demo organization holds, ids left out, one line per record.
async fn demo_contents(storage: &Storage) -> Vec<String> {
    let org = storage
        .find_organization_by_slug(demo::DEMO_ORG_SLUG)
        .await
        .unwrap()
        .unwrap();
    let mut lines = Vec::new();
    for team in storage.list_teams(org.id, 100, 0).await.unwrap() {
        lines.push(format!("team {} {}", team.slug, team.name));
    }
    for project in storage.list_projects(org.id, 100, 0).await.unwrap() {
        let teams: Vec<&str> = project.teams.iter().map(|t| t.slug.as_str()).collect();
        lines.push(format!(
            "project {} {} {:?} {teams:?}",
            project.slug, project.name, project.platform
        ));
        let issues = storage.list_issues(project.id, None, 100, 0).await.unwrap();
        for issue in issues {
            lines.push(format!(
                "issue {} {} | {} | {} {} {} {} {} {}",
                issue.short_id,
                issue.title,
                issue.culprit,
                issue.level,
                issue.status,
                issue.times_seen,
                issue.user_count,
                issue.first_seen,
                issue.last_seen
            ));
            for event in storage.list_events(issue.id, 100, 0).await.unwrap() {
                lines.push(format!(
                    "event {} {} {} {:?} {:?}",
                    event.event_id, event.platform, event.occurred_at, event.tags, event.frames
                ));
            }
        }
    }
    for release in storage.list_releases(org.id, 100, 0).await.unwrap() {
        let projects: Vec<&str> = release.projects.iter().map(|p| p.slug.as_str()).collect();
        lines.push(format!(
            "release {} {} {:?} {projects:?}",
            release.version, release.date_created, release.date_released
        ));
    }
    lines
}

/// A second fresh database on the same backend as `db`.
async fn another_like(db: &TestDb) -> TestDb {
    match db.backend {
        gatehouse::storage::Backend::Sqlite => TestDb::sqlite().await,
        gatehouse::storage::Backend::Postgres => TestDb::postgres().await,
    }
}

async fn the_demo_made_from_one_seed_is_the_same_every_time(db: TestDb) {
    let other = another_like(&db).await;
    let (first, second) = (db.storage().await, other.storage().await);

    demo::ensure_seeded(&first, 7, NOON).await.unwrap();
    demo::ensure_seeded(&second, 7, NOON).await.unwrap();

    let contents = demo_contents(&first).await;
    assert_eq!(contents, demo_contents(&second).await);
    let count = |kind: &str| contents.iter().filter(|l| l.starts_with(kind)).count();
    assert_eq!(count("team "), 3);
    assert_eq!(count("project "), 5);
    assert!((30..=45).contains(&count("issue ")), "{}", count("issue "));
    assert!(count("event ") >= count("issue "));
    assert_eq!(count("release "), 4);
}

async fn the_demo_made_from_another_seed_differs(db: TestDb) {
    let other = another_like(&db).await;
    let (first, second) = (db.storage().await, other.storage().await);

    demo::ensure_seeded(&first, 7, NOON).await.unwrap();
    demo::ensure_seeded(&second, 8, NOON).await.unwrap();

    assert_ne!(demo_contents(&first).await, demo_contents(&second).await);
}

async fn the_demo_adds_nothing_when_run_again(db: TestDb) {
    let storage = db.storage().await;
    let first = demo::ensure_seeded(&storage, 7, NOON).await.unwrap();
    let before = demo_contents(&storage).await;

    let second = demo::ensure_seeded(&storage, 8, NOON + Duration::days(1))
        .await
        .unwrap();

    assert_eq!(demo_contents(&storage).await, before);
    assert_eq!(first.projects, second.projects);
    assert_eq!(first.client_id, second.client_id);
}

async fn gatehouse_demo_fills_a_fresh_database(db: TestDb) {
    let output = Cli::new(&db).run(&["demo", "--seed", "7"]).await;

    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output.stdout.contains("demo@example.com / gatehouse-demo"),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains("backend, web, ingest-gateway, billing, storefront"),
        "{}",
        output.stdout
    );
    let storage = db.storage().await;
    let contents = demo_contents(&storage).await;
    assert!(
        contents
            .iter()
            .any(|line| line.starts_with("issue BACKEND-1 "))
    );
    assert!(contents.iter().any(|line| line.starts_with("release ")));
    let org = storage.find_organization_by_slug("demo").await.unwrap();
    let members = storage.list_members(org.unwrap().id, 10, 0).await.unwrap();
    assert_eq!(members[0].email, demo::DEMO_EMAIL);
}

on_both_backends![
    the_demo_made_from_one_seed_is_the_same_every_time,
    the_demo_made_from_another_seed_differs,
    the_demo_adds_nothing_when_run_again,
    gatehouse_demo_fills_a_fresh_database,
];
