//! Prints a fuzz input (a crash artifact, a corpus file) the way its target sees it, with byte
//! strings as `b"..."` literals, ready to paste into `tests/fuzz_regressions.rs`.
//!
//! `cargo run --example show_input -- <target> <file>`

use arbitrary::{Arbitrary, Unstructured};
use bitbucket_oauth_fuzz::{
    CallbackInput, Describe, ProtocolInput, RequestInput, ResponseInput, byte_literal,
};

fn show<'a, T: Arbitrary<'a> + Describe>(bytes: &'a [u8]) -> String {
    match T::arbitrary_take_rest(Unstructured::new(bytes)) {
        Ok(input) => input.describe(),
        Err(e) => format!("(the target skips this input: {e})"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, file] = args.as_slice() else {
        eprintln!("usage: show_input <target> <file>");
        std::process::exit(2);
    };
    let bytes = std::fs::read(file).unwrap_or_else(|e| {
        eprintln!("cannot read {file}: {e}");
        std::process::exit(2);
    });
    let text = match target.as_str() {
        "base_string" => show::<RequestInput<'_>>(&bytes),
        "token_response" => show::<ResponseInput<'_>>(&bytes),
        "header_roundtrip" => show::<ProtocolInput<'_>>(&bytes),
        "callback" => show::<CallbackInput<'_>>(&bytes),
        "encoding" | "oauth_header" | "keys" => byte_literal(&bytes),
        other => {
            eprintln!("unknown target {other}");
            std::process::exit(2);
        }
    };
    println!("{text}");
}
