//! End-to-end tests of the `dance` CLI's `login`, `request`, `renew` and `keygen`, its error
//! exits and its no-argument demo, against two providers:
//!
//! - the stand-in (`testkit::StandIn`, run in this process), and
//! - a provider on Python's oauthlib (`tests/python/oauthlib_provider.py`, started as a child
//!   process from the pinned virtualenv of `tests/support/python.rs`; the test fails loudly,
//!   with the provider's stderr, if it cannot start it).
//!
//! The example is built once with `cargo build --example dance --features testkit,reqwest` (in
//! the target directory of this test run) and copied to a private path. Every child process
//! runs under a timeout and is killed when it passes.
//!
//! Where the providers differ (oauthlib reports no `oauth_problem` and has no session
//! handles), each side is asserted exactly; see `tests/interop.rs` for the same differences at
//! the library level.
#![cfg(all(feature = "reqwest", feature = "testkit"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/dance_bin.rs"]
mod dance_bin;
#[path = "support/oauthlib_provider.rs"]
mod oauthlib_provider;
#[path = "support/python.rs"]
mod python;

use oauthlib_provider::OauthlibProvider;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bitbucket_oauth::RsaPrivateKey;
use bitbucket_oauth::testkit::{self, RegisteredConsumer, StandIn};
use serde_json::{Value, json};

/// oauthlib's default `check_client_key` wants 20 to 30 ASCII letters and digits.
const CONSUMER_KEY: &str = "bitbucketOauthInterop";
const CONTEXT_PATH: &str = "/bitbucket";
/// The bound on one CLI command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);
/// The bound on the demo (it generates a key).
const DEMO_TIMEOUT: Duration = Duration::from_secs(180);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn key_path() -> PathBuf {
    manifest_dir().join("tests/data/test_rsa_2048_pkcs8.pem")
}

fn public_key_pem(private_pem: &str) -> String {
    RsaPrivateKey::from_pem(private_pem)
        .unwrap()
        .public_key_pem()
        .unwrap()
}

fn test_public_key() -> String {
    public_key_pem(&std::fs::read_to_string(key_path()).unwrap())
}

// ---------------------------------------------------------------------------------------------
// The binary.

fn dance_binary() -> &'static Path {
    dance_bin::dance_binary("cli_dance")
}

/// A fresh working directory for one test, removed when the test passes.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("cli_dance")
            .join(format!(
                "{name}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A running `dance` with piped stdio; killed on drop if still running.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout_lines: Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    deadline: Instant,
    what: String,
}

/// What a finished `dance` printed.
#[derive(Debug)]
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn collect(pipe: impl std::io::Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            into.lock().unwrap().push_str(&line);
            line.clear();
        }
    })
}

