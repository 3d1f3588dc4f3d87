//! The common journal line read without the general RON parser: the envelope that sprout
//! itself writes (`(seq:N,at:"...",by:"...",event:...,prev:"...",sum:"...")`, no `from`, no
//! `sig`, no escapes in the envelope's strings) is taken apart by hand, and only the event is
//! given to RON. Anything else, or anything this reader is unsure of, returns `None` and the
//! line goes to RON whole, so what is accepted, refused and said about a line is unchanged;
//! only the common case is quicker (the envelope is three quarters of a line's bytes).

use chrono::{DateTime, FixedOffset, Utc};

use crate::model::{Entry, Event};

/// The entry on `line` when it is in sprout's own compact form; `None` means "ask RON".
pub fn envelope(line: &str) -> Option<Entry> {
    let (seq, rest) = seq(line)?;
    let (at, rest) = string(rest.strip_prefix(",at:")?)?;
    // As chrono's own `Deserialize` for `DateTime<Utc>` reads it.
    let at = at.parse::<DateTime<FixedOffset>>().ok()?.with_timezone(&Utc);
    let (by, rest) = string(rest.strip_prefix(",by:")?)?;
    let rest = rest.strip_prefix(",event:")?;
    let (event, prev, sum) = chain_end(rest)?;
    // Parsed alone, the event is a document of its own, where RON also takes a leading
    // `#![enable(...)]` and a comment or blanks around it, which a field's value may not have
    // (a trailing `//` would swallow the rest of the line): sprout writes none of them, so an
    // event with a `#` or `/` anywhere, or not starting with its name, goes to RON whole.
    if !event.starts_with(|c: char| c.is_ascii_alphabetic())
        || event.ends_with(char::is_whitespace)
        || event.contains(['#', '/'])
    {
        return None;
    }
    let event: Event = super::parse::options().from_str(event).ok()?;
    Some(Entry {
        seq,
        at,
        by: by.to_string(),
        from: None,
        event,
        prev: prev.to_string(),
        sig: None,
        sum: sum.to_string(),
    })
}

/// A line's `seq`, `prev` and `sum` when it is in sprout's compact form at both ends (its
/// middle is not looked at: the line's own checksum covers it); `None` means "decode it".
pub fn links(line: &str) -> Option<(u64, &str, &str)> {
    let (seq, rest) = seq(line)?;
    let (_, prev, sum) = chain_end(rest)?;
    Some((seq, prev, sum))
}

/// `(seq:N` at the start of a line, and what follows it.
fn seq(line: &str) -> Option<(u64, &str)> {
    let rest = line.strip_prefix("(seq:")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (seq, rest) = rest.split_at(digits);
    // RON reads `007` as 7; sprout never writes it: leave such a line to RON.
    if seq.is_empty() || (seq.len() > 1 && seq.starts_with('0')) {
        return None;
    }
    Some((seq.parse().ok()?, rest))
}

/// From the end of a line: `,prev:"P",sum:"S")`, neither with a quote or a backslash in it;
/// what precedes them, P and S.
fn chain_end(rest: &str) -> Option<(&str, &str, &str)> {
    let rest = rest.strip_suffix("\")")?;
    let open = rest.rfind(",sum:\"")?;
    let (rest, sum) = (&rest[..open], &rest[open + 6..]);
    let rest = rest.strip_suffix('"')?;
    let open = rest.rfind(",prev:\"")?;
    let (before, prev) = (&rest[..open], &rest[open + 7..]);
    if [sum, prev].iter().any(|s| s.contains(['"', '\\'])) {
        return None;
    }
    Some((before, prev, sum))
}

/// A quoted string without escapes at the start of `text`, and what follows it.
fn string(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('"')?;
    let end = text.find(['"', '\\'])?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entry;

    fn ron(line: &str) -> Option<Entry> {
        crate::store::parse::ron(crate::store::JOURNAL, line, 1).ok()
    }

    #[test]
    fn every_line_of_a_generated_journal_and_the_sample_reads_as_ron_reads_it() {
        let now = crate::store::sample::anchor();
        let files = crate::synthetic::generate(200, 3000, now).expect("generate");
        let journal = files.iter().find(|(name, _)| *name == crate::store::JOURNAL).expect("a journal");
        let sample = include_str!("../../assets/journal.ron");
        let (mut fast, mut lines) = (0, 0);
        for line in journal.1.lines().chain(sample.lines()).filter(|l| l.starts_with('(')) {
            lines += 1;
            let read = envelope(line);
            if read.is_some() {
                fast += 1;
                assert_eq!(read, ron(line), "{line}");
            }
        }
        assert!(fast * 10 > lines * 9, "sprout's own lines take the quick way: {fast} of {lines}");
    }

    #[test]
    fn anything_unusual_is_left_to_ron() {
        let line = r#"(seq:7,at:"2026-11-24T12:00:00Z",by:"op",event:Backup(server:"BOS-MBX01",note:"tape"),prev:"",sum:"0123456789abcdef0123456789abcdef")"#;
        let entry = envelope(line).expect("the common form");
        assert_eq!(Some(&entry), ron(line).as_ref());
        assert_eq!((entry.seq, entry.by.as_str(), entry.prev.as_str()), (7, "op", ""));
        for odd in [
            line.replace("seq:7", "seq:007"),
            line.replace("seq:7,", "seq: 7,"),
            line.replace("\"op\"", "\"o\\\"p\""),
            line.replace("by:\"op\",", "by:\"op\",from:Some(\"host\"),"),
            line.replace(",sum:", ",sig:Some((key:\"k\",sig:\"s\")),sum:"),
            line.replace("Backup(", "Nonsense("),
            line.replace("12:00:00Z", "12:00:00"),
            line.replace("prev:\"\"", "prev:\"a\\\"b\""),
            // What RON takes around a document but not around a field's value (attack review).
            line.replace("note:\"tape\")", "note:\"tape\")//"),
            line.replace("event:Backup", "event:#![enable(implicit_some)] Backup"),
            line.replace("event:Backup", "event: Backup"),
            line.replace("note:\"tape\")", "note:\"tape\") "),
        ] {
            assert_eq!(envelope(&odd), None, "left to RON: {odd}");
        }
        // RON refuses the two a document would take, so the journal refuses them too.
        for refused in [
            line.replace("note:\"tape\")", "note:\"tape\")//"),
            line.replace("event:Backup", "event:#![enable(implicit_some)] Backup"),
        ] {
            assert!(crate::store::journal::decode(&refused, 1).is_err(), "refused: {refused}");
        }
    }
}
