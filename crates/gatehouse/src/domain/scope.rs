//! Sentry's OAuth scopes: the 25 names, their hierarchy, and the sentences the consent page
//! shows for them.
//!
//! A [`ScopeSet`] is a bit set, so that checking a token's access on every API request is a
//! couple of machine instructions instead of string comparisons.

use std::fmt;
use std::str::FromStr;

/// One of the 25 scopes, in the order of the bit it occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    OrgRead,
    OrgWrite,
    OrgAdmin,
    OrgIntegrations,
    OrgCi,
    MemberInvite,
    MemberRead,
    MemberWrite,
    MemberAdmin,
    TeamRead,
    TeamWrite,
    TeamAdmin,
    ProjectRead,
    ProjectWrite,
    ProjectAdmin,
    ProjectReleases,
    ProjectDistribution,
    EventRead,
    EventWrite,
    EventAdmin,
    AlertsRead,
    AlertsWrite,
    Openid,
    Profile,
    Email,
}

impl Scope {
    pub const ALL: [Scope; 25] = [
        Scope::OrgRead,
        Scope::OrgWrite,
        Scope::OrgAdmin,
        Scope::OrgIntegrations,
        Scope::OrgCi,
        Scope::MemberInvite,
        Scope::MemberRead,
        Scope::MemberWrite,
        Scope::MemberAdmin,
        Scope::TeamRead,
        Scope::TeamWrite,
        Scope::TeamAdmin,
        Scope::ProjectRead,
        Scope::ProjectWrite,
        Scope::ProjectAdmin,
        Scope::ProjectReleases,
        Scope::ProjectDistribution,
        Scope::EventRead,
        Scope::EventWrite,
        Scope::EventAdmin,
        Scope::AlertsRead,
        Scope::AlertsWrite,
        Scope::Openid,
        Scope::Profile,
        Scope::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrgRead => "org:read",
            Scope::OrgWrite => "org:write",
            Scope::OrgAdmin => "org:admin",
            Scope::OrgIntegrations => "org:integrations",
            Scope::OrgCi => "org:ci",
            Scope::MemberInvite => "member:invite",
            Scope::MemberRead => "member:read",
            Scope::MemberWrite => "member:write",
            Scope::MemberAdmin => "member:admin",
            Scope::TeamRead => "team:read",
            Scope::TeamWrite => "team:write",
            Scope::TeamAdmin => "team:admin",
            Scope::ProjectRead => "project:read",
            Scope::ProjectWrite => "project:write",
            Scope::ProjectAdmin => "project:admin",
            Scope::ProjectReleases => "project:releases",
            Scope::ProjectDistribution => "project:distribution",
            Scope::EventRead => "event:read",
            Scope::EventWrite => "event:write",
            Scope::EventAdmin => "event:admin",
            Scope::AlertsRead => "alerts:read",
            Scope::AlertsWrite => "alerts:write",
            Scope::Openid => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
        }
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The scopes this one grants besides itself.
    fn implies(self) -> &'static [Scope] {
        use Scope::*;
        match self {
            OrgWrite => &[OrgRead],
            OrgAdmin => &[OrgRead, OrgWrite, OrgIntegrations],
            MemberInvite => &[MemberRead],
            MemberWrite => &[MemberRead, MemberInvite],
            MemberAdmin => &[MemberRead, MemberInvite, MemberWrite],
            TeamWrite => &[TeamRead],
            TeamAdmin => &[TeamRead, TeamWrite],
            ProjectWrite => &[ProjectRead],
            ProjectAdmin => &[ProjectRead, ProjectWrite],
            EventWrite => &[EventRead],
            EventAdmin => &[EventRead, EventWrite],
            AlertsWrite => &[AlertsRead],
            _ => &[],
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not one of the 25.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}")]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

/// A set of scopes. Sets built from user input are always expanded: holding `org:write`
/// means holding `org:read` too, so a permission check is a subset test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ScopeSet(u32);

impl ScopeSet {
    pub const EMPTY: ScopeSet = ScopeSet(0);

    /// Every scope there is.
    pub fn all() -> ScopeSet {
        ScopeSet::expanded(Scope::ALL)
    }

    /// The set of the given scopes and everything they imply.
    pub fn expanded(scopes: impl IntoIterator<Item = Scope>) -> ScopeSet {
        let mut bits = 0;
        for scope in scopes {
            bits |= scope.bit();
            for implied in scope.implies() {
                bits |= implied.bit();
            }
        }
        ScopeSet(bits)
    }

    /// Parses a space-separated list (extra white space is ignored) and expands it.
    pub fn parse(input: &str) -> Result<ScopeSet, UnknownScope> {
        let scopes = input
            .split_ascii_whitespace()
            .map(Scope::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScopeSet::expanded(scopes))
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_subset_of(self, other: ScopeSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    pub fn union(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 | other.0)
    }

    /// The scopes in the set, sorted by name (the order Sentry answers them in).
    pub fn names(self) -> Vec<&'static str> {
        let mut names: Vec<_> = Scope::ALL
            .into_iter()
            .filter(|scope| self.contains(*scope))
            .map(Scope::as_str)
            .collect();
        names.sort_unstable();
        names
    }

