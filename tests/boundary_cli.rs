//! The `dance` CLI at the boundary (issue 14): a URL with a raw space is signed as sent
//! (`hello%20world`), `--sign-base-url` makes `login` pass against a server behind a proxy,
//! and `login` and `renew` refused by a stand-in that echoes every secret show none of them.
//!
//! The example is built once (`cargo build --example dance --features testkit,reqwest`, in
//! this test run's target directory); each child runs under a timeout and is killed past it.
#![cfg(all(feature = "reqwest", feature = "testkit"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/dance_bin.rs"]
mod dance_bin;
#[path = "support/refuser.rs"]
mod refuser;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bitbucket_oauth::RsaPrivateKey;
use bitbucket_oauth::testkit::StandIn;
use refuser::{Refuser, Seen, form};
use serde_json::Value;

const TOKEN_SECRET: &str = "CliCanaryTokenSecret4e1";
const VERIFIER: &str = "CliCanaryVerifier9b7";
const THEIR_VERIFIER: &str = "CliCanaryTheirVerifier33";
const SESSION_HANDLE: &str = "CliCanarySessionHandle8d2";
const THEIR_SESSION_HANDLE: &str = "CliCanaryTheirHandle51";
const TIMEOUT: Duration = Duration::from_secs(90);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn key_path() -> PathBuf {
    manifest_dir().join("tests/data/test_rsa_2048_pkcs8.pem")
}

fn dance_binary() -> &'static Path {
    dance_bin::dance_binary("boundary_cli")
}

fn work_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("boundary_cli")
        .join(format!(
            "{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Waits for `child` (killing it past the timeout) and collects its output.
fn finish(mut child: Child) -> Finished {
    let deadline = Instant::now() + TIMEOUT;
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    // `login` reads stdout itself.
    let stdout = child.stdout.take();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stdout) = stdout {
            stdout.read_to_string(&mut text).unwrap();
        }
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("dance ran over {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Finished {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// The refusal's explanation ends by saying that `parameter`'s values differ, without showing
/// either (both are secret).
fn assert_secret_differs(finished: &Finished, parameter: &str) {
    assert!(
        finished.stderr.ends_with(&format!(
            " Base string differences:\n  - parameter {parameter}: the value we signed and the one the provider saw differ (secret, not shown)\n"
        )),
        "{}",
        finished.stderr
    );
}

fn spawn(args: &[&str], dir: &Path) -> Child {
    Command::new(dance_binary())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `dance login --callback oob`: reads the authorization URL it prints, lets `decide` turn
/// the request token into the verification code, and types that code.
fn login(args: &[&str], dir: &Path, decide: impl FnOnce(&str) -> String) -> Finished {
    let mut all = vec!["login", "--callback", "oob"];
    all.extend_from_slice(args);
    let mut child = spawn(&all, dir);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let url = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let mut rest = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut rest)
                .unwrap();
            panic!("login printed no authorization URL:\n{printed}\nstderr:\n{rest}");
        }
        printed.push_str(&line);
        if line.contains("oauth_token=") {
            break line.trim().to_owned();
        }
    };
    let code = decide(&url);
    writeln!(child.stdin.take().unwrap(), "{code}").unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut finished = finish(child);
    finished.stdout = printed + &rest + &finished.stdout;
    finished
}

#[test]
fn sign_takes_a_raw_space_as_sent() {
    let dir = work_dir("space");
    let finished = finish(spawn(
        &[
            "sign",
            "--json",
            "--signature-method",
            "HMAC-SHA1",
            "--consumer-key",
            "k",
            "--consumer-secret",
            "s",
            "--nonce",
            "abcdefghijklmnopqrst",
            "--timestamp",
            "1700000000",
            "GET",
            "https://WWW.example.com/hello world?q=a b",
        ],
        &dir,
    ));
    assert_eq!(finished.code, Some(0), "{}", finished.stderr);
    let json: Value = serde_json::from_str(&finished.stdout).unwrap();
    assert_eq!(
        json["base_string"],
        "GET&https%3A%2F%2Fwww.example.com%2Fhello%2520world&oauth_consumer_key%3Dk\
         %26oauth_nonce%3Dabcdefghijklmnopqrst%26oauth_signature_method%3DHMAC-SHA1\
         %26oauth_timestamp%3D1700000000%26oauth_version%3D1.0%26q%3Da%2520b"
    );
}

fn stand_in_behind_a_proxy(public: &str) -> StandIn {
    let stand_in = StandIn::builder()
        .believed_base_url(public)
        .start()
        .unwrap();
    let key = RsaPrivateKey::from_pem(&std::fs::read_to_string(key_path()).unwrap()).unwrap();
    stand_in
        .register_consumer("cli-consumer", key.public_key_pem().unwrap().as_bytes())
        .unwrap();
    stand_in
}

#[test]
fn sign_base_url_lets_login_pass_behind_a_proxy() {
    let public = "https://git.example.com/bitbucket";
    let stand_in = stand_in_behind_a_proxy(public);
    let dir = work_dir("proxy");
    let key = key_path();
    let connection = [
        "--base-url",
        stand_in.base_url(),
        "--consumer-key",
        "cli-consumer",
        "--private-key",
        key.to_str().unwrap(),
    ];

    // Without the option: refused, and told which option fixes it.
    let mut args = vec!["login", "--callback", "oob"];
    args.extend_from_slice(&connection);
    let refused = finish(spawn(&args, &dir));
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains("signature_invalid") && refused.stderr.contains("--sign-base-url"),
        "{}",
        refused.stderr
    );

    // With it: the authorize URL is the public one, and the dance passes.
    let mut args = connection.to_vec();
    args.extend_from_slice(&["--sign-base-url", public, "--token-file", "t.json"]);
    let finished = login(&args, &dir, |url| {
        assert!(
            url.starts_with(
                "https://git.example.com/bitbucket/plugins/servlet/oauth/authorize?oauth_token="
            ),
            "{url}"
        );
        let token = url.split("oauth_token=").nth(1).unwrap();
        stand_in.approve(token, "alice").unwrap().verifier
    });
    assert_eq!(
        finished.code,
        Some(0),
        "{}\n{}",
        finished.stdout,
        finished.stderr
    );
    assert!(
        finished.stdout.contains("Logged in as alice (whoami)."),
        "{}",
        finished.stdout
    );
    let renewed = finish(spawn(
        &[
            "renew",
            "--base-url",
            stand_in.base_url(),
            "--consumer-key",
            "cli-consumer",
            "--private-key",
            key.to_str().unwrap(),
            "--sign-base-url",
            public,
            "--token-file",
            "t.json",
        ],
        &dir,
    ));
    assert_eq!(renewed.code, Some(0), "{}", renewed.stderr);
}

