//! Small text helpers every layer may use.

use std::borrow::Cow;

/// At most `max` characters of `text`, with `…` when cut: keeps error messages bounded.
pub(crate) fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((i, _)) => Cow::Owned(format!("{}…", &text[..i])),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn clip_bounds_text() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
    }
}