impl Running {
    fn start(args: &[&str], dir: &WorkDir, timeout: Duration) -> Self {
        let mut child = Command::new(dance_binary())
            .args(args)
            .current_dir(&dir.0)
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("could not run the dance example");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (lines_tx, stdout_lines) = mpsc::channel();
        let out_pipe = child.stdout.take().unwrap();
        let out_reader = {
            let stdout = Arc::clone(&stdout);
            thread::spawn(move || {
                let mut reader = BufReader::new(out_pipe);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    stdout.lock().unwrap().push_str(&line);
                    let _ = lines_tx.send(line.trim_end().to_owned());
                    line.clear();
                }
            })
        };
        let err_reader = collect(child.stderr.take().unwrap(), Arc::clone(&stderr));
        Self {
            stdin: child.stdin.take(),
            child,
            stdout_lines,
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
            deadline: Instant::now() + timeout,
            what: format!("dance {}", args.join(" ")),
        }
    }

    fn printed(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout.lock().unwrap(),
            self.stderr.lock().unwrap()
        )
    }

    /// The next stdout line that satisfies `pred`.
    fn line_where(&mut self, pred: impl Fn(&str) -> bool) -> String {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.stdout_lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(e) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{}: no such line on stdout ({e:?})\n{}",
                        self.what,
                        self.printed()
                    );
                }
            }
        }
    }

    fn write_stdin(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the exit (closing stdin first); kills and panics at the deadline.
    fn finish(mut self) -> Finished {
        drop(self.stdin.take());
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= self.deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{} did not finish in time\n{}", self.what, self.printed());
            }
            thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let finished = Finished {
            status,
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        };
        assert!(
            !finished.stderr.contains("panicked"),
            "{} panicked: {}",
            self.what,
            finished.stderr
        );
        finished
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `dance <args>` to the end (bounded by `timeout`), with empty stdin.
fn dance(args: &[&str], dir: &WorkDir, timeout: Duration) -> Finished {
    Running::start(args, dir, timeout).finish()
}

fn succeeds(args: &[&str], dir: &WorkDir) -> Finished {
    let out = dance(args, dir, COMMAND_TIMEOUT);
    assert!(out.status.success(), "dance {args:?} failed: {out:?}");
    out
}

fn fails(args: &[&str], dir: &WorkDir) -> Finished {
    let out = dance(args, dir, COMMAND_TIMEOUT);
    assert_eq!(out.status.code(), Some(1), "dance {args:?}: {out:?}");
    assert!(out.stderr.starts_with("error: "), "{out:?}");
    out
}

// ---------------------------------------------------------------------------------------------
// The oauthlib provider (the same harness as in tests/interop.rs).

// ---------------------------------------------------------------------------------------------
// Targets.

enum Target {
    Oauthlib(OauthlibProvider),
    StandIn(Box<StandIn>),
}

impl Target {
    fn oauthlib() -> Self {
        Self::Oauthlib(OauthlibProvider::start(
            &test_public_key(),
            CONSUMER_KEY,
            CONTEXT_PATH,
        ))
    }

    fn stand_in() -> Self {
        Self::StandIn(Box::new(stand_in_for(&test_public_key())))
    }

    fn base_url(&self) -> &str {
        match self {
            Self::Oauthlib(p) => &p.base_url,
            Self::StandIn(s) => s.base_url(),
        }
    }

    fn is_stand_in(&self) -> bool {
        matches!(self, Self::StandIn(_))
    }

    /// `--base-url B --consumer-key K --private-key P`.
    fn connection(&self) -> Vec<String> {
        vec![
            "--base-url".into(),
            self.base_url().to_owned(),
            "--consumer-key".into(),
            CONSUMER_KEY.into(),
            "--private-key".into(),
            key_path().display().to_string(),
        ]
    }
}

fn stand_in_for(public_key_pem: &str) -> StandIn {
    StandIn::builder()
        .context_path(CONTEXT_PATH)
        .consumer(RegisteredConsumer::rsa(CONSUMER_KEY, public_key_pem.as_bytes()).unwrap())
        .start()
        .unwrap()
}

fn args<'a>(parts: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = parts.iter().map(String::as_str).collect();
    all.extend_from_slice(more);
    all
}

fn get(url: &str) -> http::Response<Vec<u8>> {
    testkit::http::send(&http::Request::get(url).body(Vec::new()).unwrap())
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The user at the authorization page: logs in and allows as `alice` where asked (the
/// stand-in, as Bitbucket); oauthlib's page decides at once.
fn approve(url: &str) -> http::Response<Vec<u8>> {
    testkit::browser::approve(url, "alice").unwrap_or_else(|e| panic!("authorize {url}: {e}"))
}

// Runs the scenario against both providers, as `<scenario>::oauthlib` and
// `<scenario>::stand_in`.
oauthlib_provider::on_both!(
    login_oob,
    login_callback,
    request_get_with_query,
    request_post_form,
    request_json_body,
    renew,
    wrong_consumer_key,
);

/// Reads the authorization URL the CLI prints on its own line, checks it, and returns it.
fn authorize_url(running: &mut Running, target: &Target) -> String {
    let url = running.line_where(|line| line.starts_with("http://"));
    let prefix = format!(
        "{}/plugins/servlet/oauth/authorize?oauth_token=",
        target.base_url()
    );
    assert!(url.starts_with(&prefix), "{url}");
    url
}

/// `dance login --callback oob`: the test reads the code off the authorization page and types
/// it into the CLI's stdin. Returns the token file.
fn cli_login_oob(target: &Target, dir: &WorkDir) -> PathBuf {
    let token_file = dir.path("token.json");
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    let mut running = Running::start(
        &login_args(
            &connection,
            &["--callback", "oob", "--token-file", &token_arg],
        ),
        dir,
        COMMAND_TIMEOUT,
    );
    let url = authorize_url(&mut running, target);
    let page = approve(&url);
    assert_eq!(page.status(), 200);
    let code = testkit::oob_verifier(page.body()).expect("the page shows the code");
    running.write_stdin(&format!("{code}\n"));
    let out = running.finish();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stderr, "Verification code: ");
    assert_login_output(target, &out.stdout, &url, &token_file);
    token_file
}

fn login_args<'a>(connection: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["login"];
    all.extend(args(connection, more));
    all
}

