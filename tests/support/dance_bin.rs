//! The `dance` example, built once per test binary with the features `login`, `request`,
//! `renew` and the demo need (`testkit,reqwest`), and copied to a private path under
//! `CARGO_TARGET_TMPDIR/<dir>` so that another test building `dance` with other features cannot
//! swap the binary under the tests that run it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The private copy of the built `dance` binary, under `CARGO_TARGET_TMPDIR/<dir>`.
pub fn dance_binary(dir: &str) -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let build = Command::new(env!("CARGO"))
            .args([
                "build",
                "--example",
                "dance",
                "--features",
                "testkit,reqwest",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("could not run cargo");
        assert!(
            build.status.success(),
            "cargo build --example dance --features testkit,reqwest failed:\n{}",
            String::from_utf8_lossy(&build.stderr)
        );
        let built = String::from_utf8(build.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "dance")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no executable for the dance example");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join(format!(
            "dance-{}{}",
            std::process::id(),
            std::env::consts::EXE_SUFFIX
        ));
        std::fs::copy(&built, &copy).unwrap();
        copy
    })
}
