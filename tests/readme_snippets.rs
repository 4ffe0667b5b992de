//! Every ```` ```rust ```` block of README.md is code that compiles: it appears, line for line
//! (leading and trailing whitespace aside), in `examples/readme.rs`, which every CI build
//! compiles.

const README: &str = include_str!("../README.md");
const EXAMPLE: &str = include_str!("../examples/readme.rs");

/// The bodies of the README's ```` ```rust ```` blocks.
fn rust_blocks(markdown: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, fence) if fence.starts_with("```rust") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => block.push(line.trim()),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "README.md has an unclosed ```rust block");
    blocks
}

#[test]
fn every_readme_snippet_is_in_the_compiled_example() {
    let example: Vec<&str> = EXAMPLE.lines().map(str::trim).collect();
    let blocks = rust_blocks(README);
    assert!(
        blocks.len() >= 3,
        "found {} rust blocks in README.md",
        blocks.len()
    );
    for block in blocks {
        let found = example
            .windows(block.len())
            .any(|window| window == block.as_slice());
        assert!(
            found,
            "this README.md snippet is not in examples/readme.rs (copy it there so that it compiles):\n{}",
            block.join("\n")
        );
    }
}

#[test]
fn the_finder_sees_a_block_and_its_lines() {
    let blocks = rust_blocks("text\n```rust\n  let a = 1;\nlet b = 2;\n```\n```sh\nls\n```\n");
    assert_eq!(blocks, vec![vec!["let a = 1;", "let b = 2;"]]);
}