fn request_args<'a>(connection: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["request"];
    all.extend(args(connection, more));
    all
}

/// What `login` prints and saves, on each provider.
fn assert_login_output(target: &Target, stdout: &str, url: &str, token_file: &Path) {
    let expires = if target.is_stand_in() {
        "157680000"
    } else {
        // oauthlib sends no oauth_expires_in.
        "an unknown number of"
    };
    assert_eq!(
        stdout,
        format!(
            "Open this URL in a browser and approve the access:\n{url}\n\
             Access token saved to {} (mode 0600); expires in {expires} s.\n\
             Logged in as alice (whoami).\n",
            token_file.display()
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(token_file).unwrap()).unwrap();
    assert!(saved["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(saved["secret"].as_str().is_some_and(|s| !s.is_empty()));
    let names: Vec<&str> = saved["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap())
        .collect();
    if target.is_stand_in() {
        assert_eq!(
            names,
            [
                "oauth_expires_in",
                "oauth_session_handle",
                "oauth_authorization_expires_in"
            ]
        );
    } else {
        assert_eq!(saved["fields"], json!([["oauth_authorized_realms", ""]]));
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

fn login_oob(target: &Target) {
    let dir = WorkDir::new("login_oob");
    cli_login_oob(target, &dir);
}

/// `dance login --callback http://127.0.0.1:0/cb`: the CLI listens on a port the system picks
/// (no port probed here, released and bound again by the CLI) and prints the callback it sends;
/// the test plays the browser, opening the authorization URL and following the provider's
/// redirect.
fn login_callback(target: &Target) {
    let dir = WorkDir::new("login_callback");
    let token_file = dir.path("token.json");
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    let mut running = Running::start(
        &login_args(
            &connection,
            &[
                "--callback",
                "http://127.0.0.1:0/cb",
                "--token-file",
                &token_arg,
            ],
        ),
        &dir,
        COMMAND_TIMEOUT,
    );
    let listening = running.line_where(|line| line.starts_with("Listening for the callback at "));
    let callback = listening
        .strip_prefix("Listening for the callback at ")
        .unwrap()
        .to_owned();
    let port: u16 = callback
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/cb"))
        .unwrap_or_else(|| panic!("{callback}"))
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let url = authorize_url(&mut running, target);
    let redirect = approve(&url);
    assert_eq!(redirect.status(), 302);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{callback}?oauth_token=")),
        "{location}"
    );
    let landing = get(&location);
    assert_eq!(landing.status(), 200);
    assert!(
        String::from_utf8_lossy(landing.body()).contains("Authorization received"),
        "{landing:?}"
    );
    let out = running.finish();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stderr, "");
    let rest = out
        .stdout
        .strip_prefix(&format!("{listening}\n"))
        .unwrap_or_else(|| panic!("{:?}", out.stdout));
    assert_login_output(target, rest, &url, &token_file);
}

/// The body of `request`'s output, `HTTP <status>\n<body>\n`, as JSON.
fn http_json(stdout: &str, status: u16) -> Value {
    let (first, rest) = stdout.split_once('\n').unwrap();
    assert_eq!(first, format!("HTTP {status}"), "{stdout}");
    serde_json::from_str(rest.trim_end()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// `dance request GET` with duplicates, `+`, non-ASCII and an empty value in the query.
fn request_get_with_query(target: &Target) {
    let dir = WorkDir::new("request_get");
    let token_file = cli_login_oob(target, &dir);
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    let query = "a=1&a=2&b=x+y&c=%C3%A9&d=&e=%2B%26";
    if target.is_stand_in() {
        let path = format!("/rest/api/1.0/projects?limit=1&{query}");
        let out = succeeds(
            &request_args(&connection, &["--token-file", &token_arg, "GET", &path]),
            &dir,
        );
        let page = http_json(&out.stdout, 200);
        assert_eq!(page["limit"], 1);
        assert_eq!(page["values"].as_array().unwrap().len(), 1);
    } else {
        let path = format!("/rest/api/1.0/echo?{query}");
        let out = succeeds(
            &request_args(&connection, &["--token-file", &token_arg, "get", &path]),
            &dir,
        );
        let seen = http_json(&out.stdout, 200);
        assert_eq!(
            seen["query"],
            json!([
                ["a", "1"],
                ["a", "2"],
                ["b", "x y"],
                ["c", "é"],
                ["d", ""],
                ["e", "+&"]
            ])
        );
        assert_eq!(seen["method"], "GET");
        assert_eq!(seen["user"], "alice");
    }
}

const FORM_ARGS: [&str; 14] = [
    "--form",
    "a=1",
    "--form",
    "a=2",
    "--form",
    "b=x y",
    "--form",
    "c=+",
    "--form",
    "d=café",
    "--form",
    "e=",
    "--form",
    "€=!*'()",
];

/// `dance request POST --form`. oauthlib: the echo resource shows the decoded form. The
/// stand-in has no POST resource: its one POST endpoint that takes an access token is renewal,
/// so the form carries `oauth_session_handle` along with the awkward fields, all of which the
/// stand-in must include in the base string it verifies; the renewed token is the proof.
fn request_post_form(target: &Target) {
    let dir = WorkDir::new("request_post");
    let token_file = cli_login_oob(target, &dir);
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    if target.is_stand_in() {
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(&token_file).unwrap()).unwrap();
        let handle = saved["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == "oauth_session_handle")
            .map(|pair| pair[1].as_str().unwrap().to_owned())
            .unwrap();
        let handle_field = format!("oauth_session_handle={handle}");
        let mut more = vec![
            "--token-file",
            &token_arg,
            "POST",
            "/plugins/servlet/oauth/access-token",
            "--form",
            &handle_field,
        ];
        more.extend_from_slice(&FORM_ARGS);
        let out = succeeds(&request_args(&connection, &more), &dir);
        let body = out.stdout.strip_prefix("HTTP 200\n").unwrap();
        assert!(body.starts_with("oauth_token="), "{body}");
        assert!(body.contains("&oauth_session_handle="), "{body}");
        // Bitbucket deletes the renewed token: a typed refusal on stderr, exit 1.
        let out = fails(
            &request_args(
                &connection,
                &[
                    "--token-file",
                    &token_arg,
                    "GET",
                    "/plugins/servlet/applinks/whoami",
                ],
            ),
            &dir,
        );
        assert!(
            out.stderr
                .starts_with("error: the provider refused the request: token_rejected (HTTP 401)"),
            "{out:?}"
        );
    } else {
        let mut more = vec!["--token-file", &token_arg, "POST", "/rest/api/1.0/echo?q=1"];
        more.extend_from_slice(&FORM_ARGS);
        let out = succeeds(&request_args(&connection, &more), &dir);
        let seen = http_json(&out.stdout, 200);
        assert_eq!(
            seen,
            json!({
                "method": "POST",
                "path": "/bitbucket/rest/api/1.0/echo",
                "query": [["q", "1"]],
                "form": [
                    ["a", "1"], ["a", "2"], ["b", "x y"], ["c", "+"], ["d", "café"], ["e", ""],
                    ["€", "!*'()"]
                ],
                "content_type": "application/x-www-form-urlencoded",
                // The CLI writes the form with RFC 3986 encoding.
                "body": "a=1&a=2&b=x%20y&c=%2B&d=caf%C3%A9&e=&%E2%82%AC=%21%2A%27%28%29",
                "user": "alice",
            })
        );
    }
}

/// `dance request POST --json-body`: the JSON body is sent as `application/json` and never
/// signed; the provider, which verifies the signature over what it considers parameters,
/// accepts it. (On the stand-in, renewal again, with the handle in the query.)
fn request_json_body(target: &Target) {
    let dir = WorkDir::new("request_json");
    let token_file = cli_login_oob(target, &dir);
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    let json_body = r#"{"a":"b=c&d","e":[1,2]}"#;
    if target.is_stand_in() {
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(&token_file).unwrap()).unwrap();
        let handle = saved["fields"][1][1].as_str().unwrap();
        assert_eq!(saved["fields"][1][0], "oauth_session_handle");
        let path = format!(
            "/plugins/servlet/oauth/access-token?oauth_session_handle={}",
            bitbucket_oauth::rfc5849::encode(handle)
        );
        let out = succeeds(
            &request_args(
                &connection,
                &[
                    "--token-file",
                    &token_arg,
                    "POST",
                    &path,
                    "--json-body",
                    json_body,
                ],
            ),
            &dir,
        );
        assert!(out.stdout.starts_with("HTTP 200\noauth_token="), "{out:?}");
    } else {
        let out = succeeds(
            &request_args(
                &connection,
                &[
                    "--token-file",
                    &token_arg,
                    "POST",
                    "/rest/api/1.0/echo",
                    "--json-body",
                    json_body,
                ],
            ),
            &dir,
        );
        let seen = http_json(&out.stdout, 200);
        assert_eq!(seen["form"], json!([]));
        assert_eq!(seen["body"], json_body);
        assert_eq!(seen["content_type"], "application/json");
    }
}

/// `dance renew`: on the stand-in a new token replaces the old one in the file; oauthlib has no
/// session handles, so the CLI refuses locally, before sending anything, and leaves the file.
fn renew(target: &Target) {
    let dir = WorkDir::new("renew");
    let token_file = cli_login_oob(target, &dir);
    let token_arg = token_file.display().to_string();
    let connection = target.connection();
    let before = std::fs::read_to_string(&token_file).unwrap();
    let mut renew_args = vec!["renew"];
    renew_args.extend(args(&connection, &["--token-file", &token_arg]));
    if target.is_stand_in() {
        let out = succeeds(&renew_args, &dir);
        assert_eq!(
            out.stdout,
            format!(
                "Renewed; the new access token is saved to {}.\n",
                token_file.display()
            )
        );
        let after = std::fs::read_to_string(&token_file).unwrap();
        assert_ne!(before, after);
        let out = succeeds(
            &request_args(
                &connection,
                &[
                    "--token-file",
                    &token_arg,
                    "GET",
                    "/plugins/servlet/applinks/whoami",
                ],
            ),
            &dir,
        );
        assert_eq!(out.stdout, "HTTP 200\nalice\n");
    } else {
        let out = fails(&renew_args, &dir);
        assert_eq!(
            out.stderr,
            "error: invalid oauth_session_handle: this access token came without a session \
             handle, so it cannot be renewed; authorize again\n"
        );
        assert_eq!(out.stdout, "");
        assert_eq!(std::fs::read_to_string(&token_file).unwrap(), before);
    }
}

/// A consumer key the provider does not know: `login` exits 1 before printing a URL. The
/// stand-in's refusal is typed (`consumer_key_unknown`); oauthlib's is a bare 401 (its
/// validator swaps in a dummy client and fails the request without a reason).
fn wrong_consumer_key(target: &Target) {
    let dir = WorkDir::new("wrong_key");
    let mut connection = target.connection();
    connection[3] = "unknownConsumer00000000".to_owned();
    let token_file = dir.path("token.json");
    let token_arg = token_file.display().to_string();
    let out = fails(
        &login_args(
            &connection,
            &["--callback", "oob", "--token-file", &token_arg],
        ),
        &dir,
    );
    assert_eq!(out.stdout, "");
    assert!(!token_file.exists());
    if target.is_stand_in() {
        assert!(
            out.stderr.starts_with(
                "error: the provider refused the request: consumer_key_unknown (HTTP 401)"
            ),
            "{out:?}"
        );
    } else {
        assert_eq!(
            out.stderr,
            "error: unexpected response (HTTP 401): HTTP 401 without an oauth_problem (is the \
             request reaching the OAuth-aware server?); body: \"\"\n"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Stand-in only, and offline.

/// A stand-in that believes it is served at another URL (a TLS-terminating proxy): `login`
/// fails with `signature_invalid`, and the CLI prints the base string comparison.
#[test]
fn signature_invalid_prints_the_base_string_comparison() {
    let stand_in = StandIn::builder()
        .context_path(CONTEXT_PATH)
        .believed_base_url("https://git.example.com/bitbucket")
        .consumer(RegisteredConsumer::rsa(CONSUMER_KEY, test_public_key().as_bytes()).unwrap())
        .start()
        .unwrap();
    let target = Target::StandIn(Box::new(stand_in));
    let dir = WorkDir::new("signature_invalid");
    let connection = target.connection();
    let token_arg = dir.path("token.json").display().to_string();
    let out = fails(
        &login_args(
            &connection,
            &["--callback", "oob", "--token-file", &token_arg],
        ),
        &dir,
    );
    assert_eq!(out.stdout, "");
    let port = target
        .base_url()
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    assert!(
        out.stderr
            .starts_with("error: the provider refused the request: signature_invalid (HTTP 401)"),
        "{}",
        out.stderr
    );
    let comparison = out
        .stderr
        .split_once(" Base string differences:\n")
        .unwrap_or_else(|| panic!("no comparison: {}", out.stderr))
        .1;
    assert_eq!(
        comparison,
        format!(
            "  - scheme: we signed http, the provider saw https (TLS terminated at a proxy? \
             configure the base URL the server believes it serves)\n  \
             - host: we signed 127.0.0.1, the provider saw git.example.com (a proxy, or the \
             server's configured base URL)\n  \
             - port: we signed {port}, the provider saw the default port\n  \
             - likely fix: the server verifies against the base URL it is configured with \
             (https://git.example.com...), not the address we connect to (a reverse proxy?): \
             sign for that URL with Endpoints::sign_base_url (in the dance CLI: \
             --sign-base-url)\n"
        )
    );
}

/// `keygen`: a 0600 key file, the SPKI public key and the form values; it refuses to
/// overwrite. The key it writes then logs in, against both providers.
#[test]
fn keygen_writes_a_private_key_that_logs_in() {
    let dir = WorkDir::new("keygen");
    let key_file = dir.path("key.pem");
    let key_arg = key_file.display().to_string();
    let out = succeeds(
        &["keygen", "--out", &key_arg, "--consumer-key", CONSUMER_KEY],
        &dir,
    );
    assert_eq!(out.stderr, "");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let pem = std::fs::read_to_string(&key_file).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let key = RsaPrivateKey::from_pem(&pem).unwrap();
    assert_eq!(key.bits(), 2048);
    let public = key.public_key_pem().unwrap();
    assert!(
        out.stdout.starts_with(&format!(
            "Wrote the 2048-bit private key to {key_arg} (mode 0600). Keep it secret.\n\n\
             Public key (SPKI PEM, SHA-256 fingerprint {}):\n{public}",
            key.public_key_fingerprint().unwrap()
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("  Consumer Key:          {CONSUMER_KEY}\n")),
        "{}",
        out.stdout
    );

    // Refuses to overwrite, and leaves the file alone.
    let again = fails(&["keygen", "--out", &key_arg], &dir);
    assert!(again.stderr.contains("refusing to overwrite"), "{again:?}");
    assert_eq!(again.stdout, "");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), pem);

    // The generated key works against both providers.
    let targets = [
        Target::Oauthlib(OauthlibProvider::start(&public, CONSUMER_KEY, CONTEXT_PATH)),
        Target::StandIn(Box::new(stand_in_for(&public))),
    ];
    for target in &targets {
        let mut connection = target.connection();
        connection[5].clone_from(&key_arg);
        let token_arg = dir
            .path(if target.is_stand_in() {
                "stand_in.json"
            } else {
                "oauthlib.json"
            })
            .display()
            .to_string();
        let mut running = Running::start(
            &login_args(&connection, &["--token-file", &token_arg]),
            &dir,
            COMMAND_TIMEOUT,
        );
        let url = authorize_url(&mut running, target);
        let code = testkit::oob_verifier(approve(&url).body()).unwrap();
        running.write_stdin(&format!("{code}\n"));
        let out = running.finish();
        assert!(out.status.success(), "{out:?}");
        assert!(
            out.stdout.ends_with("Logged in as alice (whoami).\n"),
            "{out:?}"
        );
    }
}

/// `dance` with no arguments: the demo against the built-in stand-in, to its last line.
#[test]
fn demo_runs_to_the_end() {
    let dir = WorkDir::new("demo");
    let out = dance(&[], &dir, DEMO_TIMEOUT);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout.ends_with(
            "\nDone: request token -> authorize -> access token -> whoami -> REST -> renewal.\n"
        ),
        "{}",
        out.stdout
    );
    for step in 1..=9 {
        assert!(
            out.stdout.contains(&format!("\n== {step}. ")),
            "step {step}"
        );
    }
    assert!(out.stdout.contains("whoami -> alice"), "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

/// A child that outlives its timeout is killed and reported, not waited for forever.
#[test]
fn a_hanging_login_is_killed_at_the_timeout() {
    let target = Target::stand_in();
    let dir = WorkDir::new("hang");
    let connection = target.connection();
    let token_arg = dir.path("token.json").display().to_string();
    let mut running = Running::start(
        &login_args(
            &connection,
            &["--callback", "oob", "--token-file", &token_arg],
        ),
        &dir,
        Duration::from_secs(3),
    );
    authorize_url(&mut running, &target);
    // Never type the code: the CLI waits on stdin until the harness kills it.
    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        running.line_where(|_| false);
    }));
    assert!(result.is_err(), "line_where must give up at the deadline");
    assert!(started.elapsed() < Duration::from_secs(10));
}
