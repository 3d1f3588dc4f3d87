//! Derived facts that rest on an unproven event: a gate met by a checkout or sign-off whose
//! event its operator's key does not prove, a phase opened by such an event. The rules do not
//! change (the gate still counts); the mark says so plainly. Which events a fact rests on is
//! `rules::rests`; whether each is proven is the event's own mark (`signing::Signing::mark`).

use serde::{Deserialize, Serialize};

use crate::model::Entry;
use crate::rules::keys::Judged;

use super::Loaded;
use super::signing::{Mark, Signing};

/// One event a fact rests on that its operator's key does not prove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rest {
    pub seq: u64,
    pub by: String,
    pub kind: String,
    /// `unsigned`, `bad`, `unknown key` or `revoked` (as the event's own `signature`).
    pub signature: String,
    /// `?` or `✗`, as the event's own mark.
    pub mark: String,
}

impl Rest {
    fn new(e: &Entry, judged: &Judged, mark: Mark) -> Rest {
        Rest {
            seq: e.seq,
            by: e.by.clone(),
            kind: e.event.kind().to_string(),
            signature: judged.verdict.mark().to_string(),
            mark: mark.symbol().to_string(),
        }
    }

    /// "rests on #41, unsigned (checkout by alice)".
    pub fn words(&self) -> String {
        format!("rests on #{}, {} ({} by {})", self.seq, self.signature, self.kind, crate::safe::visible(&self.by))
    }
}

/// The mark a fact resting on `rests` carries: `✗` if any event's signature fails, else `?`.
pub fn worst(rests: &[Rest]) -> Option<&'static str> {
    let failed = rests.iter().any(|r| r.mark == Mark::Failed.symbol());
    (!rests.is_empty()).then_some(if failed { Mark::Failed.symbol() } else { Mark::Unproven.symbol() })
}

/// Sequence numbers as sorted, disjoint, inclusive ranges: a journal whose every event is marked
/// keeps one pair, not a million numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seqs(Vec<(u64, u64)>);

impl Seqs {
    /// Add `seq`, at least the last one added.
    pub fn push(&mut self, seq: u64) {
        match self.0.last_mut() {
            Some((_, end)) if *end >= seq => {}
            Some((_, end)) if *end + 1 == seq => *end = seq,
            _ => self.0.push((seq, seq)),
        }
    }

    pub fn contains(&self, seq: u64) -> bool {
        let i = self.0.partition_point(|&(_, end)| end < seq);
        self.0.get(i).is_some_and(|&(start, _)| start <= seq)
    }
}

/// The events among `seqs` that carry a mark, oldest first. `marked`, when given, holds every
/// marked sequence of the journal (`status` has judged them all already): only those are read
/// again; else each event is read and judged (a slice at a time, on both cores).
pub fn of(loaded: &Loaded, signing: &Signing, seqs: &[u64], marked: Option<&Seqs>) -> Result<Vec<Rest>, String> {
    if !signing.in_use() {
        return Ok(Vec::new());
    }
    let len = loaded.data.journal.len() as u64;
    let mut wanted: Vec<u64> = seqs.iter().copied().filter(|&s| s >= 1 && s <= len).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if let Some(marked) = marked {
        wanted.retain(|&s| marked.contains(s));
    }
    let mut rests = Vec::new();
    for chunk in wanted.chunks(16 * 1024) {
        let positions: Vec<usize> = chunk.iter().map(|&s| (s - 1) as usize).collect();
        let entries = loaded.entries(&positions)?;
        let judged = crate::parallel::halves(&entries, |_, part| {
            part.iter()
                .filter_map(|e| {
                    let j = signing.judge(e);
                    signing.mark(e, &j).map(|m| Rest::new(e, &j, m))
                })
                .collect::<Vec<_>>()
        });
        rests.extend(judged.into_iter().flatten());
    }
    Ok(rests)
}

#[cfg(test)]
mod tests {
    use super::Seqs;

    #[test]
    fn marked_sequences_are_kept_as_ranges_and_found() {
        let mut s = Seqs::default();
        for seq in [3, 4, 5, 5, 9, 10, 20] {
            s.push(seq);
        }
        assert_eq!(s, Seqs(vec![(3, 5), (9, 10), (20, 20)]));
        let found: Vec<u64> = (0..22).filter(|&q| s.contains(q)).collect();
        assert_eq!(found, vec![3, 4, 5, 9, 10, 20]);
    }
}
