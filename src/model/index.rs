//! The journal index: where each event is, and the little that lists and filters need.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::journal::Entry;

/// Where each journal line is and the little that lists and filters need about it. The
/// events themselves stay on disk; the rows on screen are read when shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalIndex {
    /// One per event, in journal order (position `p` is the event with `seq` `p + 1`).
    pub lines: super::OnDemand<LineRef>,
    /// Operators by first appearance; `LineRef::by` indexes this.
    pub operators: Vec<String>,
    /// Where the journal read so far ends, in the store's positions: the next line starts here.
    pub end: u64,
    /// Lines read (blank ones included), for line numbers in messages.
    pub line_count: usize,
    /// The last event's `seq` and `sum`, which the next line chains to.
    pub seq: u64,
    pub sum: String,
    /// The last event's time: the next one may not be earlier (beyond the clock tolerance).
    pub last_at: Option<DateTime<Utc>>,
    /// Operators by name, for `push` (derived from `operators`, never stored).
    #[serde(skip)]
    lookup: OperatorLookup,
}

/// Where each operator is in `JournalIndex::operators`: a journal with many distinct operators
/// loads in linear time. Derived, so it takes no part in comparisons. The last line's operator
/// is kept beside it: most lines follow one by the same person, and a string compared costs
/// less than a string hashed (a twentieth of a replay's applying thread at 1,000,000 events).
#[derive(Debug, Clone, Default)]
struct OperatorLookup(std::collections::HashMap<String, u16>, Option<u16>);

impl PartialEq for OperatorLookup {
    fn eq(&self, _: &OperatorLookup) -> bool {
        true
    }
}

/// One journal line: where the store keeps it and what it is about. Twenty bytes, one held
/// per event (20 MB at a million events): the position and the sum are kept in 4-byte parts so
/// nothing pads the line to 24.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LineFields", into = "LineFields")]
pub struct LineRef {
    /// The first 64 bits of the line's `sum` as the chain was checked (`sum`).
    sum: [u32; 2],
    /// The low 32 bits of the position (`pos`).
    pos_low: u32,
    /// Index of the server in `State::servers`, or `LineRef::NO_SERVER`.
    pub server: u32,
    /// Index into `Event::KINDS`.
    pub kind: u8,
    /// Bits 32-39 of the position: a journal of up to a terabyte.
    pos_high: u8,
    /// Index into `JournalIndex::operators`.
    pub by: u16,
}

/// `LineRef` as it is written to the cache: its fields whole, as before they were packed.
#[derive(Serialize, Deserialize)]
struct LineFields {
    pos: u64,
    server: u32,
    kind: u8,
    by: u16,
    sum: u64,
}

impl From<LineFields> for LineRef {
    fn from(f: LineFields) -> LineRef {
        LineRef::new(f.pos, f.server, f.kind, f.by, f.sum)
    }
}

impl From<LineRef> for LineFields {
    fn from(l: LineRef) -> LineFields {
        LineFields { pos: l.pos(), server: l.server, kind: l.kind, by: l.by, sum: l.sum() }
    }
}

impl LineRef {
    pub const NO_SERVER: u32 = u32::MAX;

    /// The largest position a line can be kept at (a terabyte): a line past it is kept at this
    /// position, where no line of the journal starts, so reading it finds the journal changed.
    pub const LAST_POS: u64 = (1 << 40) - 1;

    pub fn new(pos: u64, server: u32, kind: u8, by: u16, sum: u64) -> LineRef {
        let pos = pos.min(Self::LAST_POS);
        LineRef {
            sum: [sum as u32, (sum >> 32) as u32],
            pos_low: pos as u32,
            server,
            kind,
            pos_high: (pos >> 32) as u8,
            by,
        }
    }

    /// Where the store keeps the line (a data directory: its byte offset; memory: its index).
    pub fn pos(&self) -> u64 {
        u64::from(self.pos_high) << 32 | u64::from(self.pos_low)
    }

    /// The first 64 bits of the line's `sum` as the chain was checked: a line read again by
    /// position must be this very line, not one put in its place since (`LineRef::sum_of`).
    pub fn sum(&self) -> u64 {
        u64::from(self.sum[1]) << 32 | u64::from(self.sum[0])
    }

    /// The part of a line's `sum` an index keeps (0 for a sum that is not hex: none is, once
    /// checked).
    pub fn sum_of(sum: &str) -> u64 {
        sum.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok()).unwrap_or(0)
    }

    /// Whether `entry` is the line this refers to: the one whose chain was checked.
    pub fn is(&self, entry: &Entry) -> bool {
        entry.sum.len() == 32 && Self::sum_of(&entry.sum) == self.sum()
    }

    pub fn server(&self) -> Option<usize> {
        (self.server != Self::NO_SERVER).then_some(self.server as usize)
    }
}

