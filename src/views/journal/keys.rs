//! Per kind, per operator and per server, the positions of their events (three lists of a
//! million positions at a million events, 12 MB), derived ahead on a worker once the Journal's
//! filter is open: a filter word then sets a bit for each event of the kinds, operators and
//! servers it matches and reads nothing else. A scan of every event's fields (8 bytes each,
//! packed) read 8 MB a key and was bound by memory: 3-5 ms at a million events here.
//!
//! Keys are taken only for the very journal they were derived from: the same epoch, and the
//! last event keyed still has the chain's sum it had (the journal is a hash chain, so that
//! sum vouches for every event before it). Events appended since are judged from the index.

use std::sync::{Arc, Mutex};

use crate::model::{JournalIndex, LineRef};

/// The events of positions `0..len`, listed by kind, by operator and by server.
#[derive(Debug, Default)]
pub struct Keys {
    epoch: u64,
    /// The chain's sum (as the index keeps it) of the last event keyed.
    last_sum: u64,
    len: usize,
    /// By `LineRef::kind` (64 lists: a kind past 63 is listed as 63, as the filter reads it).
    pub(super) kinds: Postings,
    /// By `LineRef::by`.
    pub(super) ops: Postings,
    /// By `LineRef::server`; an event about no server is in none.
    pub(super) servers: Postings,
}

/// Positions grouped: group `g`'s, ascending, are each part's `positions[starts[g]..starts[g +
/// 1]]`, the parts one after another (built on two threads, a part for each half of the
/// journal).
#[derive(Debug, Default)]
pub struct Postings {
    parts: Vec<Part>,
}

#[derive(Debug, Default)]
struct Part {
    starts: Vec<u32>,
    positions: Vec<u32>,
}

impl Postings {
    /// The positions of group `g`, ascending (none past the last group).
    pub fn of(&self, g: usize) -> impl Iterator<Item = &[u32]> {
        self.parts.iter().map(move |part| match (part.starts.get(g), part.starts.get(g + 1)) {
            (Some(&a), Some(&b)) => part.positions.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        })
    }
}

/// An event's kind, operator and server (`LineRef::NO_SERVER`: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub kind: u8,
    pub by: u16,
    pub server: u32,
}

impl Fields {
    pub fn of(l: &LineRef) -> Fields {
        Fields { kind: l.kind, by: l.by, server: l.server }
    }
}

/// An event's groups: its kind (past 63 as 63), its operator, its server if any.
fn groups(l: &LineRef) -> [Option<usize>; 3] {
    [Some(usize::from(l.kind.min(63))), Some(usize::from(l.by)), l.server()]
}

/// The three groupings of `lines` (which start at position `first`) at once: counted in one
/// pass, placed in a second.
fn parts(first: usize, lines: &[LineRef]) -> [Part; 3] {
    let sizes = [
        64,
        lines.iter().map(|l| usize::from(l.by) + 1).max().unwrap_or(0),
        lines.iter().filter_map(|l| l.server()).max().map_or(0, |s| s + 1),
    ];
    let mut starts: [Vec<u32>; 3] = sizes.map(|n| vec![0u32; n + 1]);
    for l in lines {
        for (c, g) in starts.iter_mut().zip(groups(l)) {
            if let Some(g) = g {
                c[g + 1] += 1;
            }
        }
    }
    for c in &mut starts {
        for g in 1..c.len() {
            c[g] += c[g - 1];
        }
    }
    let mut next = starts.clone();
    let mut positions: [Vec<u32>; 3] = starts.each_ref().map(|c| vec![0u32; c.last().map_or(0, |&n| n as usize)]);
    for (p, l) in lines.iter().enumerate() {
        for ((next, out), g) in next.iter_mut().zip(positions.iter_mut()).zip(groups(l)) {
            if let Some(g) = g {
                out[next[g] as usize] = (first + p) as u32;
                next[g] += 1;
            }
        }
    }
    let [a, b, c] = starts;
    let [pa, pb, pc] = positions;
    [Part { starts: a, positions: pa }, Part { starts: b, positions: pb }, Part { starts: c, positions: pc }]
}

impl Keys {
    /// Every event of `index` listed by kind, operator and server, in two halves on two threads.
    pub fn derive(index: &JournalIndex, epoch: u64) -> Keys {
        let lines: &[LineRef] = &index.lines;
        let (mut kinds, mut ops, mut servers) = (Postings::default(), Postings::default(), Postings::default());
        for [k, o, s] in crate::parallel::halves(lines, parts) {
            kinds.parts.push(k);
            ops.parts.push(o);
            servers.parts.push(s);
        }
        Keys { epoch, last_sum: lines.last().map_or(0, |l| l.sum()), len: lines.len(), kinds, ops, servers }
    }

    /// These keys are of `index`'s first events (see the module's notes).
    fn fit(&self, index: &JournalIndex, epoch: u64) -> bool {
        self.epoch == epoch
            && match self.len.checked_sub(1) {
                None => true,
                Some(last) => index.lines.at(last).is_some_and(|l| l.sum() == self.last_sum),
            }
    }

    /// Events keyed (the first ones of the journal).
    pub fn len(&self) -> usize {
        self.len
    }
}

