//! The journal line format: one RON entry a line, chained by `seq`, `prev` and `sum`.
//!
//! `sum` is the first 128 bits of the BLAKE3 hash of the line as written with `sum:""`;
//! `prev` is the previous line's `sum`; for the first line, the journal's identity (`start:`
//! and 32 random hex digits, made when the directory is made), or empty in journals written
//! before identities. A line is therefore checkable alone, an edit anywhere breaks the chain
//! after it, and two unrelated journals differ from their first line on: a signed line (which
//! signs `prev`) of one never fits the other.

use chrono::{DateTime, Utc};

use std::io::{BufRead, Read};
use std::path::Path;

use crate::model::{Entry, Event, JournalIndex};

use super::parse::{self, Located};

const SUM_HEX: usize = 32;
/// No journal line is longer than this (an override listing tens of thousands of unmet gate
/// items fits): a longer one is refused, never read into memory whole.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const SUM_OPEN: &str = "sum:\"";
/// How a journal's identity starts: never a `sum` (32 hex digits alone), so no removed line's
/// `sum` can pass for it.
pub const IDENTITY: &str = "start:";

/// A new journal's identity: `start:` and 128 random bits in hex, the first line's `prev`.
pub fn new_identity() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // No /dev/urandom (a chroot?): the time and process still tell directories apart.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let seed = format!("{}|{}|{:?}", now.as_nanos(), std::process::id(), std::thread::current().id());
        bytes.copy_from_slice(&blake3::hash(seed.as_bytes()).as_bytes()[..16]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{IDENTITY}{hex}")
}

/// Whether `prev` is a first line's: empty (an older journal) or an identity.
pub fn is_start(prev: &str) -> bool {
    prev.is_empty()
        || prev
            .strip_prefix(IDENTITY)
            .is_some_and(|h| h.len() == SUM_HEX && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

pub fn checksum(body: &str) -> String {
    let hash = blake3::hash(body.as_bytes());
    hash.to_hex()[..SUM_HEX].to_string()
}

/// Encode an entry as one line (no newline), computing its checksum. Unsigned: the write path
/// signs through `canonical` and `seal` instead.
pub fn encode(
    seq: u64,
    at: DateTime<Utc>,
    by: &str,
    from: Option<String>,
    event: Event,
    prev: &str,
) -> Result<(Entry, String), ron::Error> {
    seal(Entry { seq, at, by: by.to_string(), from, event, prev: prev.to_string(), sig: None, sum: String::new() })
}

/// The entry as its line, with `sum` computed over everything else it holds (its signature
/// too, so a signature cannot be stripped or swapped without breaking the chain).
pub fn seal(mut entry: Entry) -> Result<(Entry, String), ron::Error> {
    entry.sum = String::new();
    let body = ron::to_string(&entry)?;
    entry.sum = checksum(&body);
    let cut = body.len() - 2;
    let line = format!("{}{}\")", &body[..cut], entry.sum);
    Ok((entry, line))
}

/// Decode one line (1-based `lineno`) and check its own checksum.
pub fn decode(line: &str, lineno: usize) -> Result<Entry, Located> {
    // sprout's own compact lines quickly; anything else (and every error) as RON says it.
    let entry: Entry = match super::line::envelope(line) {
        Some(entry) => entry,
        None => parse::ron(super::JOURNAL, line, lineno)?,
    };
    own_sum(line, &entry.sum, lineno)?;
    Ok(entry)
}

/// The line's `sum` is the last field, and the line with `sum:""` hashes to it.
fn own_sum(line: &str, sum: &str, lineno: usize) -> Result<(), Located> {
    let at = |col: usize, message: String| Located { file: super::JOURNAL.into(), line: lineno, col, message };
    let Some(open) = line.rfind(SUM_OPEN) else {
        return Err(at(1, "the line has no sum field".into()));
    };
    let hex_start = open + SUM_OPEN.len();
    if line.len() != hex_start + SUM_HEX + 2 || !line.ends_with("\")") {
        return Err(at(hex_start + 1, "the sum field is not the line's last 32-hex-digit field".into()));
    }
    // The sum of the line with `sum:""`, hashed in two pieces: no copy of the line.
    let mut body = blake3::Hasher::new();
    body.update(&line.as_bytes()[..hex_start]).update(b"\")");
    if body.finalize().to_hex()[..SUM_HEX] != *sum {
        return Err(at(hex_start + 1, "checksum mismatch: the line was changed after it was written".into()));
    }
    Ok(())
}

/// What chains a line to the one before it: its `seq`, `prev` and `sum`.
pub trait Linked {
    fn links(&self) -> (u64, &str, &str);
}

impl Linked for Entry {
    fn links(&self) -> (u64, &str, &str) {
        (self.seq, &self.prev, &self.sum)
    }
}

/// A line's place in the chain, without its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub seq: u64,
    pub prev: String,
    pub sum: String,
}

impl Linked for Links {
    fn links(&self) -> (u64, &str, &str) {
        (self.seq, &self.prev, &self.sum)
    }
}

/// One line's place in the chain, its own checksum checked, its event not decoded when the
/// line is in sprout's compact form (a quarter of the time `decode` takes); anything else is
/// decoded whole, so what is refused is what `decode` refuses.
pub fn links(line: &str, lineno: usize) -> Result<Links, Located> {
    match super::line::links(line) {
        Some((seq, prev, sum)) => {
            own_sum(line, sum, lineno)?;
            Ok(Links { seq, prev: prev.to_string(), sum: sum.to_string() })
        }
        None => decode(line, lineno).map(|e| Links { seq: e.seq, prev: e.prev, sum: e.sum }),
    }
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
    pub torn: Option<Torn>,
}

/// A torn last line: (line number, byte offset, what was wrong).
pub type Torn = (usize, usize, Located);

/// Where a read of the journal starts: at position `pos` (a byte offset in a file) after `lines` lines, chained to
/// the event `seq` with `sum` (all zero and empty at the start of the file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    pub pos: u64,
    pub lines: usize,
    pub seq: u64,
    pub sum: String,
}

