//! The live state of a store: its baseline with the journal replayed, kept current by reading
//! only what was appended, from the derived-state cache when it provably matches. Serves every
//! store alike; only `store` knows where the bytes are.

pub mod audit;
pub mod cache;
mod check;
pub mod checked;
pub mod checker;
mod full;
pub mod judged;
mod load;
pub mod meeting;
mod parts;
pub mod rests;
pub mod signing;
pub mod verdicts;
pub mod write;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Data, Entry};
use crate::progress::Progress;
use crate::rules::State;
use crate::store::{FileStore, Mark, Plans, Stamp, Start, Store, Torn};

pub use check::check;
use full::load_full;
pub use load::{load, load_on_demand, load_unsaved, load_with_progress, restore_small};
pub use write::{Recorded, WriteError, WriteOptions, record, record_baseline, record_in, record_on_demand};

/// A loaded store: the baseline, the state the journal replays to, and where in the journal
/// that state stands, so later reads take only what was appended.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub store: Arc<dyn Store>,
    /// Shared with a worker that derives what the clock changes (`app::clock`): a change
    /// takes its own copy only while one reads it (`Arc::make_mut`).
    pub data: Arc<Data>,
    pub state: Arc<State>,
    /// A torn last journal line: (line number, position, what was wrong).
    pub torn: Option<Torn>,
    /// The store's stamp as of this state: a later change always differs from it.
    pub stamp: Stamp,
    /// The journal as read, in the store's own terms.
    pub mark: Mark,
    /// How this state was obtained, for the start-up figures and the tests.
    pub source: Source,
    /// The baseline key, for writing the cache.
    pub(crate) key: String,
    /// The key without the fleet's identity, and the digest of the fleet's bytes this state
    /// was built from (`Store::fleet_digest`): a cache kept with them stays valid when only the
    /// fleet file's identity changes.
    pub(crate) key_but_fleet: String,
    pub(crate) fleet_digest: Option<String>,
    /// Bumped each time the state is replaced by a fresh load: journal positions seen in an
    /// older epoch may mean other events now.
    pub epoch: u64,
    /// Since when the journal has grown by lines the head does not vouch for yet (`refresh`
    /// leaves them for the head to follow, up to `HEAD_GRACE`).
    pub unvouched: Option<std::time::Instant>,
    /// What `check` finds in this state's journal events, when known (kept from a check of the
    /// same data, and followed as events are applied): the header counts problems without
    /// replaying the journal again.
    pub judged: Option<judged::Judged>,
}

/// Where a load's state came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Every file parsed and the whole journal replayed.
    Full,
    /// The derived-state cache, plus this many events appended since it was written.
    Cache { tail: usize },
    /// The journal replayed only up to a point in its history (`load_until`): `left` events
    /// after it were read and checked, not applied. Never cached, never written through.
    Until { left: usize },
}

/// Where a history read (`load_until`) stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Events at or before this time: the replay stops at the first event after it. The
    /// journal is in time order within the clock tolerance, so an event a few seconds out of
    /// order near the time may fall on either side; the stop is at the first one after.
    Time(DateTime<Utc>),
    /// Events up to and including this `seq`.
    Seq(u64),
}

impl Until {
    fn passed(self, e: &Entry) -> bool {
        match self {
            Until::Time(t) => e.at > t,
            Until::Seq(seq) => e.seq > seq,
        }
    }
}

impl Loaded {
    pub fn warnings(&self) -> Vec<String> {
        self.torn
            .iter()
            .map(|(line, _, e)| {
                format!(
                    "warning: {}: the last line is incomplete (a crash mid-write?) and is ignored; the next record sets it aside ({})",
                    self.store.locate(crate::store::JOURNAL, &[*line]),
                    e.message
                )
            })
            .collect()
    }

    /// Take `fresh` (a new load of the same store) in place of this state.
    pub fn replace_with(&mut self, fresh: Loaded) {
        let epoch = self.epoch + 1;
        *self = fresh;
        self.epoch = epoch;
    }