#[derive(Debug, Default)]
struct Shared {
    ready: Option<Arc<Keys>>,
    running: bool,
}

/// The keys derived ahead, shared by the pane (and its clones) and the worker.
#[derive(Debug, Clone, Default)]
pub struct Ahead {
    shared: Arc<Mutex<Shared>>,
}

impl Ahead {
    /// The keys of `index`'s first events, if the worker has derived them for this journal.
    pub fn ready(&self, index: &JournalIndex, epoch: u64) -> Option<Arc<Keys>> {
        let shared = self.shared.lock().ok()?;
        shared.ready.as_ref().filter(|k| k.fit(index, epoch)).cloned()
    }

    /// Derive the keys on a worker (at the lowest priority: 25-30 ms of two cores at a million
    /// events, which a key typed meanwhile would share) unless they are
    /// ready for this journal or a worker is at it; events appended since the keys were
    /// derived do not start another (they are judged from the index). True when started.
    pub fn start(&self, data: &Arc<crate::model::Data>, epoch: u64) -> bool {
        let Ok(mut shared) = self.shared.lock() else { return false };
        if shared.running || shared.ready.as_ref().is_some_and(|k| k.fit(&data.journal, epoch)) {
            return false;
        }
        shared.running = true;
        drop(shared);
        let (data, to) = (Arc::clone(data), Arc::clone(&self.shared));
        let spawned = std::thread::Builder::new().name("journal keys".into()).spawn(move || {
            // At the lowest priority: a key typed while they are built scans the index on both
            // cores meanwhile, and is not to share them with this.
            crate::parallel::background();
            let keys = Keys::derive(&data.journal, epoch);
            // The state is let go before the keys are offered: a write after this copies nothing.
            drop(data);
            if let Ok(mut shared) = to.lock() {
                *shared = Shared { ready: Some(Arc::new(keys)), running: false };
            }
        });
        if spawned.is_err()
            && let Ok(mut shared) = self.shared.lock()
        {
            shared.running = false;
        }
        spawned.is_ok()
    }

    /// Wait (up to `limit`) for a worker under way: for tests.
    pub fn settle(&self, limit: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + limit;
        while self.shared.lock().is_ok_and(|s| s.running) {
            if std::time::Instant::now() >= until {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Data;

    fn data(events: usize, sum_of_last: u64) -> Arc<Data> {
        let mut data = Data::default();
        let lines: Vec<LineRef> = (0..events)
            .map(|p| {
                LineRef::new(
                    p as u64,
                    if p % 5 == 0 { LineRef::NO_SERVER } else { p as u32 % 700 },
                    (p % 23) as u8,
                    (p % 3) as u16,
                    if p + 1 == events { sum_of_last } else { p as u64 },
                )
            })
            .collect();
        data.journal.lines = lines.into();
        Arc::new(data)
    }

    #[test]
    fn keys_are_each_events_fields_and_taken_only_for_the_journal_they_were_derived_from() {
        let ahead = Ahead::default();
        let journal = data(10_000, 77);
        assert!(ahead.start(&journal, 3), "started");
        assert!(ahead.settle(std::time::Duration::from_secs(30)), "derived");
        let keys = ahead.ready(&journal.journal, 3).expect("ready for the journal derived from");
        let lines: &[LineRef] = &journal.journal.lines;
        assert_eq!(keys.len(), lines.len());
        // Each list holds exactly the events of its kind, operator or server, ascending.
        for (postings, field) in [
            (&keys.kinds, (|l: &LineRef| Some(usize::from(l.kind.min(63)))) as fn(&LineRef) -> Option<usize>),
            (&keys.ops, |l: &LineRef| Some(usize::from(l.by))),
            (&keys.servers, |l: &LineRef| l.server()),
        ] {
            for g in 0..800 {
                let expected: Vec<u32> =
                    (0..lines.len() as u32).filter(|&p| field(&lines[p as usize]) == Some(g)).collect();
                assert_eq!(postings.of(g).flatten().copied().collect::<Vec<u32>>(), expected, "group {g}");
            }
        }
        assert_eq!(keys.servers.of(700).chain(keys.kinds.of(64)).flatten().count(), 0, "past the last group: none");
        assert!(!ahead.start(&journal, 3), "ready: not derived again");
        // Events appended since: the keys still fit, the new events come from the index.
        let longer = data(10_500, 0);
        let mut longer = Arc::unwrap_or_clone(longer);
        let last = &mut longer.journal.lines.as_vec_mut()[9_999];
        *last = LineRef::new(last.pos(), last.server, last.kind, last.by, 77);
        let longer = Arc::new(longer);
        let keys = ahead.ready(&longer.journal, 3).expect("the first 10,000 events are the same");
        assert_eq!(keys.len(), 10_000, "the events appended since are not keyed: judged from the index");
        // Another epoch, or another event where the last keyed one was: not taken.
        assert!(ahead.ready(&journal.journal, 4).is_none(), "another epoch");
        assert!(ahead.ready(&data(10_000, 78).journal, 3).is_none(), "another chain");
        assert!(ahead.start(&data(10_000, 78), 3), "derived again for the other chain");
        assert!(ahead.settle(std::time::Duration::from_secs(30)));
    }
}