impl Start {
    pub fn after(index: &crate::model::JournalIndex) -> Start {
        Start { pos: index.end, lines: index.line_count, seq: index.seq, sum: index.sum.clone() }
    }
}

/// Parse and verify the whole chain of a journal text.
pub fn parse(text: &str) -> Result<Parsed, Located> {
    let mut entries = Vec::new();
    let (_, torn) = scan(text.as_bytes(), Start::default(), |e, _, _, _| entries.push(e))?;
    Ok(Parsed { entries, torn })
}

/// Read journal lines from `reader`, which is positioned at `start`, checking each line's
/// sum and its link to the line before; `each` gets every entry with its line's start and
/// end offsets and line count so far. Streams: memory does not grow with the journal.
/// Returns where the whole lines end, and a torn last line if there is one.
pub fn scan(
    reader: impl BufRead,
    start: Start,
    each: impl FnMut(Entry, u64, u64, usize),
) -> Result<(Start, Option<Torn>), Located> {
    lines(reader, start, decode, each)
}

/// The chain of the lines from `reader` (positioned at `start`), each line's own checksum and
/// its link to the line before checked as `scan` checks them, no event decoded when it need not
/// be: where the whole lines end and the last one's `seq` and `sum`.
pub fn chain(reader: impl BufRead, start: Start) -> Result<(Start, Option<Torn>), Located> {
    lines(reader, start, links, |_, _, _, _| {})
}

