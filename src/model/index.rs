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
/// loads in linear time. Derived, so it takes no part in comparisons.
#[derive(Debug, Clone, Default)]
struct OperatorLookup(std::collections::HashMap<String, u16>);

impl PartialEq for OperatorLookup {
    fn eq(&self, _: &OperatorLookup) -> bool {
        true
    }
}

/// One journal line: where the store keeps it and what it is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRef {
    /// Where the store keeps the line (a data directory: its byte offset; memory: its index).
    pub pos: u64,
    /// Index of the server in `State::servers`, or `LineRef::NO_SERVER`.
    pub server: u32,
    /// Index into `Event::KINDS`.
    pub kind: u8,
    /// Index into `JournalIndex::operators`.
    pub by: u16,
    /// The first 64 bits of the line's `sum` as the chain was checked: a line read again by
    /// position must be this very line, not one put in its place since (`LineRef::sum_of`).
    pub sum: u64,
}

impl LineRef {
    pub const NO_SERVER: u32 = u32::MAX;

    /// The part of a line's `sum` an index keeps (0 for a sum that is not hex: none is, once
    /// checked).
    pub fn sum_of(sum: &str) -> u64 {
        sum.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok()).unwrap_or(0)
    }

    /// Whether `entry` is the line this refers to: the one whose chain was checked.
    pub fn is(&self, entry: &Entry) -> bool {
        entry.sum.len() == 32 && Self::sum_of(&entry.sum) == self.sum
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
        let by = match self.lookup.0.get(&entry.by) {
            Some(&i) => usize::from(i),
            None if self.operators.len() < usize::from(u16::MAX) => {
                self.operators.push(entry.by.clone());
                let i = self.operators.len() - 1;
                self.lookup.0.insert(entry.by.clone(), i as u16);
                i
            }
            // Past 65,535 distinct operators the rest share the last slot in lists and filters.
            None => usize::from(u16::MAX),
        };
        self.lines.push(LineRef {
            pos,
            server: server.map_or(LineRef::NO_SERVER, |s| s as u32),
            kind: entry.event.kind_index(),
            by: by.min(usize::from(u16::MAX)) as u16,
            sum: LineRef::sum_of(&entry.sum),
        });
        self.end = end;
        self.seq = entry.seq;
        self.sum.clone_from(&entry.sum);
        self.last_at = Some(entry.at);
    }

    pub fn operator(&self, line: &LineRef) -> &str {
        self.operators.get(usize::from(line.by)).map_or("?", String::as_str)
    }
}
