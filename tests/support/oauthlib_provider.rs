//! The oauthlib provider (`tests/python/oauthlib_provider.py`) as a child process, for the
//! interop tests. Include with `#[path = "support/oauthlib_provider.rs"] mod oauthlib_provider;`
//! next to `#[path = "support/python.rs"] mod python;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::python;

/// How long the provider may take to print its port.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long it may take to exit once its standard input is closed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// `tests/python/oauthlib_provider.py`, running. Dropping it closes its standard input (the
/// provider exits cleanly on EOF), then kills it if it has not exited within [`STOP_TIMEOUT`].
pub struct OauthlibProvider {
    /// The child process.
    pub child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT{context_path}`.
    pub base_url: String,
    log: Arc<Mutex<String>>,
    log_reader: Option<JoinHandle<()>>,
}

impl OauthlibProvider {
    pub fn start(public_key_pem: &str, consumer_key: &str, context_path: &str) -> Self {
        let venv = python::venv();
        let mut cmd = venv.command();
        cmd.arg(python::script("oauthlib_provider.py"))
            .args([
                "--consumer-key",
                consumer_key,
                "--context-path",
                context_path,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the oauthlib provider ({cmd:?}): {e}"));

        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let log_reader = {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
            })
        };
        let stdout = child.stdout.take().unwrap();
        let (first_line, port_line) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_line.send(lines.next());
            for _ in lines {}
        });

        let mut stdin = child.stdin.take().unwrap();
        let written = stdin
            .write_all(public_key_pem.as_bytes())
            .and_then(|()| stdin.flush());
        let mut provider = Self {
            child,
            stdin: Some(stdin),
            base_url: String::new(),
            log,
            log_reader: Some(log_reader),
        };
        if let Err(e) = written {
            provider.fail(&format!("cannot write the public key to its stdin: {e}"));
        }
        let port = match port_line.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => match line.trim().parse::<u16>() {
                Ok(port) if port != 0 => port,
                _ => provider.fail(&format!("its first line is not a port: {line:?}")),
            },
            Ok(Some(Err(e))) => provider.fail(&format!("reading its stdout: {e}")),
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                provider.fail("it exited before printing its port")
            }
            Err(mpsc::RecvTimeoutError::Timeout) => provider.fail(&format!(
                "it printed no port within {} s",
                START_TIMEOUT.as_secs()
            )),
        };
        provider.base_url = format!("http://127.0.0.1:{port}{context_path}");
        provider
    }

    /// Kills the provider and panics with everything it wrote on stderr.
    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let status = self.child.wait();
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
        panic!(
            "the oauthlib provider did not start: {why} (exit: {status:?})\n--- its stderr ---\n{}",
            self.log()
        );
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Closes standard input and waits (bounded) for the exit; kills on timeout. `None` when it
    /// had to be killed.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        drop(self.stdin.take());
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return None;
                }
            }
        }
    }
}

impl Drop for OauthlibProvider {
    fn drop(&mut self) {
        let exit = self.stop();
        if thread::panicking() {
            eprintln!(
                "--- oauthlib provider stderr (exit: {exit:?}) ---\n{}",
                self.log()
            );
        }
    }
}

/// Declares, for each named scenario `fn(&Target)` of the test file, a module with two tests
/// that run it against the oauthlib provider and against the stand-in. The file defines
/// `Target::oauthlib()` and `Target::stand_in()`.
macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn oauthlib() {
                super::$scenario(&super::Target::oauthlib());
            }

            #[test]
            fn stand_in() {
                super::$scenario(&super::Target::stand_in());
            }
        }
    )*};
}
pub(crate) use on_both;
