//! Client credentials and passwords, and the digests that are all gatehouse stores of them.
//!
//! Secret values live in types whose `Debug` output is redacted, so a stray `{:?}` in a log
//! line cannot leak one. Comparisons of secrets go through [`Digest::verify`], which takes
//! the same time whatever the input.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// The SHA-256 digest of a secret, as 64 lowercase hex characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Digest(String);

impl Digest {
    pub fn of(secret: &str) -> Digest {
        Digest(hex::encode(Sha256::digest(secret.as_bytes())))
    }

    /// Rebuilds a digest read back from storage.
    pub fn from_stored(hex: String) -> Digest {
        Digest(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is the secret this is the digest of, in constant time.
    pub fn verify(&self, presented: &str) -> bool {
        let presented = Digest::of(presented);
        self.0.as_bytes().ct_eq(presented.0.as_bytes()).into()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({}…)", &self.0[..self.0.len().min(8)])
    }
}

/// An application's public identifier: 64 random lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn generate() -> ClientId {
        ClientId(random_hex(32))
    }

    pub fn parse(input: &str) -> Option<ClientId> {
        let valid = input.len() == 64
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| ClientId(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A confidential client's secret, `sntrya_` and 64 hex characters as at Sentry. Shown to
/// the operator once; only its [`Digest`] is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub const PREFIX: &'static str = "sntrya_";

    pub fn generate() -> ClientSecret {
        ClientSecret(format!("{}{}", Self::PREFIX, random_hex(32)))
    }

    pub fn digest(&self) -> Digest {
        Digest::of(&self.0)
    }

    /// The secret itself, for the one time it is shown.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// A password as typed. Never stored: see [`PasswordHash`].
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPassword {
    #[error("the password must be at least {0} characters long")]
    TooShort(usize),
    #[error("the password may be at most {0} characters long")]
    TooLong(usize),
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(input: String) -> Result<Password, InvalidPassword> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(InvalidPassword::TooShort(Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(InvalidPassword::TooLong(Self::MAX_CHARS));
        }
        Ok(Password(input))
    }

    /// A password as typed at sign-in, not checked against the creation rules.
    pub fn presented(input: String) -> Password {
        Password(input)
    }

    /// Hashes with argon2id and a random salt. Slow on purpose: call off the async executor.
    pub fn hash(&self) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_else(|error| unreachable!("argon2 with default parameters: {error}"))
    }

    /// Checks against a stored argon2 hash. Slow on purpose: call off the async executor.
    pub fn verify(&self, stored_hash: &str) -> bool {
        PasswordHash::new(stored_hash)
            .map(|hash| {
                Argon2::default()
                    .verify_password(self.0.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_64_lowercase_hex_characters() {
        let id = ClientId::generate();

        assert_eq!(ClientId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(ClientId::parse(&id.as_str().to_uppercase()), None);
        assert_eq!(ClientId::parse(&id.as_str()[1..]), None);
    }

    #[test]
    fn client_secrets_look_like_sentrys_and_never_print() {
        let secret = ClientSecret::generate();

        assert!(secret.expose().starts_with("sntrya_"));
        assert_eq!(secret.expose().len(), 7 + 64);
        assert!(!format!("{secret:?}").contains(&secret.expose()[7..]));
    }

    #[test]
    fn a_digest_verifies_only_its_own_secret() {
        let secret = ClientSecret::generate();
        let digest = secret.digest();

        assert!(digest.verify(secret.expose()));
        assert!(!digest.verify(ClientSecret::generate().expose()));
        assert_eq!(digest.as_str().len(), 64);
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        let hash = password.hash();

        assert!(hash.starts_with("$argon2id$"));
        assert!(password.verify(&hash));
        assert!(!Password::presented("wrong password".into()).verify(&hash));
        assert!(!password.verify("not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            Password::parse("short".into()).err(),
            Some(InvalidPassword::TooShort(8))
        );
    }
}
