//! The Sentry-compatible endpoints of /api/0/: for every endpoint, the right scope passes, a
//! missing scope, a role without it and another organization's token are refused with 403,
//! and a revoked, expired or disabled user's token gets 401. Then a partner's real use.

use gatehouse::domain::{
    AccessLevel, ClientType, DisplayName, RevocationReason, Role, Scope, ScopeSet, Slug,
};
use gatehouse::storage::{
    IssueStatus, Level, NewEvent, NewIssue, NewProject, NewRelease, Storage, Team, UserStatus, now,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::connect::{approve, new_application, signed_in_owner};
use crate::support::tokens::mint;
use crate::support::{TestApp, TestDb, on_both_backends};

/// acme (owned by ada, with bob as a plain member and dave, disabled, as owner), globex
/// (owned by ada), and in acme a team, a project with an issue and an event, a release.
struct World {
    app: TestApp,
    ada: i64,
    bob: i64,
    dave: i64,
    acme: i64,
    globex: i64,
    team: Team,
    project_id: i64,
    issue_id: i64,
    event_id: String,
}

async fn world(db: TestDb) -> World {
    let app = TestApp::spawn(db).await;
    let ada = app.create_user("ada@example.com").await.id;
    let bob = app.create_user("bob@example.com").await.id;
    let dave = app.create_user("dave@example.com").await.id;
    let storage = &app.storage;
    let acme = org(storage, "acme", ada).await;
    let globex = org(storage, "globex", ada).await;
    storage.add_member(acme, bob, Role::Member).await.unwrap();
    storage.add_member(acme, dave, Role::Owner).await.unwrap();
    storage
        .set_user_status("dave@example.com", UserStatus::Disabled)
        .await
        .unwrap();
    let team = storage
        .create_team(acme, &Slug::parse("backend").unwrap(), &name("Backend"))
        .await
        .unwrap();
    let project_id = project(storage, &team, "api").await;
    let issue_id = issue(storage, project_id).await;
    let event_id = "0123456789abcdef0123456789abcdef".to_owned();
    storage
        .record_event(
            issue_id,
            &NewEvent {
                event_id: event_id.clone(),
                message: "TypeError: x is undefined".into(),
                platform: "javascript".into(),
                occurred_at: now(),
                tags: vec![("browser".into(), "Firefox 133".into())],
                frames: vec![],
            },
        )
        .await
        .unwrap();
    storage
        .create_release(
            acme,
            &NewRelease {
                version: "1.0.0".into(),
                project_ids: vec![project_id],
                date_created: None,
                date_released: None,
            },
        )
        .await
        .unwrap();
    World {
        app,
        ada,
        bob,
        dave,
        acme,
        globex,
        team,
        project_id,
        issue_id,
        event_id,
    }
}

fn name(name: &str) -> DisplayName {
    DisplayName::parse(name, "name", 64).unwrap()
}

async fn org(storage: &Storage, slug: &str, owner: i64) -> i64 {
    let slug = Slug::parse(slug).unwrap();
    storage
        .create_organization(&slug, &name("Org"), owner)
        .await
        .unwrap()
        .id
}

async fn project(storage: &Storage, team: &Team, slug: &str) -> i64 {
    let new = NewProject {
        slug: Slug::parse(slug).unwrap(),
        name: name(slug),
        platform: Some("javascript-react".into()),
    };
    storage.create_project(team, &new).await.unwrap().id
}

async fn issue(storage: &Storage, project_id: i64) -> i64 {
    let new = NewIssue {
        title: "TypeError: x is undefined".into(),
        culprit: "app/components/List.tsx".into(),
        level: Level::Error,
        status: IssueStatus::Unresolved,
        times_seen: 12,
        user_count: 3,
        first_seen: now(),
        last_seen: now(),
    };
    storage.record_issue(project_id, &new).await.unwrap().id
}

/// Every endpoint, the scope it needs and what it answers on success.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    ShowOrg,
    RenameOrg,
    ListTeams,
    ListMembers,
    ListProjects,
    ShowProject,
    UpdateProject,
    DeleteProject,
    CreateProject,
    ListIssues,
    ShowIssue,
    UpdateIssue,
    DeleteIssue,
    ShowEvent,
    ListReleases,
    CreateRelease,
}

