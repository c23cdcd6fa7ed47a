//! The demo organization's error-monitoring data: teams, projects, issues with their events,
//! and releases, made up from a seed.
//!
//! [`plan`] is a pure function of the seed and the instant the data leads up to, so the same
//! seed always gives the same names, counts, titles and stack traces, and the times keep
//! their distance from `now`. [`load`] writes a plan through the storage API.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Duration, OffsetDateTime};

use super::catalog::{BROWSERS, FrameSpec, IssueSpec, Origin, PROJECTS, ProjectSpec, TEAMS};
use crate::domain::{DisplayName, Slug};
use crate::storage::{
    Frame, IssueStatus, NewEvent, NewIssue, NewProject, NewRelease, Storage, StorageError, Team,
};

/// How far back the demo data goes.
const HISTORY_DAYS: i64 = 30;
const RELEASE_COUNT: i64 = 4;

/// Everything the demo organization will hold, before it is written.
#[derive(Debug)]
pub struct Account {
    pub projects: Vec<PlannedProject>,
    /// Oldest first.
    pub releases: Vec<PlannedRelease>,
}

#[derive(Debug)]
pub struct PlannedProject {
    pub spec: &'static ProjectSpec,
    /// Oldest first, so that short ids count up with age.
    pub issues: Vec<PlannedIssue>,
}

#[derive(Debug)]
pub struct PlannedIssue {
    pub issue: NewIssue,
    /// Oldest first.
    pub events: Vec<NewEvent>,
}

#[derive(Debug)]
pub struct PlannedRelease {
    pub version: String,
    pub project_slugs: Vec<&'static str>,
    pub date_created: OffsetDateTime,
    pub date_released: Option<OffsetDateTime>,
}

/// Makes up the account that `seed` stands for, with times up to `now`.
pub fn plan(seed: u64, now: OffsetDateTime) -> Account {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let releases = plan_releases(&mut rng, now);
    let projects = PROJECTS
        .iter()
        .map(|spec| plan_project(&mut rng, spec, &releases, now))
        .collect();
    Account { projects, releases }
}

/// A release every eight days or so; the newest is not deployed yet.
fn plan_releases(rng: &mut ChaCha8Rng, now: OffsetDateTime) -> Vec<PlannedRelease> {
    let first_minor = rng.gen_range(8..30);
    let mut releases = Vec::new();
    for k in 0..RELEASE_COUNT {
        let days_ago = HISTORY_DAYS - 2 - 8 * k;
        let date_created =
            now - Duration::days(days_ago) - Duration::minutes(rng.gen_range(0..600));
        let deployed = k + 1 < RELEASE_COUNT;
        let date_released =
            deployed.then(|| date_created + Duration::minutes(rng.gen_range(12..90)));
        // The first release ships everywhere, so that every project has one to name.
        let project_slugs = PROJECTS
            .iter()
            .filter(|_| k == 0 || rng.gen_bool(0.6))
            .map(|project| project.slug)
            .collect();
        releases.push(PlannedRelease {
            version: format!("2.{}.{}", first_minor + k, rng.gen_range(0..4)),
            project_slugs,
            date_created,
            date_released,
        });
    }
    releases
}

fn plan_project(
    rng: &mut ChaCha8Rng,
    spec: &'static ProjectSpec,
    releases: &[PlannedRelease],
    now: OffsetDateTime,
) -> PlannedProject {
    let mut chosen: Vec<&IssueSpec> = spec.issues.iter().collect();
    chosen.shuffle(rng);
    chosen.truncate(rng.gen_range(6..=spec.issues.len().max(6)));
    let mut issues: Vec<PlannedIssue> = chosen
        .into_iter()
        .map(|issue| plan_issue(rng, spec, issue, releases, now))
        .collect();
    issues.sort_by_key(|planned| planned.issue.first_seen);
    PlannedProject { spec, issues }
}

