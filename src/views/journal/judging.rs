//! The Journal's filter matched on a worker: a large journal's scan, and the mark words
//! (`unsigned`, `failed`, `unproven`), which judge every event's signature (tens of seconds at
//! a million signed events). The typed text shows at once; the list follows when the worker
//! is done, and esc (or any other filter) cancels it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::bits;
use crate::live::signing::{Mark, Signing};
use crate::model::{Data, Event, JournalIndex, LineRef};
use crate::store::Store;
use crate::views::Names;

use super::keys::{Fields, Keys};

/// A journal longer than this is scanned on the worker: past it a scan costs the input
/// thread milliseconds (7-12 ms at a million events).
pub const ON_WORKER: usize = 50_000;

/// Filter words that match an event's mark: `?` (unsigned), `✗` (failed), either (unproven).
pub const MARK_WORDS: [&str; 3] = ["unsigned", "unproven", "failed"];

/// The filter's words split: those about an event's mark, and the rest.
pub fn split(filter: &str) -> (Vec<String>, Vec<String>) {
    filter.split_whitespace().map(str::to_lowercase).partition(|w| MARK_WORDS.contains(&w.as_str()))
}

/// An event's mark is what every mark word asks for.
pub fn wanted(marks: &[String], m: Option<Mark>) -> bool {
    marks.iter().all(|w| match w.as_str() {
        "unsigned" => m == Some(Mark::Unproven),
        "failed" => m == Some(Mark::Failed),
        _ => matches!(m, Some(Mark::Unproven | Mark::Failed)),
    })
}

/// Per filter word: the kinds, operators and servers it matches, each a table of 0 or 1 so
/// an event is judged without a branch per word (the matches are a coin toss to the CPU).
pub struct Words(Vec<Word>);

struct Word {
    /// By `LineRef::kind` (64 slots: every kind).
    kinds: [u8; 64],
    /// By `LineRef::by`.
    ops: Vec<u8>,
    /// By server index, one bit each (`LineRef::NO_SERVER` falls outside it): 12.5 KB at
    /// 100,000 servers, looked up once an event, stays in the nearest cache.
    servers: Vec<u64>,
}

impl Word {
    #[inline]
    fn hit(&self, f: Fields) -> u8 {
        self.kinds[usize::from(f.kind.min(63))]
            | self.ops.get(usize::from(f.by)).copied().unwrap_or(0)
            | self.servers.get(f.server as usize / 64).map_or(0, |&bits| (bits >> (f.server % 64)) as u8 & 1)
    }
}

impl Words {
    /// Each word matched once against the kinds, operators and server names.
    pub fn new(index: &JournalIndex, names: &Names, words: &[String]) -> Words {
        Words(
            words
                .iter()
                .map(|w| {
                    let mut kinds = [0; 64];
                    for (i, k) in Event::KINDS.iter().enumerate().take(64) {
                        kinds[i] = u8::from(k.contains(w.as_str()));
                    }
                    let ops = index.operators.iter().map(|o| u8::from(contains_folded(o, w))).collect();
                    let mut servers = Vec::new();
                    for (s, hit) in names.hits(w).into_iter().enumerate() {
                        if s % 64 == 0 {
                            servers.push(0);
                        }
                        if let Some(bits) = servers.last_mut() {
                            *bits |= u64::from(hit) << (s % 64);
                        }
                    }
                    Word { kinds, ops, servers }
                })
                .collect(),
        )
    }

    /// Whether the event with these fields matches every word.
    #[inline]
    fn hit(&self, f: Fields) -> bool {
        match self.0.as_slice() {
            [one] => one.hit(f) != 0,
            [a, b] => a.hit(f) & b.hit(f) != 0,
            all => all.iter().all(|w| w.hit(f) != 0),
        }
    }

    /// Journal positions whose operator, kind or server matches every word: every event, or
    /// only those `among` (ascending positions). With `keys`, each word sets a bit for every
    /// event listed under a kind, operator or server it matches (and judges the events
    /// appended since from the index); the words' bits are and-ed. Without, every event's
    /// fields are read from the index.
    pub fn scan(&self, index: &JournalIndex, keys: Option<&Keys>, among: Option<&[u32]>) -> Vec<u32> {
        let Some(keys) = keys.filter(|k| !self.0.is_empty() && k.len() <= index.len()) else {
            return self.scan_lines(index, among);
        };
        let lines: &[LineRef] = &index.lines;
        let mut all: Option<Vec<u64>> = None;
        for word in &self.0 {
            let mut bits = vec![0u64; lines.len().div_ceil(64)];
            let mut set = |lists: &mut dyn Iterator<Item = &[u32]>| {
                for &p in lists.flatten() {
                    if let Some(b) = bits.get_mut(p as usize / 64) {
                        *b |= 1 << (p % 64);
                    }
                }
            };
            for (kind, _) in word.kinds.iter().enumerate().filter(|(_, hit)| **hit != 0) {
                set(&mut keys.kinds.of(kind));
            }
            for (by, _) in word.ops.iter().enumerate().filter(|(_, hit)| **hit != 0) {
                set(&mut keys.ops.of(by));
            }
            for server in bits::ones(&word.servers) {
                set(&mut keys.servers.of(server));
            }
            for (p, l) in lines.iter().enumerate().skip(keys.len()) {
                bits[p / 64] |= u64::from(word.hit(Fields::of(l)) != 0) << (p % 64);
            }
            all = Some(match all {
                None => bits,
                Some(mut a) => {
                    a.iter_mut().zip(&bits).for_each(|(a, b)| *a &= b);
                    a
                }
            });
        }
        let all = all.unwrap_or_default();
        match among {
            Some(among) => among.iter().copied().filter(|&p| bits::has(&all, p as usize)).collect(),
            None => {
                let mut found = Vec::with_capacity(bits::count(&all));
                found.extend(bits::ones(&all).map(|p| p as u32));
                found
            }
        }
    }

