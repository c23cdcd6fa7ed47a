//! The server key: 32 secret bytes from which gatehouse derives the secrets it must be able
//! to use but may not store — today, each application's webhook signing secret.
//!
//! gatehouse keeps client secrets, tokens and passwords only as digests. A webhook signing
//! secret cannot work that way, because gatehouse itself signs with it. So it is derived,
//! never stored:
//!
//! ```text
//! webhook_secret = hex(HMAC-SHA256(server_key,
//!                      "gatehouse webhook v1" 0x00 client_id 0x00 generation))
//! ```
//!
//! where `generation` is the application's decimal `webhook_generation`, which re-issuing
//! the secret (`gatehouse app set-webhook`) bumps. A copy of the database alone reveals no
//! secret; the key and the database together reveal all of them.
//!
//! The key is `GATEHOUSE_SECRET_KEY` (64 hex characters) when that is set, otherwise the
//! key file (`--secret-key-file`, `GATEHOUSE_SECRET_KEY_FILE`, default `gatehouse.key` in the
//! working directory), which holds the key as 64 hex characters and is created, mode 0600,
//! from 32 random bytes the first time a secret is needed. The admin commands that print a
//! secret and every server instance must use the same key: several instances behind a load
//! balancer share it through the variable or a shared file. A changed or lost key changes
//! every webhook secret; `gatehouse app set-webhook` issues new ones.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

use crate::domain::secret::random_hex;
use crate::domain::{ClientId, WebhookSecret};

/// The variable that holds the key itself, as 64 hex characters.
pub const KEY_VARIABLE: &str = "GATEHOUSE_SECRET_KEY";
/// Where the key file is when neither the flag nor its variable says.
pub const DEFAULT_KEY_FILE: &str = "gatehouse.key";

/// `--secret-key-file`, for the commands that need the server key.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// The file holding the server key that webhook signing secrets are derived from, used
    /// when GATEHOUSE_SECRET_KEY is not set; created (mode 0600) on first use. The server
    /// and the admin commands must use the same key.
    #[arg(long, env = "GATEHOUSE_SECRET_KEY_FILE", default_value = DEFAULT_KEY_FILE)]
    pub secret_key_file: PathBuf,
}

impl KeyArgs {
    /// Where the key comes from, checked now: a malformed `GATEHOUSE_SECRET_KEY` or key
    /// file is refused before anything else happens.
    pub fn source(&self) -> Result<KeySource, KeyError> {
        KeySource::new(std::env::var(KEY_VARIABLE).ok(), &self.secret_key_file)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0} must be 64 hexadecimal characters (32 bytes)")]
    Malformed(String),
    #[error("cannot read the key file {path}: {error}")]
    Unreadable { path: String, error: std::io::Error },
    #[error("cannot create the key file {path}: {error}")]
    Uncreatable { path: String, error: std::io::Error },
    #[error("the key file {0} may be read by other users; make it mode 0600")]
    TooOpen(String),
}