/// A provider's `signature_invalid` echoing the base string of what it received, but with its
/// own verifier and session handle (and our token secret, and a PLAINTEXT-looking signature):
/// only the secret values differ.
fn echo(seen: &Seen) -> String {
    use bitbucket_oauth::rfc5849::encode;
    let header = seen.header("authorization").unwrap();
    let mut pairs: Vec<(String, String)> = header
        .trim_start_matches("OAuth ")
        .split(", ")
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| (n.to_owned(), v.trim_matches('"').to_owned()))
        .filter(|(n, _)| n != "oauth_signature" && n != "realm")
        .map(|(n, v)| match n.as_str() {
            "oauth_verifier" => (n, THEIR_VERIFIER.to_owned()),
            "oauth_session_handle" => (n, THEIR_SESSION_HANDLE.to_owned()),
            _ => (n, v),
        })
        .collect();
    pairs.sort();
    let normalized: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let uri = format!("http://{}{}", seen.header("host").unwrap(), seen.path());
    let theirs = format!(
        "{}&{}&{}",
        seen.method,
        encode(&uri),
        encode(normalized.join("&"))
    );
    format!(
        "oauth_problem=signature_invalid&oauth_signature=x%26{TOKEN_SECRET}&oauth_signature_base_string={}&oauth_token_secret={TOKEN_SECRET}",
        encode(&theirs)
    )
}

#[test]
fn login_and_renew_refused_show_no_secret() {
    let server = Refuser::start(|seen: &Seen| {
        if seen.path().ends_with("/request-token") {
            form(
                200,
                &format!(
                    "oauth_token=rt&oauth_token_secret={TOKEN_SECRET}&oauth_callback_confirmed=true"
                ),
            )
        } else {
            form(401, &echo(seen))
        }
    });
    let dir = work_dir("canary");
    let key = key_path();
    let base = server.url("/bitbucket");
    let connection = [
        "--base-url",
        base.as_str(),
        "--consumer-key",
        "cli-consumer",
        "--private-key",
        key.to_str().unwrap(),
        "--token-file",
        "t.json",
    ];
    let mut secrets = vec![
        TOKEN_SECRET.to_owned(),
        VERIFIER.to_owned(),
        THEIR_VERIFIER.to_owned(),
        SESSION_HANDLE.to_owned(),
        THEIR_SESSION_HANDLE.to_owned(),
    ];
    secrets.extend(
        std::fs::read_to_string(&key)
            .unwrap()
            .lines()
            .filter(|l| l.len() >= 40 && !l.starts_with("-----"))
            .map(String::from),
    );
    let assert_clean = |what: &str, finished: &Finished| {
        for secret in &secrets {
            for (stream, text) in [("stdout", &finished.stdout), ("stderr", &finished.stderr)] {
                assert!(
                    !text.contains(secret.as_str()),
                    "{what}: {stream} shows {secret}:\n{text}"
                );
            }
        }
    };

    let finished = login(&connection, &dir, |_| VERIFIER.to_owned());
    assert_eq!(finished.code, Some(1), "{}", finished.stderr);
    assert_secret_differs(&finished, "oauth_verifier");
    assert_clean("login", &finished);
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert!(
        String::from_utf8_lossy(&sent[1].body).is_empty()
            && sent[1].header("authorization").unwrap().contains(VERIFIER),
        "the verifier was sent (so it could have leaked)"
    );

    std::fs::write(
        dir.join("t.json"),
        serde_json::json!({
            "token": "at",
            "secret": TOKEN_SECRET,
            "fields": [["oauth_session_handle", SESSION_HANDLE]],
        })
        .to_string(),
    )
    .unwrap();
    let finished = finish(spawn(&[&["renew"][..], &connection[..]].concat(), &dir));
    assert_eq!(finished.code, Some(1), "{}", finished.stderr);
    assert_secret_differs(&finished, "oauth_session_handle");
    assert_clean("renew", &finished);
    assert!(
        server.requests()[2]
            .header("authorization")
            .unwrap()
            .contains(SESSION_HANDLE)
    );
}