const ENDPOINTS: [Endpoint; 16] = [
    Endpoint::ShowOrg,
    Endpoint::RenameOrg,
    Endpoint::ListTeams,
    Endpoint::ListMembers,
    Endpoint::ListProjects,
    Endpoint::ShowProject,
    Endpoint::UpdateProject,
    Endpoint::DeleteProject,
    Endpoint::CreateProject,
    Endpoint::ListIssues,
    Endpoint::ShowIssue,
    Endpoint::UpdateIssue,
    Endpoint::DeleteIssue,
    Endpoint::ShowEvent,
    Endpoint::ListReleases,
    Endpoint::CreateRelease,
];

impl Endpoint {
    fn needs(self) -> Scope {
        use Endpoint::*;
        match self {
            ShowOrg => Scope::OrgRead,
            RenameOrg => Scope::OrgWrite,
            ListTeams => Scope::TeamRead,
            ListMembers => Scope::MemberRead,
            ListProjects | ShowProject => Scope::ProjectRead,
            UpdateProject | CreateProject => Scope::ProjectWrite,
            DeleteProject => Scope::ProjectAdmin,
            ListIssues | ShowIssue | ShowEvent => Scope::EventRead,
            UpdateIssue => Scope::EventWrite,
            DeleteIssue => Scope::EventAdmin,
            ListReleases | CreateRelease => Scope::ProjectReleases,
        }
    }

    fn success(self) -> u16 {
        use Endpoint::*;
        match self {
            CreateProject | CreateRelease => 201,
            DeleteProject => 204,
            DeleteIssue => 202,
            _ => 200,
        }
    }

    /// The request, on fresh resources where the endpoint destroys or creates one.
    async fn request(self, w: &World, n: usize) -> (Method, String, Option<Value>) {
        use Endpoint::*;
        let storage = &w.app.storage;
        let issue = format!("/api/0/organizations/acme/issues/{}/", w.issue_id);
        match self {
            ShowOrg => (Method::GET, "/api/0/organizations/acme/".into(), None),
            RenameOrg => (
                Method::PUT,
                "/api/0/organizations/acme/".into(),
                Some(json!({"name": "Acme Inc"})),
            ),
            ListTeams => (Method::GET, "/api/0/organizations/acme/teams/".into(), None),
            ListMembers => (
                Method::GET,
                "/api/0/organizations/acme/members/".into(),
                None,
            ),
            ListProjects => (
                Method::GET,
                "/api/0/organizations/acme/projects/".into(),
                None,
            ),
            ShowProject => (Method::GET, "/api/0/projects/acme/api/".into(), None),
            UpdateProject => (
                Method::PUT,
                "/api/0/projects/acme/api/".into(),
                Some(json!({"platform": "python"})),
            ),
            DeleteProject => {
                let slug = format!("doomed-{n}");
                project(storage, &w.team, &slug).await;
                (
                    Method::DELETE,
                    format!("/api/0/projects/acme/{slug}/"),
                    None,
                )
            }
            CreateProject => (
                Method::POST,
                "/api/0/teams/acme/backend/projects/".into(),
                Some(json!({"name": format!("Service {n}")})),
            ),
            ListIssues => (Method::GET, "/api/0/projects/acme/api/issues/".into(), None),
            ShowIssue => (Method::GET, issue, None),
            UpdateIssue => (Method::PUT, issue, Some(json!({"status": "resolved"}))),
            DeleteIssue => {
                let doomed = self::issue(storage, w.project_id).await;
                (
                    Method::DELETE,
                    format!("/api/0/organizations/acme/issues/{doomed}/"),
                    None,
                )
            }
            ShowEvent => (
                Method::GET,
                format!("/api/0/projects/acme/api/events/{}/", w.event_id),
                None,
            ),
            ListReleases => (
                Method::GET,
                "/api/0/organizations/acme/releases/".into(),
                None,
            ),
            CreateRelease => (
                Method::POST,
                "/api/0/organizations/acme/releases/".into(),
                Some(json!({"version": format!("2.0.{n}"), "projects": ["api"]})),
            ),
        }
    }
}

