//! The Journal's filter matched on a worker: a large journal's scan, and the mark words
//! (`unsigned`, `failed`, `unproven`), which judge every event's signature (tens of seconds at
//! a million signed events). The typed text shows at once; the list follows when the worker
//! is done, and esc (or any other filter) cancels it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::live::signing::{Mark, Signing};
use crate::model::{Data, Event, JournalIndex, LineRef};
use crate::store::Store;
use crate::views::Names;

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

/// Per filter word: the kinds (bits), operators and servers it matches.
pub struct Words(Vec<(u64, Vec<bool>, Vec<bool>)>);

impl Words {
    /// Each word matched once against the kinds, operators and server names.
    pub fn new(index: &JournalIndex, names: &Names, words: &[String]) -> Words {
        Words(
            words
                .iter()
                .map(|w| {
                    let kinds = Event::KINDS
                        .iter()
                        .enumerate()
                        .filter(|(_, k)| k.contains(w.as_str()))
                        .fold(0, |m, (i, _)| m | 1 << i);
                    let ops = index.operators.iter().map(|o| contains_folded(o, w)).collect();
                    (kinds, ops, names.hits(w))
                })
                .collect(),
        )
    }

    /// Journal positions whose operator, kind or server matches every word, scanned in two
    /// halves on two threads: every event, or only those `among` (ascending positions).
    pub fn scan(&self, index: &JournalIndex, among: Option<&[u32]>) -> Vec<u32> {
        let hit = |l: &LineRef| {
            self.0.iter().all(|(kinds, ops, servers)| {
                kinds & (1u64 << l.kind.min(63)) != 0
                    || ops.get(usize::from(l.by)).copied().unwrap_or(false)
                    || l.server().is_some_and(|s| servers.get(s).copied().unwrap_or(false))
            })
        };
        let parts = match among {
            None => crate::parallel::halves(&index.lines, |from, lines: &[LineRef]| -> Vec<u32> {
                (from..).zip(lines).filter(|(_, l)| hit(l)).map(|(p, _)| p as u32).collect()
            }),
            Some(among) => crate::parallel::halves(among, |_, part: &[u32]| -> Vec<u32> {
                part.iter().copied().filter(|&p| index.lines.get(p as usize).is_some_and(&hit)).collect()
            }),
        };
        parts.into_iter().flatten().collect()
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
            Some(words) => words.scan(index, self.among.as_deref()),
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