    /// `scan` from the index alone, in two halves on two threads: a bit per event scanned, the
    /// list then made at its size (not a list as long as the journal, written and cut down).
    fn scan_lines(&self, index: &JournalIndex, among: Option<&[u32]>) -> Vec<u32> {
        let lines: &[LineRef] = &index.lines;
        let hit = |p: usize| lines.get(p).is_some_and(|l| self.hit(Fields::of(l)));
        let total = among.map_or(lines.len(), <[u32]>::len);
        let position = |k: usize| among.map_or(k, |a| a[k] as usize);
        let found = bits::of(total, |k| hit(position(k)));
        let mut positions = Vec::with_capacity(bits::count(&found));
        positions.extend(bits::ones(&found).map(|k| position(k) as u32));
        positions
    }
}

/// `hay` contains `needle` (already lower-case), ignoring ASCII case, without allocating.
fn contains_folded(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// What the worker matches: the filter's words prepared on the input thread, the rest shared.
pub struct Job {
    pub data: Arc<Data>,
    pub store: Arc<dyn Store>,
    /// `None`: every event (only mark words).
    pub words: Option<Words>,
    /// Only these events can match (a filter narrowing the list shown), else all.
    pub among: Option<Vec<u32>>,
    /// The events' keys derived ahead, if ready (`keys`).
    pub keys: Option<Arc<Keys>>,
    pub marks: Vec<String>,
    /// The trust at the journal's head, where signatures matter (else no event has a mark).
    pub signing: Option<Signing>,
}

/// A filter under way on the worker, shared with it.
#[derive(Debug, Clone)]
pub struct Judging {
    /// The filter text it matches, and the journal (epoch, length) it matches in.
    pub text: String,
    pub basis: (u64, usize),
    /// Mark words: the events are judged (the screen says so, with how far it got).
    pub marks: bool,
    cancel: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    result: Arc<Mutex<Option<Vec<u32>>>>,
}

impl Judging {
    /// Start `job` on a worker; `None` when no thread can be had. A scan the operator waits
    /// for runs at the input thread's priority (at the lowest, a busy machine delayed a
    /// keystroke's lines by 100-280 ms); judging marks, seconds long, at the lowest.
    pub fn start(job: Job, text: String, basis: (u64, usize), doorbell: crate::views::Doorbell) -> Option<Judging> {
        let judging = Judging {
            text,
            basis,
            marks: !job.marks.is_empty(),
            cancel: Arc::default(),
            done: Arc::default(),
            total: Arc::new(AtomicUsize::new(basis.1)),
            result: Arc::default(),
        };
        let (cancel, done, total, result) = (
            Arc::clone(&judging.cancel),
            Arc::clone(&judging.done),
            Arc::clone(&judging.total),
            Arc::clone(&judging.result),
        );
        std::thread::Builder::new()
            .name("journal filter".into())
            .spawn(move || {
                if !job.marks.is_empty() {
                    crate::parallel::background();
                }
                if let Some(found) = job.run(&cancel, &done, &total)
                    && let Ok(mut slot) = result.lock()
                {
                    *slot = Some(found);
                    drop(slot);
                    doorbell.ring();
                }
            })
            .ok()?;
        Some(judging)
    }

    /// Events judged so far, of how many to judge.
    pub fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    /// Stop the worker: its result is never taken.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The positions matched, once the worker is done (taken out).
    pub fn take(&self) -> Option<Vec<u32>> {
        self.result.lock().ok()?.take()
    }
}

impl Job {
    /// The positions that pass, oldest first; `None` when cancelled.
    pub fn run(self, cancel: &AtomicBool, done: &AtomicUsize, total: &AtomicUsize) -> Option<Vec<u32>> {
        let index = &self.data.journal;
        let positions: Vec<u32> = match &self.words {
            Some(words) => words.scan(index, self.keys.as_deref(), self.among.as_deref()),
            None => (0..index.len() as u32).collect(),
        };
        total.store(positions.len(), Ordering::Relaxed);
        if self.marks.is_empty() {
            done.store(positions.len(), Ordering::Relaxed);
            return Some(positions);
        }
        let mut kept = Vec::new();
        for (n, chunk) in positions.chunks(4096).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let at: Vec<usize> = chunk.iter().map(|&p| p as usize).collect();
            // An event that cannot be read has no mark, as on the screen.
            let entries = self.store.read_at(index, &at).unwrap_or_default();
            let mark = |k: usize| {
                let (signing, e) = (self.signing.as_ref()?, entries.get(k)?);
                signing.row_mark(e, &signing.judge(e))
            };
            kept.extend(chunk.iter().enumerate().filter(|&(k, _)| wanted(&self.marks, mark(k))).map(|(_, &p)| p));
            done.store(n * 4096 + chunk.len(), Ordering::Relaxed);
        }
        (!cancel.load(Ordering::Relaxed)).then_some(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan as it was before the tables: a word matches an event's kind, operator or
    /// server, each looked up with a branch (the reference the tables must agree with).
    fn reference(index: &JournalIndex, names: &Names, words: &[String], among: Option<&[u32]>) -> Vec<u32> {
        let per_word: Vec<(Vec<bool>, Vec<bool>, Vec<bool>)> = words
            .iter()
            .map(|w| {
                let kinds = Event::KINDS.iter().map(|k| k.contains(w.as_str())).collect();
                let ops = index.operators.iter().map(|o| o.to_lowercase().contains(w.as_str())).collect();
                (kinds, ops, names.hits(w))
            })
            .collect();
        let hit = |l: &LineRef| {
            per_word.iter().all(|(kinds, ops, servers)| {
                kinds.get(usize::from(l.kind)).copied().unwrap_or(false)
                    || ops.get(usize::from(l.by)).copied().unwrap_or(false)
                    || l.server().is_some_and(|s| servers.get(s).copied().unwrap_or(false))
            })
        };
        let all: Vec<u32> = (0..index.len() as u32).collect();
        among.unwrap_or(&all).iter().copied().filter(|&p| hit(&index.lines[p as usize])).collect()
    }

    /// A journal of `events` events (above `parallel::MIN_SPLIT`: the scan's two halves) over
    /// 3,000 servers, some events about no server.
    fn journal(events: usize) -> (JournalIndex, Names) {
        let sites = ["bos", "lax", "ams"];
        let roles = ["mbx", "sql", "web", "dc"];
        let servers: Vec<String> = (0..3000).map(|i| format!("{}-{}-{i:04}", sites[i % 3], roles[i / 3 % 4])).collect();
        let mut index = JournalIndex::default();
        index.operators = vec!["Alice".into(), "Bob".into(), "carol".into(), "Dave-Lab".into()];
        let lines: Vec<LineRef> = (0..events)
            .map(|p| {
                LineRef::new(
                    p as u64,
                    if p % 11 == 0 { LineRef::NO_SERVER } else { (p * 7919 % servers.len()) as u32 },
                    (p * 31 % Event::KINDS.len()) as u8,
                    (p * 13 % 4) as u16,
                    0,
                )
            })
            .collect();
        index.lines = lines.into();
        (index, Names::of(&servers))
    }

    #[test]
    fn the_tables_list_what_the_reference_lists_for_words_and_narrowing() {
        let (index, names) = journal(40_000);
        // Keys derived ahead for every event, and for the first 30,000 (10,000 appended since).
        let all = Keys::derive(&index, 0);
        let (mut older, _) = journal(40_000);
        older.lines.as_vec_mut().truncate(30_000);
        let part = Keys::derive(&older, 0);
        assert_eq!((all.len(), part.len()), (40_000, 30_000));
        let filters = ["l", "bos", "bos-mbx", "a", "al bos", "check", "checkout lax", "dave", "x", "nothing-at-all"];
        for filter in filters {
            let words: Vec<String> = filter.split_whitespace().map(str::to_string).collect();
            let expected = reference(&index, &names, &words, None);
            // Narrowing: only the events a shorter word listed.
            let first = vec![words[0][..1].to_string()];
            let among = reference(&index, &names, &first, None);
            let narrowed = reference(&index, &names, &words, Some(&among));
            assert_eq!(narrowed, expected, "{filter:?}: narrowing lists what the whole scan lists");
            for (keys, how) in [(None, "from the index"), (Some(&all), "keyed"), (Some(&part), "keyed, then appended")]
            {
                let w = Words::new(&index, &names, &words);
                assert_eq!(w.scan(&index, keys, None), expected, "{filter:?} {how}: every event");
                assert_eq!(w.scan(&index, keys, Some(&among)), narrowed, "{filter:?} {how}: narrowed");
            }
        }
        let some = reference(&index, &names, &["bos".to_string()], None);
        assert!(some.len() > 1000 && some.len() < index.len(), "the test's words match some events, not all");
    }
}
