//! The harness for tests that drive real pages in headless Chromium.

use crate::support::browser::Browser;
use crate::support::{TestApp, TestDb};

#[tokio::test]
async fn a_headless_browser_reads_the_health_page() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let browser = Browser::start().await;
    let screenshot = tempfile::NamedTempFile::new().unwrap();

    let url = format!("{}/_health/", app.address);
    browser.goto(&url).await;
    let source = browser.page_source().await;
    let shown = browser.find("body").await.text().await.unwrap();
    let landed = browser.current_url().await;
    browser.screenshot(screenshot.path()).await;
    browser.close().await;

    assert!(source.contains("\"status\""), "{source}");
    assert!(source.contains("ok"), "{source}");
    assert_eq!(shown, r#"{"status":"ok"}"#);
    assert_eq!(landed.as_str(), url);
    let png = std::fs::read(screenshot.path()).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}