async fn send(w: &World, endpoint: Endpoint, n: usize, token: &str) -> reqwest::Response {
    let (method, path, body) = endpoint.request(w, n).await;
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", w.app.address))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn expect_status(response: reqwest::Response, status: u16, context: &str) -> Value {
    let actual = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{context}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn every_endpoint_enforces_scopes_roles_and_the_organization(db: TestDb) {
    let w = world(db).await;
    let mut requests = 0..;
    for endpoint in ENDPOINTS {
        let needed = endpoint.needs().as_str();
        let context = |case: &str| format!("{endpoint:?} {case}");
        let member_may = Role::Member.scopes().contains(endpoint.needs());
        let right = mint(&w.app, w.ada, Some(w.acme), needed, false).await;
        let other_area = mint(&w.app, w.ada, Some(w.acme), "alerts:write", false).await;
        let member = mint(&w.app, w.bob, Some(w.acme), needed, false).await;
        let elsewhere = mint(&w.app, w.ada, Some(w.globex), needed, false).await;
        let cases = [
            (&right, endpoint.success(), "with the scope"),
            (&other_area, 403, "without the scope"),
            (
                &member,
                if member_may { endpoint.success() } else { 403 },
                "as a member",
            ),
            (&elsewhere, 403, "from another organization"),
        ];

        for (minted, status, case) in cases {
            let n = requests.next().unwrap();
            let response = send(&w, endpoint, n, &minted.token).await;

            let body = expect_status(response, status, &context(case)).await;
            if status == 403 {
                assert_eq!(
                    body["detail"],
                    "You do not have permission to perform this action."
                );
            }
        }
    }
}

async fn every_endpoint_refuses_dead_tokens_with_401(db: TestDb) {
    let w = world(db).await;
    let mut requests = 0..;
    for endpoint in ENDPOINTS {
        let needed = endpoint.needs().as_str();
        let revoked = mint(&w.app, w.ada, Some(w.acme), needed, false).await;
        w.app
            .storage
            .revoke_family(&revoked.family_id, RevocationReason::Operator)
            .await
            .unwrap();
        let expired = mint(&w.app, w.ada, Some(w.acme), needed, true).await;
        let disabled = mint(&w.app, w.dave, Some(w.acme), needed, false).await;

        for (token, detail) in [
            (&revoked.token, "Invalid token"),
            (&expired.token, "Token expired"),
            (&disabled.token, "User inactive or deleted"),
        ] {
            let response = send(&w, endpoint, requests.next().unwrap(), token).await;
            assert_eq!(
                response.headers()["www-authenticate"],
                r#"Bearer realm="api", error="invalid_token""#
            );
            let body = expect_status(response, 401, &format!("{endpoint:?} {detail}")).await;
            assert_eq!(body["detail"], detail);
        }
    }
}

async fn bad_bodies_get_field_errors_and_change_nothing(db: TestDb) {
    let w = world(db).await;
    let token = mint(
        &w.app,
        w.ada,
        Some(w.acme),
        "org:admin project:admin project:releases event:admin",
        false,
    )
    .await
    .token;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", w.app.address);
    let issue = format!("/api/0/organizations/acme/issues/{}/", w.issue_id);

    let cases: [(Method, &str, String, &str); 7] = [
        (
            Method::PUT,
            &issue,
            r#"{"status": "fixed"}"#.into(),
            "status",
        ),
        (Method::PUT, &issue, r#"{"status": 5}"#.into(), "status"),
        (Method::PUT, &issue, "not json".into(), "detail"),
        (
            Method::PUT,
            &issue,
            format!(r#"{{"status": "{}"}}"#, "x".repeat(70_000)),
            "detail",
        ),
        (
            Method::POST,
            "/api/0/teams/acme/backend/projects/",
            r#"{"slug": "x"}"#.into(),
            "name",
        ),
        (
            Method::POST,
            "/api/0/organizations/acme/releases/",
            r#"{"version": "../x", "projects": ["api"]}"#.into(),
            "version",
        ),
        (
            Method::PUT,
            "/api/0/organizations/acme/",
            r#"{"slug": "Not A Slug"}"#.into(),
            "slug",
        ),
    ];
    for (method, path, body, field) in cases {
        let response = http
            .request(method, url(path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();

        let answer = expect_status(response, 400, path).await;
        assert!(answer[field].is_array(), "{path} {field}: {answer}");
    }

    let issue = w
        .app
        .storage
        .find_issue(w.acme, w.issue_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(issue.status, IssueStatus::Unresolved);
    assert_eq!(
        w.app
            .storage
            .list_projects(w.acme, 10, 0)
            .await
            .unwrap()
            .len(),
        1
    );
    let duplicate = http
        .post(url("/api/0/teams/acme/backend/projects/"))
        .bearer_auth(&token)
        .json(&json!({"name": "API", "slug": "api"}))
        .send()
        .await
        .unwrap();
    expect_status(duplicate, 409, "a taken slug").await;
}

async fn lists_are_paginated_with_a_link_header(db: TestDb) {
    let w = world(db).await;
    for slug in ["web", "worker"] {
        project(&w.app.storage, &w.team, slug).await;
    }
    let token = mint(&w.app, w.ada, Some(w.acme), "project:read", false)
        .await
        .token;
    let http = reqwest::Client::new();

    let first = http
        .get(format!(
            "{}/api/0/organizations/acme/projects/?per_page=2",
            w.app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let first: Vec<Value> = first.json().await.unwrap();
    let next_cursor = link
        .split("cursor=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let second: Vec<Value> = http
        .get(format!(
            "{}/api/0/organizations/acme/projects/?per_page=2&cursor={next_cursor}",
            w.app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(first.len(), 2);
    assert!(link.contains(r#"rel="next"; results="true""#), "{link}");
    assert_eq!(second.len(), 1);
    assert_ne!(second[0]["slug"], first[0]["slug"]);
    assert_ne!(second[0]["slug"], first[1]["slug"]);
}

async fn a_partner_connects_lists_and_resolves_an_issue(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let acme = signed_in_owner(&app, "ada@example.com", "acme").await;
    let team = app
        .storage
        .create_team(acme, &Slug::parse("backend").unwrap(), &name("Backend"))
        .await
        .unwrap();
    let project_id = project(&app.storage, &team, "api").await;
    let issue_id = issue(&app.storage, project_id).await;
    let callback = "https://partner.example/callback";
    let mut new = new_application(
        ClientType::Confidential,
        callback,
        &[],
        AccessLevel::Organization,
    );
    new.scopes = ScopeSet::parse("project:read event:write").unwrap();
    let (client, secret) = app.storage.create_application(&new).await.unwrap();
    let authorize = format!(
        "{}/oauth/authorize/?response_type=code&client_id={}&redirect_uri={callback}&scope=project:read+event:write",
        app.address, client.client_id
    );
    let landed = approve(&app, &authorize).await;
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(format!("{}/oauth/token/", app.address))
        .basic_auth(client.client_id.as_str(), Some(secret.unwrap().expose()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", callback),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    let api = |path: &str| format!("{}/api/0/{path}", app.address);
    let get = |path: String| http.get(path).bearer_auth(token).send();

    let projects: Vec<Value> = get(api("organizations/acme/projects/"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issues: Vec<Value> = get(api("projects/acme/api/issues/"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resolved = http
        .put(api(&format!("organizations/acme/issues/{issue_id}/")))
        .bearer_auth(token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    let unresolved_after: Vec<Value> = get(api("projects/acme/api/issues/"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resolved_after: Vec<Value> = get(api("projects/acme/api/issues/?query=is:resolved"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(projects[0]["slug"], "api");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["id"], issue_id.to_string());
    assert_eq!(resolved.status(), 200);
    assert!(unresolved_after.is_empty());
    assert_eq!(resolved_after[0]["status"], "resolved");
}

on_both_backends![
    every_endpoint_enforces_scopes_roles_and_the_organization,
    every_endpoint_refuses_dead_tokens_with_401,
    bad_bodies_get_field_errors_and_change_nothing,
    lists_are_paginated_with_a_link_header,
    a_partner_connects_lists_and_resolves_an_issue,
];
