//! Validated names and identifiers that people type: emails, organization slugs, display
//! names.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    #[error("{0:?} is not an email address")]
    Email(String),
    #[error(
        "{0:?} is not a valid slug: use 1 to 50 lowercase letters, digits and hyphens, \
         starting with a letter or digit and not only digits"
    )]
    Slug(String),
    #[error("the {what} may not be empty")]
    Empty { what: &'static str },
    #[error("the {what} may be at most {max} characters long")]
    TooLong { what: &'static str, max: usize },
}

/// An email address. Kept as typed; compared without regard to case by storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, InvalidName> {
        let email = input.trim();
        let invalid = || InvalidName::Email(input.to_owned());
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(invalid());
        }
        Ok(Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization's slug: the lowercase, URL-safe name in its API paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Slug, InvalidName> {
        let valid_chars = input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        // A slug of digits only would be mistaken for an id in API paths.
        let valid = valid_chars
            && (1..=50).contains(&input.len())
            && !input.starts_with('-')
            && !input.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(InvalidName::Slug(input.to_owned()));
        }
        Ok(Slug(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name shown to people: a user's, an organization's or an application's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// `what` names the field in the error ("application name").
    pub fn parse(input: &str, what: &'static str, max: usize) -> Result<DisplayName, InvalidName> {
        let name = input.trim();
        if name.is_empty() {
            return Err(InvalidName::Empty { what });
        }
        if name.chars().count() > max {
            return Err(InvalidName::TooLong { what, max });
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("ada@example.com").is_ok());
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@localhost",
            "ada@ex ample.com",
            "a@b@c.d",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_lowercase_url_safe_and_not_numeric() {
        assert!(Slug::parse("acme-corp2").is_ok());
        for bad in [
            "",
            "Acme",
            "acme corp",
            "-acme",
            "12345",
            "acme_corp",
            "acmé",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded_in_characters() {
        assert_eq!(
            DisplayName::parse("  Acme  ", "name", 64).map(|n| n.0),
            Ok("Acme".into())
        );
        assert_eq!(
            DisplayName::parse(" ", "application name", 64),
            Err(InvalidName::Empty {
                what: "application name"
            })
        );
        assert!(DisplayName::parse(&"é".repeat(64), "name", 64).is_ok());
        assert!(DisplayName::parse(&"é".repeat(65), "name", 64).is_err());
    }
}
