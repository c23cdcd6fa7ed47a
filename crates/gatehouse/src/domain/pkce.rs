//! PKCE (RFC 7636), S256 only: OAuth 2.1 and RFC 9700 §2.1.1 retire `plain`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPkce {
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    #[error("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    MalformedChallenge,
}

/// A `code_challenge` sent with an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// `method` defaults to `plain` in RFC 7636 when absent, which gatehouse refuses.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<CodeChallenge, InvalidPkce> {
        if method != Some("S256") {
            return Err(InvalidPkce::UnsupportedMethod);
        }
        if !is_pkce_string(challenge) {
            return Err(InvalidPkce::MalformedChallenge);
        }
        Ok(CodeChallenge(challenge.to_owned()))
    }

    /// Rebuilds a challenge read back from storage.
    pub fn from_stored(challenge: String) -> CodeChallenge {
        CodeChallenge(challenge)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` hashes to this challenge, compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        if !is_pkce_string(verifier) {
            return false;
        }
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        computed.as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

/// RFC 7636 §4.1 and §4.2: 43 to 128 unreserved characters.
fn is_pkce_string(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of RFC 7636, Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_example_verifies() {
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();

        assert!(challenge.is_satisfied_by(VERIFIER));
        assert!(!challenge.is_satisfied_by(&VERIFIER.replace('d', "e")));
    }

    #[test]
    fn plain_and_missing_methods_are_refused() {
        assert_eq!(
            CodeChallenge::parse(CHALLENGE, Some("plain")),
            Err(InvalidPkce::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::parse(CHALLENGE, None),
            Err(InvalidPkce::UnsupportedMethod)
        );
    }

    #[test]
    fn challenges_outside_the_alphabet_or_length_are_refused() {
        for bad in ["short", &"a".repeat(129), &format!("{}+", &CHALLENGE[..42])] {
            assert_eq!(
                CodeChallenge::parse(bad, Some("S256")),
                Err(InvalidPkce::MalformedChallenge),
                "{bad}"
            );
        }
    }
}
