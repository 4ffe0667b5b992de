//! The fuzz targets' bodies (`targets`, one module per target; each `fuzz_targets/<name>.rs` only
//! decodes its input and calls its module's `run`), their structured inputs (`input`), and a
//! writer for seed inputs in the byte layout that `arbitrary` reads them from, so that the seed
//! corpus can hold real request and response shapes (see `examples/seed_corpus.rs`).
//!
//! The library crate's `tests/fuzz_corpus.rs` includes `input.rs` and the files under `targets/`
//! (by path), and replays every committed corpus file through the same `run` on stable.

pub mod input;
pub mod targets;

pub use input::{
    CallbackInput, ContentType, HeaderChoice, ProtocolInput, RequestInput, ResponseInput,
    TokenChoice,
};

/// Writes values in the byte layout `arbitrary` 1.x reads them from: fixed-size values from the
/// front, the lengths of byte strings from the back, the last field taking the rest.
#[derive(Debug, Default)]
pub struct Seed {
    ops: Vec<Op>,
}

#[derive(Debug)]
enum Op {
    Fixed(Vec<u8>),
    Sized(Vec<u8>),
    Rest(Vec<u8>),
}

impl Seed {
    /// An empty seed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A `bool`.
    #[must_use]
    pub fn flag(mut self, value: bool) -> Self {
        self.ops.push(Op::Fixed(vec![u8::from(value)]));
        self
    }

    /// A `u16`.
    #[must_use]
    pub fn u16(mut self, value: u16) -> Self {
        self.ops.push(Op::Fixed(value.to_le_bytes().to_vec()));
        self
    }

    /// A `u64`.
    #[must_use]
    pub fn u64(mut self, value: u64) -> Self {
        self.ops.push(Op::Fixed(value.to_le_bytes().to_vec()));
        self
    }

    /// Variant `index` of an enum with `count` variants (derive: `(u32 * count) >> 32`).
    #[must_use]
    pub fn variant(mut self, index: u32, count: u32) -> Self {
        let x = ((2 * u64::from(index) + 1) << 32) / (2 * u64::from(count));
        let x = u32::try_from(x).expect("index < count");
        self.ops.push(Op::Fixed(x.to_le_bytes().to_vec()));
        self
    }

    /// A `&[u8]` or `&str` that is not the last field.
    #[must_use]
    pub fn bytes(mut self, value: impl AsRef<[u8]>) -> Self {
        self.ops.push(Op::Sized(value.as_ref().to_vec()));
        self
    }

    /// The last field, a `&[u8]` or `&str` taking the rest.
    #[must_use]
    pub fn rest(mut self, value: impl AsRef<[u8]>) -> Self {
        self.ops.push(Op::Rest(value.as_ref().to_vec()));
        self
    }

    /// The bytes.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        // Walk backwards: the data left when a length is read is everything after it in front
        // order plus the length fields not yet read (its own and later ones).
        let mut remaining = 0usize;
        let mut fields: Vec<Vec<u8>> = Vec::new(); // length fields, last op first
        for op in self.ops.iter().rev() {
            match op {
                Op::Fixed(b) | Op::Rest(b) => remaining += b.len(),
                Op::Sized(b) => {
                    remaining += b.len();
                    // `arbitrary` reads 1 length byte when at most 256 bytes are left, 2 when
                    // at most 65,537, else 4.
                    let width = if remaining < 256 {
                        1
                    } else if remaining < 65_536 {
                        2
                    } else {
                        4
                    };
                    let total = remaining + width;
                    let max = remaining;
                    // Bytes that take part in the value: while `max >> (8 * i) > 0`.
                    let used = (0..width).take_while(|i| (max >> (8 * i)) > 0).count();
                    let be = (b.len() as u64).to_be_bytes();
                    let mut field = be[8 - used..].to_vec();
                    field.resize(width, 0);
                    remaining = total;
                    fields.push(field);
                }
            }
        }
        let mut out = Vec::with_capacity(remaining);
        for op in &self.ops {
            match op {
                Op::Fixed(b) | Op::Sized(b) | Op::Rest(b) => out.extend_from_slice(b),
            }
        }
        // The first length read is the last bytes: the first op's field goes at the very end.
        for field in fields.iter() {
            out.extend_from_slice(field);
        }
        out
    }
}

/// A byte string as a Rust `b"..."` literal, for pasting into a regression test.
#[must_use]
pub fn byte_literal(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        out.extend(std::ascii::escape_default(b).map(char::from));
    }
    out.push('"');
    out
}

/// Renders decoded fuzz inputs with byte strings as `b"..."` literals and text as `"..."`
/// literals (the derived `Debug` prints bytes as lists of numbers).
pub trait Describe {
    /// The rendering.
    fn describe(&self) -> String;
}

impl Describe for RequestInput<'_> {
    fn describe(&self) -> String {
        let ct = match &self.content_type {
            ContentType::Raw(raw) => format!("Raw({})", byte_literal(raw)),
            other => format!("{other:?}"),
        };
        format!(
            "method: {:?}\nuri: {:?}\ncontent_type: {ct}\nwith_token: {}\nbody: {}",
            self.method,
            self.uri,
            self.with_token,
            byte_literal(self.body)
        )
    }
}

impl Describe for ResponseInput<'_> {
    fn describe(&self) -> String {
        let mut out = format!("status: {}\n", self.status);
        for (name, value) in &self.headers {
            out.push_str(&format!("header: {name:?}: {}\n", byte_literal(value)));
        }
        out.push_str(&format!("body: {}", byte_literal(self.body)));
        out
    }
}

impl Describe for ProtocolInput<'_> {
    fn describe(&self) -> String {
        format!("{self:#?}")
    }
}

impl Describe for CallbackInput<'_> {
    fn describe(&self) -> String {
        format!("pending: {:?}\ncallback: {:?}", self.pending, self.callback)
    }
}