impl JournalIndex {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Note one more whole line that ends at byte `end`.
    pub fn push(&mut self, entry: &Entry, pos: u64, end: u64, server: Option<usize>) {
        if self.lookup.0.len() != self.operators.len().min(usize::from(u16::MAX)) {
            // Restored from a cache: rebuild once.
            self.lookup.0 = self
                .operators
                .iter()
                .enumerate()
                .map(|(i, o)| (o.clone(), i.min(usize::from(u16::MAX)) as u16))
                .collect();
        }
        let last = self.lookup.1.filter(|&i| self.operators.get(usize::from(i)).is_some_and(|o| *o == entry.by));
        let by = match last.or_else(|| self.lookup.0.get(&entry.by).copied()) {
            Some(i) => usize::from(i),
            None if self.operators.len() < usize::from(u16::MAX) => {
                self.operators.push(entry.by.clone());
                let i = self.operators.len() - 1;
                self.lookup.0.insert(entry.by.clone(), i as u16);
                i
            }
            // Past 65,535 distinct operators the rest share the last slot in lists and filters.
            None => usize::from(u16::MAX),
        };
        self.lookup.1 = u16::try_from(by).ok();
        self.lines.push(LineRef::new(
            pos,
            server.map_or(LineRef::NO_SERVER, |s| s as u32),
            entry.event.kind_index(),
            by.min(usize::from(u16::MAX)) as u16,
            LineRef::sum_of(&entry.sum),
        ));
        self.end = end;
        self.seq = entry.seq;
        self.sum.clone_from(&entry.sum);
        self.last_at = Some(entry.at);
    }

    pub fn operator(&self, line: &LineRef) -> &str {
        self.operators.get(usize::from(line.by)).map_or("?", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::{JournalIndex, LineRef};

    /// Each line names its own operator, however the operators alternate, and one restored
    /// from the cache (its lookup rebuilt) goes on numbering them as before.
    #[test]
    fn each_line_keeps_its_own_operator_however_they_alternate() {
        let entry = |seq: u64, by: &str| crate::model::Entry {
            seq,
            at: chrono::DateTime::from_timestamp(1_800_000_000 + seq as i64, 0).expect("time"),
            by: by.into(),
            from: None,
            event: crate::model::Event::Backup { server: "S".into(), note: String::new() },
            prev: String::new(),
            sig: None,
            sum: format!("{seq:032x}"),
        };
        let mut index = JournalIndex::default();
        for (seq, by) in ["ann", "ann", "bob", "ann", "cy", "cy", "bob"].into_iter().enumerate() {
            index.push(&entry(seq as u64 + 1, by), seq as u64 * 10, seq as u64 * 10 + 9, None);
        }
        let names =
            |index: &JournalIndex| index.lines.iter().map(|l| index.operator(l).to_string()).collect::<Vec<_>>();
        assert_eq!(names(&index), ["ann", "ann", "bob", "ann", "cy", "cy", "bob"]);
        assert_eq!(index.operators, ["ann", "bob", "cy"]);
        let bytes = postcard::to_allocvec(&index).expect("encode");
        let mut restored: JournalIndex = postcard::from_bytes(&bytes).expect("decode");
        restored.push(&entry(8, "bob"), 70, 79, None);
        restored.push(&entry(9, "dee"), 80, 89, None);
        assert_eq!(names(&restored)[7..], ["bob", "dee"]);
        assert_eq!(restored.operators, ["ann", "bob", "cy", "dee"]);
    }

    /// Twenty bytes a line, and every field comes back as it was put in, up to a terabyte's
    /// position and the whole 64 bits of the sum; the cache's encoding is the fields whole.
    #[test]
    fn a_line_is_twenty_bytes_and_keeps_its_position_and_sum_whole() {
        assert_eq!(std::mem::size_of::<LineRef>(), 20);
        for (pos, sum) in [(0, 0), (1 << 32 | 7, u64::MAX), (LineRef::LAST_POS, 0x0123_4567_89ab_cdef)] {
            let l = LineRef::new(pos, 9, 3, 65_535, sum);
            assert_eq!((l.pos(), l.server, l.kind, l.by, l.sum()), (pos, 9, 3, 65_535, sum));
            let bytes = postcard::to_allocvec(&l).expect("encode");
            assert_eq!(postcard::from_bytes::<LineRef>(&bytes).expect("decode"), l);
            let whole = (pos, 9u32, 3u8, 65_535u16, sum);
            assert_eq!(bytes, postcard::to_allocvec(&whole).expect("encode"), "the fields whole, in order");
        }
        let past = LineRef::new(1 << 41, 0, 0, 0, 0);
        assert_eq!(past.pos(), LineRef::LAST_POS, "past a terabyte: a position no line starts at");
    }
}