/// `scan` with `decode` for each line's reading.
fn lines<T: Linked>(
    mut reader: impl BufRead,
    start: Start,
    decode: impl Fn(&str, usize) -> Result<T, Located>,
    mut each: impl FnMut(T, u64, u64, usize),
) -> Result<(Start, Option<Torn>), Located> {
    let Start { pos: mut offset, lines: mut lineno, mut seq, mut sum } = start;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read = (&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut raw).map_err(|e| Located {
            file: super::JOURNAL.into(),
            line: lineno + 1,
            col: 1,
            message: format!("read failed: {e}"),
        })?;
        if raw.len() > MAX_LINE_BYTES {
            return Err(Located {
                file: super::JOURNAL.into(),
                line: lineno + 1,
                col: 1,
                message: format!(
                    "the line is longer than the {MAX_LINE_BYTES}-byte limit; restore journal.ron from backup"
                ),
            });
        }
        if read == 0 {
            return Ok((Start { pos: offset, lines: lineno, seq, sum }, None));
        }
        lineno += 1;
        let begin = offset;
        offset += read as u64;
        let whole = raw.last() == Some(&b'\n');
        let decoded = std::str::from_utf8(&raw)
            .map_err(|e| Located {
                file: super::JOURNAL.into(),
                line: lineno,
                col: e.valid_up_to() + 1,
                message: "not UTF-8 text (a damaged byte?)".into(),
            })
            .and_then(|text| {
                let line = text.trim_end_matches('\n');
                if line.trim().is_empty() {
                    return Ok(None);
                }
                decode(line, lineno).and_then(|e| link(seq, &sum, e, lineno)).map(Some)
            });
        match decoded {
            Ok(None) => {}
            Ok(Some(e)) => {
                let (at, _, its) = e.links();
                seq = at;
                sum.clear();
                sum.push_str(its);
                each(e, begin, offset, lineno);
            }
            // A last line without its newline never finished being written.
            Err(error) if !whole => {
                let end = Start { pos: begin, lines: lineno - 1, seq, sum };
                return Ok((end, Some((lineno, begin as usize, error))));
            }
            Err(mut error) => {
                let last = reader.fill_buf().map(|b| b.is_empty()).unwrap_or(false);
                error.message.push_str(if last {
                    "; the last line is damaged although complete: run `sprout verify` and restore journal.ron from backup"
                } else {
                    "; the journal is damaged before its end: run `sprout verify`, restore journal.ron from backup, and do not edit it by hand"
                });
                return Err(error);
            }
        }
    }
}

/// Read the events at `positions` (journal order) straight from the file, each checked.
pub fn read_at(path: &Path, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String> {
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    let shown = path.display();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .and_then(|f| {
            if f.metadata()?.file_type().is_file() { Ok(f) } else { Err(std::io::Error::other("not a regular file")) }
        })
        .map_err(|e| format!("{shown}: {e}"))?;
    let mut out = Vec::with_capacity(positions.len());
    let mut buf = Vec::new();
    for &p in positions {
        let Some(line) = index.lines.at(p) else {
            return Err(format!("{shown}: no event #{} (the journal has {})", p + 1, index.len()));
        };
        let end = index.lines.at(p + 1).map_or(index.end, |l| l.pos());
        buf.resize(end.saturating_sub(line.pos()) as usize, 0);
        file.read_exact_at(&mut buf, line.pos()).map_err(|e| format!("{shown}: reading event #{}: {e}", p + 1))?;
        let text = std::str::from_utf8(&buf).map_err(|_| format!("{shown}: event #{} is not UTF-8 text", p + 1))?;
        let text = text.split('\n').next().unwrap_or_default();
        let entry = decode(text, p + 1).map_err(|e| format!("{shown}: event #{}: {}", p + 1, e.message))?;
        if entry.seq != p as u64 + 1 {
            return Err(format!("{shown}: event #{} has moved (the journal changed): reloading", p + 1));
        }
        if !line.is(&entry) {
            return Err(replaced(&shown.to_string(), p));
        }
        out.push(entry);
    }
    Ok(out)
}

/// A line read again by position is not the one whose chain was checked: something other than
/// sprout put another line in its place (same length, its own sum). Never judged: reported.
pub fn replaced(place: &str, p: usize) -> String {
    format!(
        "{place}: event #{} is not the line whose chain was checked (its sum differs): journal.ron was \
         changed in place since it was read; run `sprout verify` and restore journal.ron from backup",
        p + 1
    )
}

pub fn link<T: Linked>(seq: u64, sum: &str, e: T, lineno: usize) -> Result<T, Located> {
    linked(seq, sum, &e, lineno).map(|()| e)
}

/// `link`, the line looked at where it is (an event is not moved to be checked).
pub fn linked<T: Linked>(seq: u64, sum: &str, e: &T, lineno: usize) -> Result<(), Located> {
    let err = |message: String| Located { file: super::JOURNAL.into(), line: lineno, col: 1, message };
    let (its, prev, _) = e.links();
    if its != seq + 1 {
        return Err(err(format!("sequence {its} follows {seq}: a line is missing or out of order")));
    }
    let first = seq == 0 && sum.is_empty();
    if first && !is_start(prev) {
        return Err(err("the first line's prev is neither empty nor the journal's identity (start:...)".into()));
    }
    if !first && prev != sum {
        return Err(err("prev does not match the previous line's sum: the chain is broken".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
