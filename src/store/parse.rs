//! RON parsing with located errors (`file:line:col: message`) and limits on hostile input.

use serde::de::DeserializeOwned;

/// Files larger than this are refused before parsing: no real fleet comes near it.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Nesting deeper than this is refused instead of overflowing the stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct Located {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

pub fn options() -> ron::Options {
    ron::Options::default()
        .with_recursion_limit(MAX_DEPTH)
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Parse `text` (the contents of `file`); `first_line` offsets line numbers for journal lines.
pub fn ron<T: DeserializeOwned>(file: &str, text: &str, first_line: usize) -> Result<T, Located> {
    options().from_str(text).map_err(|e| Located {
        file: file.to_string(),
        line: e.span.start.line + first_line - 1,
        col: e.span.start.col,
        message: e.code.to_string(),
    })
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
pub fn locate(text: &str, needle: &str, last: bool) -> Option<(usize, usize)> {
    let at = if last { text.rfind(needle)? } else { text.find(needle)? };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    Some((line, col))
}
