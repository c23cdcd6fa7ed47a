//! A real headless Chromium, driven through WebDriver, for tests that must use a page as a
//! person does: fill the sign-in form, press the consent button, see where the browser lands.
//!
//! Each `Browser` starts its own `chromedriver` on a free port and a Chromium with a fresh
//! profile, so tests share no cookies and can run in parallel. Both come from Debian's
//! `chromium` and `chromium-driver` packages, which `scripts/test` installs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long a page may take to show an element a test looks for. Generous, because two cores
/// shared by a parallel test suite and a browser can be slow, and a wait ends as soon as the
/// element appears.
const ELEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A headless Chromium session; dropping it ends the browser and its driver.
pub struct Browser {
    client: Client,
    /// Declared after `client` so that the session is dropped before its driver.
    _driver: Driver,
    /// Chromium's profile, deleted with the `Browser`.
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver and opens a headless Chromium session in a fresh profile.
    pub async fn start() -> Browser {
        let driver = Driver::start().await;
        let profile = TempDir::new().unwrap();
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&profile))
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| panic!("Chromium did not start: {error}"));
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Loads `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("could not load {url}: {error}"));
    }

    /// The first element matching the CSS selector, waiting for the page to show it.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(ELEMENT_TIMEOUT)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!(
                "no element matches {css:?} on {}: {error}",
                self.current_url().await
            ),
        }
    }

    /// Replaces the value of the input matching `css` with `text`, typed key by key.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Clicks the element matching `css`, as a person would.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    pub async fn current_url(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    /// The page's HTML as the browser sees it now, scripts' changes included.
    pub async fn page_source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Writes what the window shows to `path` as a PNG, for a person to look at.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Ends the session, which quits Chromium; the driver then ends as the `Browser` drops.
    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// What chromedriver is asked to start: Debian's Chromium, headless, in a window the size of
/// the consent popup, and quiet: no first-run pages, no updates and no traffic of its own.
fn capabilities(profile: &TempDir) -> serde_json::Map<String, serde_json::Value> {
    let args = [
        "--headless",
        // The tests run as root, where Chromium's sandbox refuses to start.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=520,720",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    capabilities
}

/// A chromedriver process of our own, listening on a free port of 127.0.0.1.
struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "{CHROMEDRIVER} or {CHROMIUM} is missing: run scripts/test, which installs \
             Debian's chromium and chromium-driver packages"
        );
        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // Output kept open by a leftover browser would make nextest wait for it.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut driver = Driver { process, port };
        driver.wait_until_ready().await;
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls chromedriver's status until it says it takes sessions.
    async fn wait_until_ready(&mut self) {
        let status = format!("{}/status", self.url());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(exit) = self.process.try_wait().unwrap() {
                panic!("chromedriver exited at start: {exit}");
            }
            if is_ready(&status).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not answer on {status} within 10 s");
    }

    /// Asks chromedriver to quit the browsers it started, then itself, and waits a little for
    /// that. Killing chromedriver alone would leave Chromium running as an orphan.
    fn shut_down(&mut self) {
        if ask_to_shut_down(self.port).is_err() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.process.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Driver {
    /// Runs even when a test panics, where nothing async can: so the shutdown request is
    /// plain blocking I/O. `kill_on_drop` then ends a chromedriver that did not listen.
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A port that was free a moment ago. chromedriver opens its port itself, so another process
/// could take this one in between: rare enough on a test machine to accept.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn is_ready(status_url: &str) -> bool {
    let Ok(response) = reqwest::get(status_url).await else {
        return false;
    };
    let Ok(body) = response.json::<serde_json::Value>().await else {
        return false;
    };
    body["value"]["ready"] == true
}

/// chromedriver's `/shutdown`, sent over a blocking socket; returns once it has answered.
fn ask_to_shut_down(port: u16) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    // chromedriver keeps the connection open, so the first bytes of its answer are the signal
    // rather than the end of the stream.
    match stream.read(&mut [0; 512])? {
        0 => Err(std::io::ErrorKind::UnexpectedEof.into()),
        _ => Ok(()),
    }
}