    /// The events at `positions`, read from the store.
    pub fn entries(&self, positions: &[usize]) -> Result<Vec<Entry>, String> {
        self.store.read_at(&self.data.journal, positions)
    }

    /// Where the data lives, as the header shows it.
    pub fn place(&self) -> String {
        self.store.place()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// The small baseline, or every baseline problem (the fleet's too) when it does not parse.
fn plans(store: &Arc<dyn Store>) -> Result<Plans, Vec<String>> {
    store.plans().map_err(|mut errors| {
        if let Err(more) = store.fleet() {
            errors.extend(more);
        }
        errors
    })
}

/// The state as the journal had it at a point in its history: `sprout --as-of TIME` and the
/// minutes' state at a meeting's start and end. Always a full read; the derived-state cache is
/// neither used (it holds the present) nor written.
pub fn load_until(store: &Arc<dyn Store>, until: Until) -> Result<Loaded, LoadError> {
    let plans = plans(store).map_err(LoadError::Invalid)?;
    load_full(store, store.stamp(), plans, &Progress::new(), Some(until), full::Servers::Kept, |_, _, _, _| {})
        .map_err(LoadError::Invalid)
}

/// Load a data directory (the file store).
pub fn load_dir(dir: &std::path::Path) -> Result<Loaded, LoadError> {
    load(&FileStore::open(dir))
}

/// What `catch_up` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// The journal is as it was.
    Unchanged,
    /// Events were appended; the first new one is at this position.
    Appended(usize),
    /// Something else changed: everything was read again.
    Reloaded,
}

/// The journal changed in a way a tail read cannot follow (load it in full), or grew by lines
/// the head does not vouch for yet (`unvouched`: its writer's head may follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    pub unvouched: bool,
}

/// Bring `loaded` up to the store's journal by reading only the lines appended since, when
/// the store vouches that is all that changed; otherwise `Stale`, and `loaded` is as it was.
pub fn catch_up(loaded: &mut Loaded) -> Result<CatchUp, Stale> {
    catch_up_by(loaded, false)
}

/// `catch_up` through `Store::read_proven`: the lines the state was read from proved to be
/// there as they were, whatever the head says, and only the rest read.
pub(crate) fn catch_up_proven(loaded: &mut Loaded) -> Result<CatchUp, Stale> {
    catch_up_by(loaded, true)
}

fn catch_up_by(loaded: &mut Loaded, proven: bool) -> Result<CatchUp, Stale> {
    let from = Start::after(&loaded.data.journal);
    let first = loaded.data.journal.len();
    let Loaded { store, data, state, mark, judged, .. } = loaded;
    // The tail first, applied after: the state is taken for writing (copied whole, while a
    // worker reads it) only when there is something to apply.
    let mut tail = Vec::new();
    let mut push = |e, begin, end, line| tail.push((e, begin, end, line));
    let read = if proven { store.read_proven(&from, &mut push) } else { store.read(Some((mark, &from)), &mut push) }
        .map_err(|e| Stale { unvouched: matches!(e, crate::store::ReadError::Unvouched) })?;
    if !tail.is_empty() {
        let (data, state) = (Arc::make_mut(data), Arc::make_mut(state));
        let now = Utc::now();
        for (e, begin, end, line) in tail {
            // Judged as `check` judges it, with the state just before it, whoever wrote it.
            if let Some(judged) = judged {
                judged.count(data, state, line, &e, now);
            }
            let pos = data.journal.len();
            let server = state.apply(data, pos, &e);
            data.journal.push(&e, begin, end, server);
        }
    }
    if read.torn.is_some() || read.end != from {
        loaded.torn = read.torn;
    }
    if loaded.data.journal.line_count != read.end.lines {
        Arc::make_mut(&mut loaded.data).journal.line_count = read.end.lines;
    }
    loaded.mark = read.mark;
    loaded.stamp.journal = read.stamp;
    Ok(if loaded.data.journal.len() > first { CatchUp::Appended(first) } else { CatchUp::Unchanged })
}