/// The 32-byte server key. `Debug` hides it.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl ServerKey {
    pub fn generate() -> ServerKey {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        ServerKey(bytes)
    }

    /// 64 hex characters; surrounding whitespace (a file's final newline) is ignored.
    /// `origin` names where the text came from, for the error message.
    pub fn from_hex(text: &str, origin: &str) -> Result<ServerKey, KeyError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| KeyError::Malformed(origin.to_owned()))?;
        Ok(ServerKey(bytes))
    }

    fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The signing secret of `client_id`'s webhook in its `generation`.
    pub fn webhook_secret(&self, client_id: &ClientId, generation: i64) -> WebhookSecret {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length"));
        mac.update(b"gatehouse webhook v1\0");
        mac.update(client_id.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(generation.to_string().as_bytes());
        WebhookSecret::from_derived(hex::encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

/// Where the server key comes from: known already, or a key file not created yet.
#[derive(Debug, Clone)]
pub enum KeySource {
    Known(ServerKey),
    /// Created by the first [`KeySource::load`].
    File(PathBuf),
}

impl KeySource {
    /// `variable` is the value of `GATEHOUSE_SECRET_KEY`, if set. A key file that exists
    /// is read now, so that a bad one stops the command before it does anything.
    pub fn new(variable: Option<String>, file: &Path) -> Result<KeySource, KeyError> {
        if let Some(text) = variable.filter(|text| !text.is_empty()) {
            return ServerKey::from_hex(&text, KEY_VARIABLE).map(KeySource::Known);
        }
        match read_key_file(file)? {
            Some(key) => Ok(KeySource::Known(key)),
            None => Ok(KeySource::File(file.to_owned())),
        }
    }

    /// The key, creating the key file if it does not exist yet.
    pub fn load(&self) -> Result<ServerKey, KeyError> {
        match self {
            KeySource::Known(key) => Ok(key.clone()),
            KeySource::File(path) => match read_key_file(path)? {
                Some(key) => Ok(key),
                None => create_key_file(path),
            },
        }
    }
}

/// `None` when the file does not exist.
fn read_key_file(path: &Path) -> Result<Option<ServerKey>, KeyError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(KeyError::Unreadable { path: shown, error }),
    };
    check_permissions(path)?;
    let origin = format!("the key file {shown}");
    ServerKey::from_hex(&text, &origin).map(Some)
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = || path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|error| KeyError::Unreadable {
        path: shown(),
        error,
    })?;
    if metadata.permissions().mode() & 0o077 != 0 {
        return Err(KeyError::TooOpen(shown()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

/// Writes a fresh key to a private temporary file and links it into place, so that a
/// reader never sees a half-written key, and of two processes creating the file at once
/// (a server and an admin command) both end up with the one that won.
fn create_key_file(path: &Path) -> Result<ServerKey, KeyError> {
    let shown = || path.display().to_string();
    let uncreatable = |error| KeyError::Uncreatable {
        path: shown(),
        error,
    };
    let key = ServerKey::generate();
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or("key".into(), |name| name.to_string_lossy()),
        random_hex(6)
    ));
    write_private(&temporary, &format!("{}\n", key.to_hex())).map_err(uncreatable)?;

    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(key),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
            read_key_file(path)?.ok_or_else(|| uncreatable(error))
        }
        Err(error) => Err(uncreatable(error)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_id() -> ClientId {
        ClientId::parse(&"c".repeat(64)).unwrap()
    }

    #[test]
    fn the_secret_is_the_documented_hmac() {
        let key = ServerKey::from_hex(&"01".repeat(32), "test").unwrap();

        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[1u8; 32]).unwrap();
        mac.update(format!("gatehouse webhook v1\0{}\0{}", "c".repeat(64), 3).as_bytes());
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(key.webhook_secret(&client_id(), 3).expose(), expected);
        assert_ne!(key.webhook_secret(&client_id(), 4).expose(), expected);
    }

    #[test]
    fn a_malformed_variable_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gatehouse.key");

        for bad in ["abc", &"zz".repeat(32), &"01".repeat(33)] {
            let error = KeySource::new(Some(bad.to_owned()), &file).unwrap_err();
            assert!(
                error.to_string().contains("GATEHOUSE_SECRET_KEY"),
                "{error}"
            );
        }
        assert!(!file.exists());
    }

    #[test]
    fn the_key_file_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gatehouse.key");
        let source = KeySource::new(None, &file).unwrap();
        assert!(matches!(source, KeySource::File(_)), "nothing created yet");

        let first = source.load().unwrap();
        let second = KeySource::new(None, &file).unwrap().load().unwrap();

        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_malformed_or_open_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gatehouse.key");
        write_private(&file, "not a key\n").unwrap();

        let error = KeySource::new(None, &file).unwrap_err();
        assert!(error.to_string().contains("64 hexadecimal"), "{error}");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&file, "01".repeat(32)).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = KeySource::new(None, &file).unwrap_err();
            assert!(matches!(error, KeyError::TooOpen(_)), "{error}");
        }
    }

    #[test]
    fn the_key_never_prints() {
        let key = ServerKey::from_hex(&"ab".repeat(32), "test").unwrap();

        assert!(!format!("{key:?}").contains("abab"));
        assert!(!format!("{:?}", KeySource::Known(key)).contains("abab"));
    }
}