fn plan_issue(
    rng: &mut ChaCha8Rng,
    project: &ProjectSpec,
    spec: &IssueSpec,
    releases: &[PlannedRelease],
    now: OffsetDateTime,
) -> PlannedIssue {
    // Counts spread over orders of magnitude, as real ones do: 1 to 99,999.
    let low = 10_i64.pow(rng.gen_range(0..5));
    let times_seen = rng.gen_range(low..low * 10);
    let user_count = (times_seen * rng.gen_range(5..=60) / 100).max(1);
    let status = match rng.gen_range(0..20) {
        0..13 => IssueStatus::Unresolved,
        13..18 => IssueStatus::Resolved,
        _ => IssueStatus::Ignored,
    };
    let (first_seen, last_seen) = seen_between(rng, status, times_seen, now);

    let event_count = rng.gen_range(1..=5).min(times_seen);
    let events = event_times(rng, event_count, first_seen, last_seen)
        .into_iter()
        .map(|at| plan_event(rng, project, spec, at, releases))
        .collect();

    let issue = NewIssue {
        title: spec.title.to_owned(),
        culprit: spec.culprit.to_owned(),
        level: spec.level,
        status,
        times_seen,
        user_count,
        first_seen,
        last_seen,
    };
    PlannedIssue { issue, events }
}

/// When an issue was first and last seen: unresolved ones are still happening, the others
/// may have stopped at any time.
fn seen_between(
    rng: &mut ChaCha8Rng,
    status: IssueStatus,
    times_seen: i64,
    now: OffsetDateTime,
) -> (OffsetDateTime, OffsetDateTime) {
    let age = rng.gen_range(3_600..HISTORY_DAYS * 86_400);
    let first_seen = now - Duration::seconds(age);
    let quiet_for = match (times_seen, status) {
        (1, _) => age,
        (_, IssueStatus::Unresolved) => rng.gen_range(0..=age.min(2 * 86_400)),
        _ => rng.gen_range(0..=age),
    };
    (first_seen, now - Duration::seconds(quiet_for))
}

/// `count` instants from `first` to `last`, oldest first, both ends included when there are
/// two or more.
fn event_times(
    rng: &mut ChaCha8Rng,
    count: i64,
    first: OffsetDateTime,
    last: OffsetDateTime,
) -> Vec<OffsetDateTime> {
    let span = (last - first).whole_seconds();
    let mut times = vec![last];
    if count >= 2 {
        times.push(first);
    }
    for _ in 2..count {
        times.push(first + Duration::seconds(rng.gen_range(0..=span)));
    }
    times.sort();
    times
}

fn plan_event(
    rng: &mut ChaCha8Rng,
    project: &ProjectSpec,
    spec: &IssueSpec,
    occurred_at: OffsetDateTime,
    releases: &[PlannedRelease],
) -> NewEvent {
    let event_id = format!("{:032x}", rng.r#gen::<u128>());
    let tags = event_tags(rng, project, spec, occurred_at, releases);
    let frames = project
        .outer_frames
        .iter()
        .chain(spec.frames)
        .map(frame)
        .collect();
    NewEvent {
        event_id,
        message: spec.title.to_owned(),
        platform: project.event_platform.to_owned(),
        occurred_at,
        tags,
        frames,
    }
}

/// The tags an SDK of the project's kind would send, sorted by key as Sentry shows them.
fn event_tags(
    rng: &mut ChaCha8Rng,
    project: &ProjectSpec,
    spec: &IssueSpec,
    occurred_at: OffsetDateTime,
    releases: &[PlannedRelease],
) -> Vec<(String, String)> {
    let environment = if rng.gen_ratio(4, 5) {
        "production"
    } else {
        "staging"
    };
    let mut tags = vec![("environment", environment), ("level", spec.level.as_str())];
    match &project.origin {
        Origin::Server { hosts, runtime } => {
            tags.push(("os", "Linux"));
            tags.push(("runtime", runtime));
            if let Some(host) = hosts.choose(rng) {
                tags.push(("server_name", host));
            }
        }
        Origin::Browser => {
            if let Some((browser, os)) = BROWSERS.choose(rng) {
                tags.push(("browser", browser));
                tags.push(("os", os));
            }
        }
    }
    if let Some(release) = release_at(releases, project.slug, occurred_at) {
        tags.push(("release", release));
    }
    tags.sort();
    tags.into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// The version the project ran at that instant: its newest release deployed by then, or
/// its first release for events older than every deploy.
fn release_at<'a>(
    releases: &'a [PlannedRelease],
    project_slug: &str,
    at: OffsetDateTime,
) -> Option<&'a str> {
    let mut own = releases
        .iter()
        .filter(|release| release.project_slugs.contains(&project_slug));
    let first = own.clone().next();
    own.rfind(|release| release.date_released.is_some_and(|deployed| deployed <= at))
        .or(first)
        .map(|release| release.version.as_str())
}

