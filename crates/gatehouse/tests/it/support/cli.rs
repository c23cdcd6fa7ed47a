//! Runs the real `gatehouse` binary against a test database.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::TestDb;

pub struct Cli<'a> {
    db: &'a TestDb,
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The stdout of a successful `--json` command, parsed.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.code, 0, "command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!("stdout is not one JSON value ({error}): {:?}", self.stdout)
        })
    }

    /// Asserts the command refused its input: exit status 2 and one line naming `needle`.
    pub fn assert_invalid(&self, needle: &str) {
        assert_eq!(
            self.code, 2,
            "stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stderr.lines().count(), 1, "stderr: {:?}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in {:?}",
            self.stderr
        );
        assert!(self.stdout.is_empty(), "stdout: {:?}", self.stdout);
    }
}

impl<'a> Cli<'a> {
    pub fn new(db: &'a TestDb) -> Cli<'a> {
        Cli { db }
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "").await
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .arg("--database-url")
            .arg(&self.db.url)
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("GATEHOUSE_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        let output = child.wait_with_output().await.unwrap();
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Creates a user with a fixed password and returns their id.
    pub async fn create_user(&self, email: &str) -> String {
        let output = self
            .run_with_stdin(
                &[
                    "user",
                    "create",
                    "--email",
                    email,
                    "--name",
                    "Test User",
                    "--password-stdin",
                    "--json",
                ],
                "correct horse battery\n",
            )
            .await;
        output.json()["id"].as_str().unwrap().to_owned()
    }

    /// Creates an organization owned by `owner` and returns its id.
    pub async fn create_org(&self, slug: &str, owner: &str) -> String {
        let output = self
            .run(&[
                "org", "create", "--slug", slug, "--name", "Test Org", "--owner", owner, "--json",
            ])
            .await;
        output.json()["id"].as_str().unwrap().to_owned()
    }

    /// `app create --json` with valid arguments, where `overrides` replace (or, for a
    /// repeatable flag such as `--redirect-uri`, add to) the defaults, and `flags` are
    /// appended.
    pub async fn create_app(&self, overrides: &[(&str, &str)], flags: &[&str]) -> Output {
        let mut pairs = vec![
            ("--name", "Partner"),
            ("--redirect-uri", "https://partner.example/callback"),
            ("--homepage-url", "https://partner.example"),
            ("--privacy-url", "https://partner.example/privacy"),
            ("--terms-url", "https://partner.example/terms"),
            ("--scopes", "org:read project:read"),
        ];
        for (flag, value) in overrides {
            let repeatable = matches!(*flag, "--redirect-uri" | "--allowed-origin");
            match pairs.iter_mut().find(|(f, _)| f == flag) {
                Some(pair) if !repeatable => pair.1 = value,
                _ => pairs.push((flag, value)),
            }
        }
        let mut args = vec!["app", "create", "--json"];
        for (flag, value) in pairs {
            args.extend([flag, value]);
        }
        args.extend_from_slice(flags);
        self.run(&args).await
    }
}
