//! The web example (`examples/webapp`) in a real browser: headless Chromium driven over
//! WebDriver (`chromedriver`, through `fantoccini`), against the crate's Bitbucket stand-in.
//!
//! Each test starts its own stand-in (demo users and repositories), the app on an ephemeral
//! port (the example's `app` module, compiled into this test), and `chromedriver` on a free
//! port; it waits for each to answer rather than sleeping. When `chromium` or `chromedriver` is
//! missing it runs `scripts/install-browser.sh` (Debian's `chromium` and `chromium-driver`, as
//! root); if the browser still cannot start, the test fails: it is never skipped. On failure it
//! saves a screenshot and the page source under `target/webapp-browser/`; the sign-in test also
//! saves the projects page there as `projects.png` (the README's screenshot).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(all(feature = "testkit", feature = "reqwest", feature = "serde"))]

#[path = "../examples/webapp/app/mod.rs"]
mod app;

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bitbucket_oauth::testkit::{StandIn, Times};
use bitbucket_oauth::{OAuthProblem, RsaPrivateKey};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CONSUMER: &str = "webapp-browser-test";
/// How long a page may take to appear.
const PAGE_TIMEOUT: Duration = Duration::from_secs(20);
/// The host of the second, unreachable server (port 1 on loopback: nothing listens there).
const UNREACHABLE_HOST: &str = "localhost";
const UNREACHABLE_BASE: &str = "http://localhost:1/bitbucket";

type Outcome = Result<(), String>;

/// Browser tests run one at a time: each starts a Chromium, and the machine may have 2 cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("webapp-browser")
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `chromium` and `chromedriver`, installed by `scripts/install-browser.sh` when missing.
fn browser_paths() -> &'static (PathBuf, PathBuf) {
    static PATHS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    PATHS.get_or_init(|| {
        let find = || Some((on_path("chromium")?, on_path("chromedriver")?));
        if let Some(found) = find() {
            return found;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-browser.sh");
        eprintln!(
            "chromium or chromedriver missing: running {}",
            script.display()
        );
        let status = Command::new("bash").arg(&script).status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "{} failed ({status:?}): the browser test needs Debian's chromium and chromium-driver",
            script.display()
        );
        find().expect("chromium and chromedriver are still not on PATH after install-browser.sh")
    })
}

