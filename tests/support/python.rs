//! A pinned Python virtualenv for tests that compare this crate with a Python implementation.
//!
//! # Use
//!
//! Each file in `tests/` is its own crate; include this module with a path attribute (this file
//! lives in a subdirectory, so cargo does not build it as a test of its own):
//!
//! ```ignore
//! #[path = "support/python.rs"]
//! mod python;
//!
//! let venv = python::venv(); // tests/python/requirements.txt, built once, then reused
//! let stdout = venv.run_script(&python::script("oauthlib_reference.py"), b"{...}");
//! ```
//!
//! # What it does
//!
//! The first call creates a virtualenv with `python3` from `PATH` and `pip install`s the pinned
//! requirements into it. The virtualenv lives in cargo's per-package scratch directory
//! (`CARGO_TARGET_TMPDIR`, i.e. `<target dir>/tmp/`) under a name keyed by a hash of the
//! requirements file *and* of the interpreter (its path and version), so a version bump in
//! `requirements.txt` or a different `python3` gets a fresh virtualenv while an unchanged one is
//! reused as is. Old virtualenvs are never deleted (another process may still be using one).
//!
//! Concurrency: within one test binary, a mutex-guarded cache makes every thread wait for the
//! same build. Across processes (e.g. several test binaries run at once), each builder works in
//! a private `*.partial-<pid>-<n>` directory and publishes it with one atomic `rename` onto the
//! final name; a directory under the final name is therefore always complete. A process that
//! loses the race throws its copy away and uses the winner's.
//!
//! Failures are loud: if `python3` is missing, or `venv` or `pip` fails, the calling test
//! panics with the command and its full output. Nothing is ever skipped.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A finished virtualenv.
#[derive(Debug)]
pub struct Venv {
    dir: PathBuf,
    python: PathBuf,
}

/// `tests/python/<name>`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("python")
        .join(name)
}

/// The virtualenv of `tests/python/requirements.txt`.
pub fn venv() -> &'static Venv {
    venv_for(&script("requirements.txt"))
}

/// The virtualenv of any pinned requirements file (built on first use, then reused).
pub fn venv_for(requirements: &Path) -> &'static Venv {
    type Slot = Arc<OnceLock<&'static Venv>>;
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Slot>>> = OnceLock::new();
    let slot: Slot = {
        let mut map = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(map.entry(requirements.to_path_buf()).or_default())
    };
    // `get_or_init` blocks other threads asking for the same requirements until the first one
    // is done; if the builder panics, the next caller tries again (and panics loudly again).
    slot.get_or_init(|| Box::leak(Box::new(build_or_reuse(requirements))))
}

impl Venv {
    /// The virtualenv directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The virtualenv's interpreter.
    pub fn python(&self) -> &Path {
        &self.python
    }

    /// A `Command` for the virtualenv's interpreter in isolated, UTF-8 mode.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.python);
        // -I: ignore PYTHON* variables and the user site directory; -X utf8: UTF-8 stdio.
        cmd.args(["-I", "-X", "utf8"]);
        cmd
    }

    /// Runs `script` with `stdin` as its standard input and returns its standard output.
    /// Panics, with everything the script printed, unless it exits with status 0.
    pub fn run_script(&self, script: &Path, stdin: &[u8]) -> Vec<u8> {
        let mut cmd = self.command();
        cmd.arg(script);
        let output = run_with_stdin(&mut cmd, stdin);
        if !output.status.success() {
            panic!(
                "{} failed ({}):\n--- stderr ---\n{}\n--- stdout ---\n{}",
                describe(&cmd),
                output.status,
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout),
            );
        }
        output.stdout
    }
}

fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", describe(cmd)));
    let mut pipe = child.stdin.take().unwrap();
    // Write from another thread: the child may fill its stdout pipe before it has read all
    // of its input.
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {}: {e}", describe(cmd)));
    if let Err(e) = writer.join().unwrap() {
        panic!(
            "writing the standard input of {} failed: {e}\n--- stderr ---\n{}",
            describe(cmd),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs a command to completion; panics with its output unless it succeeds.
fn run_checked(cmd: &mut Command, what: &str) -> Output {
    let output = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot run {} ({e}). These tests need `python3` (3.9 or newer, with the \
             `venv` module) on PATH.",
            describe(cmd)
        )
    });
    if !output.status.success() {
        panic!(
            "{what}: {} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
            describe(cmd),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
    output
}

/// FNV-1a, 64 bits: a hash that, unlike `DefaultHasher`, is stable across Rust releases.
fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate the parts, so that ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

fn build_or_reuse(requirements: &Path) -> Venv {
    let reqs = std::fs::read(requirements).unwrap_or_else(|e| {
        panic!(
            "cannot read the requirements file {}: {e}",
            requirements.display()
        )
    });

    // Which interpreter `python3` is, so that another Python gets another virtualenv.
    let probe = run_checked(
        Command::new("python3").args([
            "-c",
            "import sys; print(sys.version); print(sys.executable); \
             assert sys.version_info >= (3, 9), 'Python 3.9 or newer is required'",
        ]),
        "finding python3",
    );
    let key = fnv1a64(&[&reqs, &probe.stdout]);

    let stem = requirements
        .file_stem()
        .and_then(OsStr::to_str)
        .unwrap_or("requirements");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-venvs");
    std::fs::create_dir_all(&root)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let dir = root.join(format!("{stem}-{key:016x}"));

    if venv_python(&dir).is_file() {
        return Venv {
            python: venv_python(&dir),
            dir,
        };
    }

    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let partial = root.join(format!(
        "{stem}-{key:016x}.partial-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // A leftover from a killed run with a recycled pid: not ours to keep.
    let _ = std::fs::remove_dir_all(&partial);

    let mut log = String::new();
    let created = run_checked(
        Command::new("python3").arg("-m").arg("venv").arg(&partial),
        "creating the virtualenv",
    );
    let _ = writeln!(log, "{}", String::from_utf8_lossy(&created.stdout));
    let python = venv_python(&partial);
    let installed = run_checked(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--require-virtualenv",
                // Wheels only: no compiler needed, and the same bytes on every machine.
                "--only-binary=:all:",
                "-r",
            ])
            .arg(requirements),
        "installing the pinned Python requirements",
    );
    let _ = writeln!(log, "{}", String::from_utf8_lossy(&installed.stdout));
    let frozen = run_checked(
        Command::new(&python).args(["-m", "pip", "freeze", "--all"]),
        "listing the installed Python packages",
    );
    // For whoever looks into the directory later: what was installed, from which file.
    std::fs::write(partial.join("requirements.txt"), &reqs).unwrap();
    std::fs::write(partial.join("pip-freeze.txt"), &frozen.stdout).unwrap();
    std::fs::write(partial.join("install.log"), log).unwrap();

    match std::fs::rename(&partial, &dir) {
        Ok(()) => {}
        // Another process published the same virtualenv first: use that one.
        Err(_) if venv_python(&dir).is_file() => {
            let _ = std::fs::remove_dir_all(&partial);
        }
        Err(e) => panic!(
            "cannot move the new virtualenv {} to {}: {e}",
            partial.display(),
            dir.display()
        ),
    }
    Venv {
        python: venv_python(&dir),
        dir,
    }
}
