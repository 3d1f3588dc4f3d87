//! Per event, the three things the Journal's filter words look at (its kind, operator and
//! server) packed in 8 bytes, derived ahead on a worker once the Journal's filter is open: a scan of
//! a million events then reads 8 MB instead of the index's 24-byte lines (24 MB), which is
//! what a filter key waited for (the scan is bound by memory, not by judging).
//!
//! Keys are taken only for the very journal they were derived from: the same epoch, and the
//! last event keyed still has the chain's sum it had (the journal is a hash chain, so that
//! sum vouches for every event before it). Events appended since are judged from the index.

use std::sync::{Arc, Mutex};

use crate::model::{JournalIndex, LineRef};

/// Each event's kind, operator and server, for positions `0..keys.len()`.
#[derive(Debug, Default)]
pub struct Keys {
    epoch: u64,
    /// The chain's sum (as the index keeps it) of the last event keyed.
    last_sum: u64,
    keys: Vec<u64>,
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

    fn pack(self) -> u64 {
        u64::from(self.server) | u64::from(self.by) << 32 | u64::from(self.kind) << 48
    }

    fn unpack(key: u64) -> Fields {
        Fields { server: key as u32, by: (key >> 32) as u16, kind: (key >> 48) as u8 }
    }
}

impl Keys {
    /// Every event of `index` keyed, in two halves on two threads.
    pub fn derive(index: &JournalIndex, epoch: u64) -> Keys {
        let lines: &[LineRef] = &index.lines;
        let parts = crate::parallel::halves(lines, |_, part: &[LineRef]| -> Vec<u64> {
            part.iter().map(|l| Fields::of(l).pack()).collect()
        });
        let mut keys = Vec::with_capacity(lines.len());
        for part in parts {
            keys.extend(part);
        }
        Keys { epoch, last_sum: lines.last().map_or(0, |l| l.sum()), keys }
    }

    /// These keys are of `index`'s first events (see the module's notes).
    fn fit(&self, index: &JournalIndex, epoch: u64) -> bool {
        self.epoch == epoch
            && match self.keys.len().checked_sub(1) {
                None => true,
                Some(last) => index.lines.at(last).is_some_and(|l| l.sum() == self.last_sum),
            }
    }

    /// Events keyed (the first ones of the journal).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The fields of the event at `p`: from its key, else (appended since) from the index.
    #[inline]
    pub fn fields(&self, lines: &[LineRef], p: usize) -> Option<Fields> {
        match self.keys.get(p) {
            Some(&k) => Some(Fields::unpack(k)),
            None => lines.get(p).map(Fields::of),
        }
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

    /// Derive the keys on a worker (at the input thread's priority: the operator is about to
    /// type a filter, 5-10 ms of one core at a million events) unless they are
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
        for (p, l) in lines.iter().enumerate() {
            assert_eq!(keys.fields(lines, p), Some(Fields::of(l)), "event {p}");
        }
        assert!(!ahead.start(&journal, 3), "ready: not derived again");
        // Events appended since: the keys still fit, the new events come from the index.
        let longer = data(10_500, 0);
        let mut longer = Arc::unwrap_or_clone(longer);
        let last = &mut longer.journal.lines.as_vec_mut()[9_999];
        *last = LineRef::new(last.pos(), last.server, last.kind, last.by, 77);
        let longer = Arc::new(longer);
        let keys = ahead.ready(&longer.journal, 3).expect("the first 10,000 events are the same");
        let lines: &[LineRef] = &longer.journal.lines;
        assert_eq!(keys.fields(lines, 10_200), Some(Fields::of(&lines[10_200])), "appended: from the index");
        assert_eq!(keys.fields(lines, 10_500), None, "past the end");
        // Another epoch, or another event where the last keyed one was: not taken.
        assert!(ahead.ready(&journal.journal, 4).is_none(), "another epoch");
        assert!(ahead.ready(&data(10_000, 78).journal, 3).is_none(), "another chain");
        assert!(ahead.start(&data(10_000, 78), 3), "derived again for the other chain");
        assert!(ahead.settle(std::time::Duration::from_secs(30)));
    }
}
