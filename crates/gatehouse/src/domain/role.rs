//! The roles a user can hold in an organization, and what each lets a token do there.

use std::fmt;
use std::str::FromStr;

use super::scope::{Scope, ScopeSet};

/// Sentry's organization roles, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Member,
    Admin,
    Manager,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Member, Role::Admin, Role::Manager, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// The scopes a user in this role may exercise. A token's effective access in an
    /// organization is its own scopes intersected with these, so a token can never do more
    /// than the person who approved it.
    ///
    /// Identity scopes (`openid`, `profile`, `email`) concern the user, not the organization,
    /// and belong to every role.
    pub fn scopes(self) -> ScopeSet {
        use Scope::*;
        let member = ScopeSet::expanded([
            OrgRead,
            MemberRead,
            TeamRead,
            ProjectRead,
            ProjectReleases,
            EventWrite,
            AlertsWrite,
            Openid,
            Profile,
            Email,
        ]);
        let admin = member.union(ScopeSet::expanded([
            TeamAdmin,
            ProjectAdmin,
            EventAdmin,
            OrgIntegrations,
        ]));
        let manager = admin.union(ScopeSet::expanded([MemberAdmin, OrgWrite, OrgCi]));
        match self {
            Role::Member => member,
            Role::Admin => admin,
            Role::Manager => manager,
            Role::Owner => ScopeSet::all(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected member, admin, manager or owner")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_holds_everything_the_role_below_holds() {
        for pair in Role::ALL.windows(2) {
            let (lower, higher) = (pair[0].scopes(), pair[1].scopes());

            assert!(lower.is_subset_of(higher), "{} ⊄ {}", pair[0], pair[1]);
            assert_ne!(lower, higher, "{} adds nothing over {}", pair[1], pair[0]);
        }
    }

    #[test]
    fn a_member_reads_everything_but_administers_nothing() {
        let member = Role::Member.scopes();

        for scope in [
            "org:read",
            "project:read",
            "team:read",
            "member:read",
            "event:write",
        ] {
            assert!(member.contains(scope.parse().unwrap()), "{scope}");
        }
        for scope in [
            "org:write",
            "project:write",
            "team:write",
            "member:invite",
            "event:admin",
        ] {
            assert!(!member.contains(scope.parse().unwrap()), "{scope}");
        }
    }

    #[test]
    fn only_an_owner_administers_the_organization() {
        let org_admin = Scope::OrgAdmin;

        assert!(Role::Owner.scopes().contains(org_admin));
        assert!(!Role::Manager.scopes().contains(org_admin));
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!("manager".parse(), Ok(Role::Manager));
        assert!("Owner".parse::<Role>().is_err());
    }
}