    /// One plain-language sentence per permission area, for the highest scope held in it.
    pub fn descriptions(self) -> Vec<&'static str> {
        DESCRIPTIONS
            .iter()
            .filter_map(|levels| levels.iter().find(|(scope, _)| self.contains(*scope)))
            .map(|(_, sentence)| *sentence)
            .collect()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(" "))
    }
}

impl FromStr for ScopeSet {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopeSet::parse(s)
    }
}

/// Each permission area with its levels, highest first. Only the first level held in an area
/// is described, because it includes the ones below it.
const DESCRIPTIONS: &[&[(Scope, &str)]] = &[
    &[
        (
            Scope::OrgAdmin,
            "Read, write, and admin access to organization details",
        ),
        (
            Scope::OrgWrite,
            "Read and write access to organization details",
        ),
        (Scope::OrgRead, "Read access to organization details"),
    ],
    &[(
        Scope::OrgIntegrations,
        "Manage the organization's integrations",
    )],
    &[(Scope::OrgCi, "Upload source maps and debug files from CI")],
    &[
        (
            Scope::MemberAdmin,
            "Read, write, and admin access to organization members",
        ),
        (
            Scope::MemberWrite,
            "Read and write access to organization members",
        ),
        (
            Scope::MemberInvite,
            "Read access to organization members, and inviting new ones",
        ),
        (Scope::MemberRead, "Read access to organization members"),
    ],
    &[
        (Scope::TeamAdmin, "Read, write, and admin access to teams"),
        (Scope::TeamWrite, "Read and write access to teams"),
        (Scope::TeamRead, "Read access to teams"),
    ],
    &[
        (
            Scope::ProjectAdmin,
            "Read, write, and admin access to projects",
        ),
        (Scope::ProjectWrite, "Read and write access to projects"),
        (Scope::ProjectRead, "Read access to projects"),
    ],
    &[(Scope::ProjectReleases, "Read and write access to releases")],
    &[(
        Scope::ProjectDistribution,
        "Read and write access to app builds for distribution",
    )],
    &[
        (
            Scope::EventAdmin,
            "Read, write, and admin access to issues and events",
        ),
        (
            Scope::EventWrite,
            "Read and write access to issues and events",
        ),
        (Scope::EventRead, "Read access to issues and events"),
    ],
    &[
        (Scope::AlertsWrite, "Read and write access to alerts"),
        (Scope::AlertsRead, "Read access to alerts"),
    ],
    &[(Scope::Openid, "Confirm your identity")],
    &[(Scope::Profile, "Read your name")],
    &[(Scope::Email, "Read your email address")],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_expands_the_hierarchy_and_sorts_by_name() {
        let set = ScopeSet::parse("org:admin  member:write").unwrap();

        assert_eq!(
            set.to_string(),
            "member:invite member:read member:write org:admin org:integrations org:read org:write"
        );
    }

    #[test]
    fn member_admin_implies_every_member_scope() {
        let set = ScopeSet::parse("member:admin").unwrap();

        assert_eq!(
            set.names(),
            [
                "member:admin",
                "member:invite",
                "member:read",
                "member:write"
            ]
        );
    }

    #[test]
    fn admin_write_read_chains_hold_for_team_project_and_event() {
        for area in ["team", "project", "event"] {
            let set = ScopeSet::parse(&format!("{area}:admin")).unwrap();
            let expected = ScopeSet::parse(&format!("{area}:read {area}:write {area}:admin"));

            assert_eq!(Ok(set), expected, "{area}");
        }
    }

    #[test]
    fn standalone_scopes_imply_nothing_else() {
        for name in [
            "org:integrations",
            "org:ci",
            "project:releases",
            "openid",
            "email",
        ] {
            assert_eq!(ScopeSet::parse(name).unwrap().names(), [name]);
        }
    }

    #[test]
    fn an_unknown_scope_is_named_in_the_error() {
        assert_eq!(
            ScopeSet::parse("org:read org:delete"),
            Err(UnknownScope("org:delete".into()))
        );
    }

    #[test]
    fn there_are_exactly_25_distinct_scopes() {
        assert_eq!(ScopeSet::all().names().len(), 25);
    }

    #[test]
    fn a_write_scope_covers_a_read_check() {
        let granted = ScopeSet::parse("project:write").unwrap();
        let needed = ScopeSet::parse("project:read").unwrap();

        assert!(needed.is_subset_of(granted));
        assert!(!granted.is_subset_of(needed));
    }

    #[test]
    fn descriptions_name_only_the_highest_level_of_each_area() {
        let set = ScopeSet::parse("org:write project:read event:admin").unwrap();

        assert_eq!(
            set.descriptions(),
            [
                "Read and write access to organization details",
                "Read access to projects",
                "Read, write, and admin access to issues and events",
            ]
        );
    }
}