/// A `chromedriver` this test started; killed (by its own handle) when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and opens a headless Chromium session, retrying the connection until
/// chromedriver answers (or exits, or 30 s pass: then the test fails with its output).
async fn start_browser(name: &str) -> (Driver, Client) {
    let (chromium, chromedriver) = browser_paths();
    let port = free_port();
    let log = target_dir().join(format!("{name}-chromedriver.log"));
    std::fs::create_dir_all(target_dir()).unwrap();
    let mut driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display())),
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1000,760", "--no-first-run", "--disable-extensions"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::native()
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) => {
                let exited = driver.0.try_wait().ok().flatten();
                if exited.is_some() || Instant::now() > deadline {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    panic!(
                        "the browser could not be started (chromedriver {exited:?}): {e}\nchromedriver log:\n{}",
                        log.lines().rev().take(40).collect::<Vec<_>>().join("\n")
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Everything one test drives: the stand-in, the app and a browser.
struct Harness {
    name: &'static str,
    stand_in: StandIn,
    app_url: String,
    browser: Client,
    _driver: Driver,
    _app: tokio::task::JoinHandle<std::io::Result<()>>,
    _one_at_a_time: tokio::sync::MutexGuard<'static, ()>,
}

impl Harness {
    async fn start(name: &'static str) -> Self {
        let one_at_a_time = ONE_AT_A_TIME.lock().await;
        let stand_in = StandIn::builder().demo_data().start().unwrap();
        let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
        stand_in
            .register_consumer(CONSUMER, key.public_key_pem().unwrap().as_bytes())
            .unwrap();
        let servers = vec![
            app::BitbucketServer::new(stand_in.base_url(), CONSUMER, key.clone()).unwrap(),
            app::BitbucketServer::new(UNREACHABLE_BASE, CONSUMER, key).unwrap(),
        ];
        // Bound before the app task starts: the browser's first request waits in the backlog.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app_url = format!("http://{}", listener.local_addr().unwrap());
        let app = app::App::new(&app_url, servers).unwrap();
        assert_eq!(
            app.hosts().collect::<Vec<_>>(),
            ["127.0.0.1", UNREACHABLE_HOST]
        );
        assert_eq!(
            app.callback_url("127.0.0.1"),
            format!("{app_url}/auth/auth/127.0.0.1")
        );
        let app_task = tokio::spawn(app::serve(listener, app));
        let (driver, browser) = start_browser(name).await;
        Self {
            name,
            stand_in,
            app_url,
            browser,
            _driver: driver,
            _app: app_task,
            _one_at_a_time: one_at_a_time,
        }
    }

    /// Closes the browser; on failure first saves a screenshot and the page source, then fails
    /// the test with the scenario's message.
    async fn finish(self, outcome: Outcome) {
        if let Err(message) = &outcome {
            let dir = target_dir();
            let png = dir.join(format!("{}-failure.png", self.name));
            let html = dir.join(format!("{}-failure.html", self.name));
            if let Ok(bytes) = self.browser.screenshot().await {
                let _ = std::fs::write(&png, bytes);
            }
            if let Ok(source) = self.browser.source().await {
                let _ = std::fs::write(&html, source);
            }
            let url = self.browser.current_url().await.map(|u| u.to_string());
            let _ = self.browser.close().await;
            panic!(
                "{message}\n  at {url:?}\n  screenshot: {}\n  page source: {}",
                png.display(),
                html.display()
            );
        }
        let _ = self.browser.close().await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app_url)
    }

    /// The path and query of the page the browser shows.
    async fn location(&self) -> Result<String, String> {
        let url = self
            .browser
            .current_url()
            .await
            .map_err(|e| e.to_string())?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// The HTTP status of the page the browser shows (Navigation Timing's `responseStatus`).
    async fn status(&self) -> Result<u64, String> {
        let value = self
            .browser
            .execute(
                "return performance.getEntriesByType('navigation')[0].responseStatus;",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        value
            .as_u64()
            .ok_or_else(|| format!("no response status: {value}"))
    }

    async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        self.browser
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("{css} did not appear: {e}"))
    }

    async fn text(&self, css: &str) -> Result<String, String> {
        self.wait_for(css)
            .await?
            .text()
            .await
            .map_err(|e| e.to_string())
    }

    async fn click(&self, css: &str) -> Result<(), String> {
        self.wait_for(css)
            .await?
            .click()
            .await
            .map_err(|e| format!("cannot click {css}: {e}"))
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        self.browser
            .goto(url)
            .await
            .map_err(|e| format!("cannot open {url}: {e}"))
    }

    /// From the app's home page, "Sign in with Bitbucket Server (host)"; on the stand-in, the
    /// login form as `user` (when it asks) until the approval form. Returns the request token
    /// the approval page is for.
    async fn sign_in_until_approval(&self, user: &str) -> Result<String, String> {
        self.goto(&self.url("/")).await?;
        self.click(r#"a[href="/auth/127.0.0.1"]"#).await?;
        self.browser
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css("#j_username, #approve"))
            .await
            .map_err(|e| format!("neither the login nor the approval page: {e}"))?;
        if self.browser.find(Locator::Css("#j_username")).await.is_ok() {
            let field = |css: &'static str| self.wait_for(css);
            field("#j_username")
                .await?
                .send_keys(user)
                .await
                .map_err(|e| e.to_string())?;
            field("#j_password")
                .await?
                .send_keys(user)
                .await
                .map_err(|e| e.to_string())?;
            self.click("#login-button").await?;
        }
        self.wait_for("#approve").await?;
        let url = self
            .browser
            .current_url()
            .await
            .map_err(|e| e.to_string())?;
        let token = url
            .query_pairs()
            .find(|(k, _)| k == "oauth_token")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| format!("the approval page's URL has no oauth_token: {url}"))?;
        Ok(token)
    }

    /// Signs in and allows: lands on `/projects`.
    async fn sign_in(&self, user: &str) -> Result<String, String> {
        let token = self.sign_in_until_approval(user).await?;
        self.click("#approve").await?;
        self.wait_for("#repositories").await?;
        Ok(token)
    }
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Outcome {
    if condition { Ok(()) } else { Err(message()) }
}

fn ensure_eq<T: PartialEq + std::fmt::Debug>(left: T, right: T, what: &str) -> Outcome {
    ensure(left == right, || {
        format!("{what}:\n  got:      {left:?}\n  expected: {right:?}")
    })
}

/// What alice sees on "Add project": every repository of the demo data she may read, in
/// Bitbucket's order: (project key, repository name, clone URL).
fn alice_expected(base: &str) -> Vec<(String, String, String)> {
    let mut rows: Vec<(&str, String)> = vec![
        ("ENG", "api-server".into()),
        ("ENG", "web-app".into()),
        ("ENG", "mobile-app".into()),
        ("OPS", "deploy-scripts".into()),
        ("PUB", "bitbucket-oauth".into()),
    ];
    rows.extend((1..=30).map(|i| ("PLAT", format!("service-{i:02}"))));
    rows.extend((1..=25).map(|i| ("DATA", format!("pipeline-{i:02}"))));
    rows.into_iter()
        .map(|(key, name)| {
            let clone = format!("{base}/scm/{}/{name}.git", key.to_ascii_lowercase());
            (key.to_owned(), name, clone)
        })
        .collect()
}

async fn table_rows(h: &Harness) -> Result<Vec<(String, String, String)>, String> {
    let value = h
        .browser
        .execute(
            "return Array.from(document.querySelectorAll('#repositories tbody tr'))
               .map(r => [r.cells[0].textContent, r.cells[1].textContent, r.cells[2].textContent]);",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let rows: Vec<(String, String, String)> =
        serde_json::from_value(value).map_err(|e| e.to_string())?;
    Ok(rows)
}

async fn sign_in_and_allow(h: &Harness) -> Outcome {
    h.sign_in("alice").await?;
    ensure_eq(h.location().await?, "/projects".into(), "after Allow")?;
    ensure_eq(h.status().await?, 200, "status of /projects")?;
    ensure_eq(h.text("#user").await?, "alice".into(), "signed-in user")?;
    ensure_eq(h.text("#count").await?, "60 repositories".into(), "count")?;
    let rows = table_rows(h).await?;
    let expected = alice_expected(h.stand_in.base_url());
    if let Some(i) = (0..rows.len().max(expected.len())).find(|&i| rows.get(i) != expected.get(i)) {
        return Err(format!(
            "the repositories: {} rows, expected {}; row {i} is {:?}, expected {:?}",
            rows.len(),
            expected.len(),
            rows.get(i),
            expected.get(i)
        ));
    }

    // The app followed Bitbucket's paging: three pages of 25.
    let queries: Vec<String> = h
        .stand_in
        .requests()
        .into_iter()
        .filter(|r| r.path == "/bitbucket/rest/api/1.0/repos")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    ensure_eq(
        queries,
        vec![
            "start=0&limit=25".to_owned(),
            "start=25&limit=25".to_owned(),
            "start=50&limit=25".to_owned(),
        ],
        "the REST calls",
    )?;

    // The session cookie: HttpOnly, SameSite=Lax, and the only cookie of the app.
    let cookies = h
        .browser
        .get_all_cookies()
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = cookies.iter().map(|c| c.name().to_owned()).collect();
    ensure_eq(
        names,
        vec!["webapp_session".to_owned()],
        "the app's cookies",
    )?;
    ensure_eq(cookies[0].http_only(), Some(true), "HttpOnly")?;
    ensure_eq(
        format!("{:?}", cookies[0].same_site()),
        "Some(Lax)".to_owned(),
        "SameSite",
    )?;

    // No secret on the page: the verifier the stand-in issued is not in it.
    let source = h.browser.source().await.map_err(|e| e.to_string())?;
    let verifier = h.stand_in.last_verifier().unwrap_or_default();
    ensure(verifier.len() == 6 && !source.contains(&verifier), || {
        "the verifier is on the projects page".into()
    })?;

    // The README's screenshot.
    let png = h.browser.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(target_dir().join("projects.png"), png).map_err(|e| e.to_string())?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_allow_and_see_every_repository_across_pages() {
    let h = Harness::start("sign_in").await;
    let outcome = sign_in_and_allow(&h).await;
    h.finish(outcome).await;
}

async fn deny(h: &Harness) -> Outcome {
    h.sign_in_until_approval("alice").await?;
    h.click("#deny").await?;
    ensure_eq(h.text("#denied").await?, "Access denied".into(), "heading")?;
    ensure_eq(h.status().await?, 403, "status of the denial page")?;
    ensure(
        h.location().await?.starts_with("/auth/auth/127.0.0.1?"),
        || "the denial page is not the callback".into(),
    )?;
    // Not signed in.
    h.goto(&h.url("/projects")).await?;
    ensure_eq(
        h.location().await?,
        "/?notice=session-expired".into(),
        "/projects after a denial",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_leads_to_the_denial_page() {
    let h = Harness::start("deny").await;
    let outcome = deny(&h).await;
    h.finish(outcome).await;
}

async fn tampered_and_replayed(h: &Harness) -> Outcome {
    // A callback whose token is not the pending one: 400, and the sign-in is over.
    let token = h.sign_in_until_approval("alice").await?;
    h.goto(&h.url(&format!(
        "/auth/auth/127.0.0.1?oauth_token={token}x&oauth_verifier=abc123"
    )))
    .await?;
    ensure_eq(h.status().await?, 400, "status of a tampered callback")?;
    ensure_eq(
        h.text("#error-title").await?,
        "Invalid sign-in callback".into(),
        "heading",
    )?;
    // A callback for the other server: 400 too.
    let token = h.sign_in_until_approval("alice").await?;
    h.goto(&h.url(&format!(
        "/auth/auth/{UNREACHABLE_HOST}?oauth_token={token}&oauth_verifier=abc123"
    )))
    .await?;
    ensure_eq(h.status().await?, 400, "status of another host's callback")?;

    // A genuine sign-in, then its callback once more (a replay): 400; still signed in.
    let token = h.sign_in("alice").await?;
    let verifier = h.stand_in.last_verifier().unwrap_or_default();
    h.goto(&h.url(&format!(
        "/auth/auth/127.0.0.1?oauth_token={token}&oauth_verifier={verifier}"
    )))
    .await?;
    ensure_eq(h.status().await?, 400, "status of a replayed callback")?;
    ensure(
        h.text("#error-text").await?.contains("already used"),
        || "the replay page does not say so".into(),
    )?;
    h.goto(&h.url("/projects")).await?;
    ensure_eq(
        h.text("#count").await?,
        "60 repositories".into(),
        "still signed in",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_or_replayed_callback_gets_400() {
    let h = Harness::start("tampered").await;
    let outcome = tampered_and_replayed(&h).await;
    h.finish(outcome).await;
}

async fn logout(h: &Harness) -> Outcome {
    h.sign_in("alice").await?;
    h.click("#logout").await?;
    h.wait_for("#notice").await?;
    ensure_eq(
        h.location().await?,
        "/?notice=signed-out".into(),
        "after logout",
    )?;
    ensure_eq(
        h.text("#notice").await?,
        "You are signed out.".into(),
        "notice",
    )?;
    ensure(
        h.browser.find(Locator::Css("#signed-in")).await.is_err(),
        || "still shown as signed in".into(),
    )?;
    // The session is gone: "Add project" goes back to sign-in.
    h.goto(&h.url("/projects")).await?;
    ensure_eq(
        h.location().await?,
        "/?notice=session-expired".into(),
        "/projects after logout",
    )?;
    ensure_eq(
        h.text("#notice").await?,
        "Your session has expired. Sign in again.".into(),
        "notice",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let h = Harness::start("logout").await;
    let outcome = logout(&h).await;
    h.finish(outcome).await;
}

async fn error_pages(h: &Harness) -> Outcome {
    // A provider refusal: the typed problem and the provider's advice.
    h.stand_in
        .refuse(OAuthProblem::ConsumerKeyRefused, Times::Next(1));
    h.goto(&h.url("/")).await?;
    h.click(r#"a[href="/auth/127.0.0.1"]"#).await?;
    ensure_eq(
        h.text("#oauth-problem").await?,
        "consumer_key_refused".into(),
        "problem",
    )?;
    ensure_eq(h.status().await?, 502, "status of a refusal")?;
    ensure_eq(
        h.text("#provider-advice").await?,
        "refused on purpose by the stand-in (StandIn::refuse)".into(),
        "provider's advice",
    )?;
    ensure_eq(
        h.text("#what-to-do").await?,
        OAuthProblem::ConsumerKeyRefused.advice().to_owned(),
        "what to do",
    )?;

    // An unreachable server: a page that names it.
    h.goto(&h.url("/")).await?;
    h.click(&format!(r#"a[href="/auth/{UNREACHABLE_HOST}"]"#))
        .await?;
    ensure_eq(
        h.text("#error-title").await?,
        format!("Bitbucket Server ({UNREACHABLE_HOST}) cannot be reached"),
        "heading",
    )?;
    ensure_eq(h.status().await?, 502, "status of an unreachable server")?;
    let text = h.text("p.error").await?;
    ensure(text.contains(UNREACHABLE_BASE), || {
        format!("the page does not name {UNREACHABLE_BASE}: {text}")
    })?;

    // A callback with no session at all (expired): back to sign-in.
    h.browser
        .delete_all_cookies()
        .await
        .map_err(|e| e.to_string())?;
    h.goto(&h.url("/auth/auth/127.0.0.1?oauth_token=t&oauth_verifier=v"))
        .await?;
    ensure_eq(
        h.location().await?,
        "/?notice=session-expired".into(),
        "a callback without a session",
    )?;
    ensure_eq(h.status().await?, 200, "status of the sign-in page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_refusal_unreachable_server_and_expired_session_are_pages() {
    let h = Harness::start("errors").await;
    let outcome = error_pages(&h).await;
    h.finish(outcome).await;
}
