//! The secrets gatehouse hands out: access tokens, refresh tokens and authorization codes.
//!
//! Each is a recognizable prefix, 43 random base62 characters (256 bits) and a 6-character
//! checksum, so that a secret scanner can spot a leaked gatehouse token offline, and so that
//! gatehouse can refuse a mistyped one without touching the database. Only SHA-256 digests
//! are stored.

use std::fmt;

use rand::Rng;
use rand::rngs::OsRng;

use super::Digest;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS: usize = 43;
const CHECKSUM_CHARS: usize = 6;

/// What a secret is for; each kind has its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
    Code,
    /// A browser session's id, the value of its cookie.
    Session,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::Access => "gat_",
            TokenKind::Refresh => "grt_",
            TokenKind::Code => "gac_",
            TokenKind::Session => "gss_",
        }
    }
}

/// A freshly made secret. Its value is shown to the client once; `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken(String);

impl IssuedToken {
    pub fn generate(kind: TokenKind) -> IssuedToken {
        let mut value = String::with_capacity(4 + RANDOM_CHARS + CHECKSUM_CHARS);
        value.push_str(kind.prefix());
        for _ in 0..RANDOM_CHARS {
            value.push(char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]));
        }
        let checksum = checksum(&value);
        value.push_str(&checksum);
        IssuedToken(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> Digest {
        Digest::of(&self.0)
    }

    /// The last characters, kept in storage so people can tell their tokens apart.
    pub fn last_chars(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedToken(<redacted>)")
    }
}

/// Whether `presented` is well formed for `kind`: right prefix, length, alphabet and
/// checksum. A cheap check before any lookup; it says nothing about validity.
pub fn is_well_formed(kind: TokenKind, presented: &str) -> bool {
    let Some(rest) = presented.strip_prefix(kind.prefix()) else {
        return false;
    };
    if rest.len() != RANDOM_CHARS + CHECKSUM_CHARS || !rest.bytes().all(|b| ALPHABET.contains(&b)) {
        return false;
    }
    let (body, sum) = presented.split_at(presented.len() - CHECKSUM_CHARS);
    checksum(body) == sum
}

/// CRC-32 of the prefix and random part, in six base62 characters.
fn checksum(body: &str) -> String {
    let mut crc = u64::from(crc32fast::hash(body.as_bytes()));
    let mut chars = [b'0'; CHECKSUM_CHARS];
    for slot in chars.iter_mut().rev() {
        *slot = ALPHABET[(crc % 62) as usize];
        crc /= 62;
    }
    String::from_utf8_lossy(&chars).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_prefix_and_a_valid_checksum() {
        for kind in [
            TokenKind::Access,
            TokenKind::Refresh,
            TokenKind::Code,
            TokenKind::Session,
        ] {
            let token = IssuedToken::generate(kind);

            assert!(token.expose().starts_with(kind.prefix()));
            assert_eq!(token.expose().len(), 53);
            assert!(is_well_formed(kind, token.expose()));
        }
    }

    #[test]
    fn a_single_changed_character_breaks_the_checksum() {
        let token = IssuedToken::generate(TokenKind::Access);
        let mut chars: Vec<char> = token.expose().chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let mistyped: String = chars.into_iter().collect();

        assert!(!is_well_formed(TokenKind::Access, &mistyped));
    }

    #[test]
    fn a_refresh_token_is_not_a_well_formed_access_token() {
        let refresh = IssuedToken::generate(TokenKind::Refresh);

        assert!(!is_well_formed(TokenKind::Access, refresh.expose()));
    }

    #[test]
    fn tokens_do_not_repeat_and_do_not_print() {
        let (a, b) = (
            IssuedToken::generate(TokenKind::Access),
            IssuedToken::generate(TokenKind::Access),
        );

        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(&a.expose()[4..]));
    }
}