/// How long an append the head does not vouch for yet is left for the head to follow, before
/// everything is read again.
pub const HEAD_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Reload `loaded` if anything changed: a tail read when only the journal grew by sprout's
/// own appends, else a full load. `None` when nothing changed, or nothing yet: an append the
/// head does not vouch for is looked at again on the next look (the head's rewrite wakes the
/// watcher), and read in full only if no head has vouched for it within `HEAD_GRACE`.
pub fn refresh(loaded: &mut Loaded) -> Result<Option<CatchUp>, LoadError> {
    let now = loaded.store.stamp();
    if now == loaded.stamp {
        return Ok(None);
    }
    if now.baseline != loaded.stamp.baseline && same_baseline(loaded) {
        // Touched, or written again with the same bytes (a checkout, a copy): the state holds.
        loaded.stamp.baseline = now.baseline.clone();
        if now.journal == loaded.stamp.journal {
            // The next start takes the count's judgement under the new identity too.
            checked::keep_loaded(loaded);
            return Ok(None);
        }
    }
    if now.baseline == loaded.stamp.baseline {
        // A sprout writer appends, fsyncs, then rewrites the head that vouches for the append:
        // a look in between (a watcher woken by the append) finds the tail unproven. Neither
        // sleeping here (the input thread's keys wait) nor reading everything (0.6 s at 100,000
        // servers; a busy disk's fsync outlasted a 37 ms wait) is needed: the head follows.
        match catch_up(loaded) {
            Ok(c) => {
                loaded.unvouched = None;
                return Ok(Some(c));
            }
            Err(Stale { unvouched: true }) => {
                let since = *loaded.unvouched.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() < HEAD_GRACE {
                    return Ok(None);
                }
            }
            Err(Stale { unvouched: false }) => {}
        }
        // Touched, a new generation begun by a writer that found the journal changed, lines
        // appended by hand: when the lines the state was read from are still there as they
        // were (proved by their chain, about half a read at 1,000,000 events), only the rest
        // is read; the state and what was derived from it stay.
        if let Ok(c) = catch_up_proven(loaded) {
            loaded.unvouched = None;
            return Ok(Some(c));
        }
    }
    loaded.unvouched = None;
    match load(&loaded.store) {
        Ok(fresh) => loaded.replace_with(fresh),
        Err(e) => {
            // Remember what was seen, so a damaged file is reported once, not on every look.
            loaded.stamp = now;
            return Err(e);
        }
    }
    Ok(Some(CatchUp::Reloaded))
}

/// The baseline files a new identity names hold what `loaded` was built from: the small files
/// hash to the same key, and the fleet to the digest kept of it (a touch of fleet.ron costs a
/// read and hash of it, about 20 ms at 100,000 servers, not a reload of the state and every
/// view). Takes the new key for the next cache write.
fn same_baseline(loaded: &mut Loaded) -> bool {
    let Ok(plans) = loaded.store.plans() else { return false };
    let same = plans.key_but_fleet == loaded.key_but_fleet
        && loaded.fleet_digest.as_deref().is_some_and(|d| loaded.store.fleet_matches(d));
    if same {
        loaded.key = plans.key;
    }
    same
}

/// The sample in a memory store, at the sample's own time: what this layer's tests start from.
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use crate::store::{MemoryStore, Store};

    pub fn now() -> DateTime<Utc> {
        crate::store::sample::anchor()
    }

    /// The store, and the same store as the layers above hold it.
    pub fn sample() -> (Arc<MemoryStore>, Arc<dyn Store>) {
        let memory = Arc::new(MemoryStore::sample(now()).expect("sample"));
        let store: Arc<dyn Store> = memory.clone();
        (memory, store)
    }
}

#[cfg(test)]
mod tests;
