//! Untrusted text made safe at one boundary. Anything read from a data file or the journal may
//! hold terminal escape sequences or characters that reorder what is shown; before it reaches a
//! terminal it passes through here: the command line's output through `Writer`, the dashboard's
//! frame through `frame`, JSON through `json`. `visible` is the one way a string is shown.

use std::borrow::Cow;
use std::io::{self, Write};

/// Characters that must never reach a terminal raw: C0 and C1 controls and DEL (which start or
/// end escape sequences, ring bells, move the cursor), and the bidirectional formatting
/// characters (which make a name read as another).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        // Line and paragraph separators break a line where none is seen; zero-width characters
        // make two names that look one.
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Where someone connects from, as presence and meeting attendees carry it: an address or a
/// host and a user, in a few plain characters (no parentheses: never a second name).
pub fn plain_place(text: &str) -> bool {
    text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || " .:,_@/-".contains(c))
}

/// `text` with every unsafe character written out visibly: `\e` for ESC, `\n`, `\r`, `\t`, and
/// `\u{..}` for the rest.
pub fn visible(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c, false);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char, keep_newline: bool) {
    match c {
        '\n' if keep_newline => out.push('\n'),
        c if !is_unsafe(c) => out.push(c),
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// A writer for the command line's output: newlines pass (the output's own lines), every other
/// unsafe character is written visibly. Bytes that are not UTF-8 are shown as `\x..`.
pub struct Writer<W: Write> {
    inner: W,
    /// The start of a character cut between two writes.
    pending: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub fn new(inner: W) -> Writer<W> {
        Writer { inner, pending: Vec::new() }
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let mut out = String::with_capacity(self.pending.len());
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    text.chars().for_each(|c| push_visible(&mut out, c, true));
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    // Checked by from_utf8 just above.
                    std::str::from_utf8(good).unwrap_or_default().chars().for_each(|c| push_visible(&mut out, c, true));
                    match e.error_len() {
                        Some(n) => {
                            bad[..n].iter().for_each(|b| out.push_str(&format!("\\x{b:02x}")));
                            rest = &bad[n..];
                        }
                        // An incomplete character at the end: wait for the rest of it.
                        None => {
                            rest = bad;
                            break;
                        }
                    }
                }
            }
        }
        let keep = rest.to_vec();
        self.inner.write_all(out.as_bytes())?;
        self.pending = keep;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let bytes = std::mem::take(&mut self.pending);
            let shown: String = bytes.iter().map(|b| format!("\\x{b:02x}")).collect();
            self.inner.write_all(shown.as_bytes())?;
        }
        self.inner.flush()
    }
}

/// JSON with every unsafe character escaped as `\uXXXX` (serde_json leaves DEL, C1 and the
/// bidirectional characters raw): valid JSON that a terminal can show as it is.
pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    if !text.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Ok(text);
    }
    // Inside JSON an unsafe character can only be in a string, where `\uXXXX` means the same.
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && c != '\n' {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// One cell of CSV output: made visible like every printed string, and guarded against
/// spreadsheet formulas (OWASP "CSV injection"): a cell that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let shown = visible(text);
    match shown.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{shown}")),
        _ => shown,
    }
}

/// Make every cell of a drawn frame safe: a cell whose symbol holds an unsafe character shows
/// `�` instead (the text around it is already laid out; the mark is what the operator sees).
pub fn frame(buffer: &mut ratatui::buffer::Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(is_unsafe) {
            cell.set_symbol("�");
        }
    }
}

/// The unsafe characters in `text`, shown visibly, or `None` when there are none.
pub fn find_unsafe(text: &str) -> Option<String> {
    // Printable ASCII, as nearly every name and note is: nothing to find, nothing allocated
    // (a full load asks this of every event's every text).
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let found: String = text.chars().filter(|&c| is_unsafe(c)).collect();
    (!found.is_empty()).then(|| visible(&found).into_owned())
}

/// Names (servers, sites, roles, groups) keep to ASCII letters, digits, space and `. _ - / ( ) &`
/// (no space at either end), so no look-alike or invisible character can pass one name off as
/// another. Returns the first character outside that set.
pub fn name_problem(name: &str) -> Option<String> {
    if name.trim() != name || name.is_empty() {
        return Some("an empty name, or a space at either end".into());
    }
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-' | '/' | '(' | ')' | '&')))
        .map(|c| format!("the character {}", visible(&c.to_string())))
}

/// A display name (a role's name, e.g. "cc:Mail connector"): the name set and `:` and `'`,
/// which product names use and which look like nothing else. Ids, servers and sites keep to
/// `name_problem`'s set (a `:` there would read as a location or a gate line's subject).
pub fn title_problem(name: &str) -> Option<String> {
    name_problem(&name.replace([':', '\''], "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "ok\u{1b}[2J\u{7}\u{9b}31m\u{202e}kcab\u{7f}\n";

    fn raw_controls(text: &str) -> bool {
        text.chars().any(|c| is_unsafe(c) && c != '\n')
    }

    #[test]
    fn every_class_of_unsafe_character_is_shown_not_emitted() {
        let shown = visible(NASTY);
        assert_eq!(shown, "ok\\e[2J\\u{7}\\u{9b}31m\\u{202e}kcab\\u{7f}\\n");
        assert!(matches!(visible("BOS-IMS01"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_writer_keeps_lines_and_characters_cut_between_writes() {
        let mut w = Writer::new(Vec::new());
        let bytes = NASTY.as_bytes();
        // Cut inside the two-byte C1 character.
        let cut = NASTY.find('\u{9b}').expect("c1") + 1;
        w.write_all(&bytes[..cut]).expect("write");
        w.write_all(&bytes[cut..]).expect("write");
        w.write_all(b"\xff\n").expect("write");
        w.flush().expect("flush");
        let out = String::from_utf8(w.inner).expect("utf-8");
        assert_eq!(out, "ok\\e[2J\\u{7}\\u{9b}31m\\u{202e}kcab\\u{7f}\n\\xff\n");
        assert!(!raw_controls(&out));
    }

    #[test]
    fn json_stays_valid_and_holds_no_raw_control() {
        let text = json(&serde_json::json!({ "note": NASTY })).expect("json");
        assert!(!raw_controls(&text), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back["note"], NASTY, "the escapes mean the same text");
    }

    #[test]
    fn names_keep_to_the_safe_set() {
        assert_eq!(name_problem("BOS-IMS01"), None);
        assert_eq!(name_problem("MS Mail gateway team"), None);
        assert_eq!(name_problem("BOS-IMS0\u{217c}").as_deref(), Some("the character ⅼ"));
        assert_eq!(name_problem("BOS\u{200f}-IMS01").as_deref(), Some("the character \\u{200f}"));
        assert!(name_problem(" BOS").is_some());
    }
}
