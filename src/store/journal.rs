//! The journal line format: one RON entry a line, chained by `seq`, `prev` and `sum`.
//!
//! `sum` is the first 128 bits of the BLAKE3 hash of the line as written with `sum:""`;
//! `prev` is the previous line's `sum` (empty for the first). A line is therefore
//! checkable alone, and an edit anywhere breaks the chain after it.

use chrono::{DateTime, Utc};

use crate::model::{Entry, Event};

use super::parse::{self, Located};

const SUM_HEX: usize = 32;
const SUM_OPEN: &str = "sum:\"";

pub fn checksum(body: &str) -> String {
    let hash = blake3::hash(body.as_bytes());
    hash.to_hex()[..SUM_HEX].to_string()
}

/// Encode an entry as one line (no newline), computing its checksum.
pub fn encode(
    seq: u64,
    at: DateTime<Utc>,
    by: &str,
    from: Option<String>,
    event: Event,
    prev: &str,
) -> Result<(Entry, String), ron::Error> {
    let mut entry = Entry { seq, at, by: by.to_string(), from, event, prev: prev.to_string(), sum: String::new() };
    let body = ron::to_string(&entry)?;
    entry.sum = checksum(&body);
    let cut = body.len() - 2;
    let line = format!("{}{}\")", &body[..cut], entry.sum);
    Ok((entry, line))
}

/// Decode one line (1-based `lineno`) and check its own checksum.
pub fn decode(line: &str, lineno: usize) -> Result<Entry, Located> {
    let at = |col: usize, message: String| Located { file: super::JOURNAL.into(), line: lineno, col, message };
    let entry: Entry = parse::ron(super::JOURNAL, line, lineno)?;
    let Some(open) = line.rfind(SUM_OPEN) else {
        return Err(at(1, "the line has no sum field".into()));
    };
    let hex_start = open + SUM_OPEN.len();
    if line.len() != hex_start + SUM_HEX + 2 || !line.ends_with("\")") {
        return Err(at(hex_start + 1, "the sum field is not the line's last 32-hex-digit field".into()));
    }
    let body = format!("{}\")", &line[..hex_start]);
    if checksum(&body) != entry.sum {
        return Err(at(hex_start + 1, "checksum mismatch: the line was changed after it was written".into()));
    }
    Ok(entry)
}

/// Where the journal text stops being whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The last line is incomplete (a crash mid-append): safe to set aside.
    TornTail { line: usize, offset: usize, error: Located },
    /// A line before the end is damaged: refuse and say where.
    Broken(Located),
}

/// The parsed journal and, if the last line was torn, where it starts.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub torn: Option<(usize, usize, Located)>,
}

/// Parse and verify the whole chain.
pub fn parse(text: &str) -> Result<Parsed, Located> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (n, raw) in lines.iter().enumerate() {
        let lineno = n + 1;
        let last = n + 1 == lines.len();
        let line = raw.trim_end_matches('\n');
        let start = offset;
        offset += raw.len();
        if line.trim().is_empty() {
            continue;
        }
        let decoded = decode(line, lineno).and_then(|e| link(entries.last(), e, lineno));
        match decoded {
            Ok(e) => entries.push(e),
            // A last line without its newline never finished being written.
            Err(error) if last && !raw.ends_with('\n') => {
                return Ok(Parsed { entries, torn: Some((lineno, start, error)) });
            }
            Err(mut error) => {
                error.message.push_str(if last {
                    "; the last line is damaged although complete: run `sprout verify` and restore journal.ron from backup"
                } else {
                    "; the journal is damaged before its end: run `sprout verify`, restore journal.ron from backup, and do not edit it by hand"
                });
                return Err(error);
            }
        }
    }
    Ok(Parsed { entries, torn: None })
}

fn link(prev: Option<&Entry>, e: Entry, lineno: usize) -> Result<Entry, Located> {
    let (seq, sum) = prev.map_or((0, ""), |p| (p.seq, p.sum.as_str()));
    let err = |message: String| Located { file: super::JOURNAL.into(), line: lineno, col: 1, message };
    if e.seq != seq + 1 {
        return Err(err(format!("sequence {} follows {seq}: a line is missing or out of order", e.seq)));
    }
    if e.prev != sum {
        return Err(err("prev does not match the previous line's sum: the chain is broken".into()));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(note: &str) -> Event {
        Event::Backup { server: "BOS-MBX01".into(), note: note.into() }
    }

    fn now() -> DateTime<Utc> {
        "2000-11-24T12:00:00Z".parse().expect("time")
    }

    fn journal(n: usize) -> String {
        let mut text = String::new();
        let mut prev = String::new();
        for i in 0..n {
            let (e, line) = encode(i as u64 + 1, now(), "op", None, event(&format!("tape {i}\nsecond line")), &prev)
                .expect("encode");
            prev = e.sum;
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_line_round_trips_and_stays_one_line() {
        let text = journal(3);
        assert_eq!(text.lines().count(), 3, "notes with newlines must not split a line");
        let parsed = parse(&text).expect("parse");
        assert_eq!(parsed.entries.len(), 3);
        assert_eq!(parsed.entries[2].seq, 3);
        assert_eq!(parsed.entries[1].prev, parsed.entries[0].sum);
        assert!(matches!(&parsed.entries[0].event, Event::Backup { note, .. } if note == "tape 0\nsecond line"));
    }

    #[test]
    fn a_torn_last_line_is_cut_off_not_fatal() {
        let text = journal(3);
        let cut = text.len() - 20;
        let parsed = parse(&text[..cut]).expect("torn tail is recoverable");
        assert_eq!(parsed.entries.len(), 2);
        assert!(matches!(parsed.torn, Some((3, _, _))));
    }

    #[test]
    fn an_edited_middle_line_is_refused_at_that_line() {
        let text = journal(3).replacen("tape 1", "tape 9", 1);
        let err = parse(&text).expect_err("edited line");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn a_removed_line_breaks_the_sequence() {
        let text = journal(3);
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        let err = parse(&(lines.join("\n") + "\n")).expect_err("gap");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("sequence 3 follows 1"), "{err}");
    }
}