fn frame(&(filename, function, lineno, in_app): &FrameSpec) -> Frame {
    Frame {
        filename: filename.to_owned(),
        function: function.to_owned(),
        lineno,
        in_app,
    }
}

/// Writes the account into the organization: teams, projects with their issues and events,
/// then releases, each in the order [`plan`] made them.
pub async fn load(
    storage: &Storage,
    organization_id: i64,
    account: &Account,
) -> Result<(), StorageError> {
    let mut teams = BTreeMap::new();
    for spec in TEAMS {
        let slug = Slug::parse(spec.slug).expect("catalog slugs are valid");
        let name = DisplayName::parse(spec.name, "name", 64).expect("catalog names are valid");
        let team = storage.create_team(organization_id, &slug, &name).await?;
        teams.insert(spec.slug, team);
    }

    let mut project_ids = BTreeMap::new();
    for project in &account.projects {
        let id = load_project(storage, &teams, project).await?;
        project_ids.insert(project.spec.slug, id);
    }

    for release in &account.releases {
        let new = NewRelease {
            version: release.version.clone(),
            project_ids: release
                .project_slugs
                .iter()
                .filter_map(|slug| project_ids.get(slug).copied())
                .collect(),
            date_created: Some(release.date_created),
            date_released: release.date_released,
        };
        storage.create_release(organization_id, &new).await?;
    }
    Ok(())
}

async fn load_project(
    storage: &Storage,
    teams: &BTreeMap<&str, Team>,
    planned: &PlannedProject,
) -> Result<i64, StorageError> {
    let spec = planned.spec;
    let mut owners = spec.teams.iter().filter_map(|slug| teams.get(slug));
    let owner = owners.next().ok_or(StorageError::NotFound)?;
    let new = NewProject {
        slug: Slug::parse(spec.slug).expect("catalog slugs are valid"),
        name: DisplayName::parse(spec.name, "name", 64).expect("catalog names are valid"),
        platform: Some(spec.platform.to_owned()),
    };
    let project = storage.create_project(owner, &new).await?;
    for team in owners {
        storage.add_project_team(project.id, team.id).await?;
    }

    for planned in &planned.issues {
        let issue = storage.record_issue(project.id, &planned.issue).await?;
        for event in &planned.events {
            storage.record_event(issue.id, event).await?;
        }
    }
    Ok(project.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-12-03 12:00 UTC)
    }

    #[test]
    fn every_issue_has_one_to_five_events_within_its_seen_span() {
        let account = plan(7, now());

        for issue in account.projects.iter().flat_map(|project| &project.issues) {
            let (new, events) = (&issue.issue, &issue.events);
            assert!((1..=5).contains(&events.len()), "{}", new.title);
            assert!(events.len() as i64 <= new.times_seen);
            assert!((1..=new.times_seen).contains(&new.user_count));
            assert!(new.first_seen <= new.last_seen && new.last_seen <= now());
            assert!(new.first_seen >= now() - Duration::days(HISTORY_DAYS));
            for event in events {
                assert!((new.first_seen..=new.last_seen).contains(&event.occurred_at));
            }
        }
    }

    #[test]
    fn every_project_ships_in_a_release_and_its_events_name_one() {
        let account = plan(7, now());

        for project in &account.projects {
            assert!(
                account.releases[0]
                    .project_slugs
                    .contains(&project.spec.slug)
            );
            let tags = &project.issues[0].events[0].tags;
            assert!(tags.iter().any(|(key, _)| key == "release"), "{tags:?}");
        }
    }

    #[test]
    fn the_catalog_names_are_valid_slugs_and_known_teams() {
        for spec in PROJECTS {
            assert!(Slug::parse(spec.slug).is_ok(), "{}", spec.slug);
            for team in spec.teams {
                assert!(TEAMS.iter().any(|known| known.slug == *team), "{team}");
            }
        }
        for team in TEAMS {
            assert!(Slug::parse(team.slug).is_ok(), "{}", team.slug);
        }
    }
}
