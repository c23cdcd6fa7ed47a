//! The server process: health, and `serve --demo` through the real binary.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{TestApp, TestDb, on_both_backends};

async fn health_answers_ok_when_the_database_does(db: TestDb) {
    let app = TestApp::spawn(db).await;

    let response = app.get("/_health/").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );
}

async fn serve_demo_creates_the_demo_once_and_stops_on_sigterm(db: TestDb) {
    let first = DemoServer::start(&db).await;
    assert!(
        first.banner.contains("demo@example.com / gatehouse-demo"),
        "{}",
        first.banner
    );
    let health = reqwest::get(format!("{}/_health/", first.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let first_banner = first.banner.clone();
    first.stop_gracefully().await;

    let second = DemoServer::start(&db).await;
    second.stop_gracefully().await;

    let storage = db.storage().await;
    let apps = storage.list_applications().await.unwrap();
    assert_eq!(
        apps.len(),
        1,
        "a second --demo start reuses the demo application"
    );
    assert!(first_banner.contains(apps[0].client_id.as_str()));
    let user = storage
        .find_user_by_email("demo@example.com")
        .await
        .unwrap()
        .unwrap();
    let memberships = storage.list_memberships(user.id).await.unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].organization.slug, "demo");
}

on_both_backends![
    health_answers_ok_when_the_database_does,
    serve_demo_creates_the_demo_once_and_stops_on_sigterm,
];

#[tokio::test]
async fn serve_refuses_an_insecure_issuer_with_status_2() {
    let db = TestDb::sqlite().await;

    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "--database-url",
            &db.url,
            "serve",
            "--issuer",
            "http://auth.example.com",
        ])
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("plain http"), "{stderr}");
}

/// `gatehouse serve --demo` running as a child process.
struct DemoServer {
    child: Child,
    address: String,
    banner: String,
}

impl DemoServer {
    async fn start(db: &TestDb) -> DemoServer {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args([
                "--database-url",
                &db.url,
                "serve",
                "--demo",
                "--listen",
                &listen,
            ])
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();

        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let last = line.contains("health");
            banner.push_str(&line);
            banner.push('\n');
            if last {
                break;
            }
        }
        let address = format!("http://{listen}");
        wait_until_healthy(&address).await;
        DemoServer {
            child,
            address,
            banner,
        }
    }

    async fn stop_gracefully(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the server stops within 10 s of SIGTERM")
            .unwrap();
        assert!(status.success(), "exit status after SIGTERM: {status}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_healthy(address: &str) {
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("{address}/_health/")).await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{address} did not become healthy");
}
