//! How far a slow job has got: a stage and a count in plain atomics, set by the job (a load, a
//! generated fleet, an import) and read by whoever shows it, so no layer below knows a terminal.
//!
//! Atomics, not a callback: the job pays one relaxed store per step, whatever is watching, and
//! a watcher on another thread can show the job even while one step takes long.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// What a slow job is doing, in the operator's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Stage {
    /// Nothing reported yet.
    Starting,
    /// The derived-state cache read back.
    ReadingCache,
    /// The fleet inventory parsed (one step: no count).
    ReadingFleet,
    /// The journal read, checked and replayed, counted in the store's positions.
    Replaying,
    /// The derived-state cache written for the next start.
    WritingCache,
    /// The dashboard's views derived from the state.
    BuildingViews,
    /// `verify`: the journal's chain checked, counted in the store's positions.
    Verifying,
    /// `gen`: servers made up, counted.
    MakingServers,
    /// `gen`: journal events made up and chained, counted.
    MakingEvents,
    /// `gen`: the files written.
    WritingFiles,
    /// `import`: the inventory's lines read and checked, counted.
    ReadingRows,
    /// `import`: the new fleet written and the change appended, under the lock.
    Recording,
}

impl Stage {
    const ALL: [Stage; 12] = [
        Stage::Starting,
        Stage::ReadingCache,
        Stage::ReadingFleet,
        Stage::Replaying,
        Stage::WritingCache,
        Stage::BuildingViews,
        Stage::Verifying,
        Stage::MakingServers,
        Stage::MakingEvents,
        Stage::WritingFiles,
        Stage::ReadingRows,
        Stage::Recording,
    ];

    /// What it is doing, as a progress line says it.
    pub fn words(self) -> &'static str {
        match self {
            Stage::Starting => "starting",
            Stage::ReadingCache => "reading the cache",
            Stage::ReadingFleet => "reading the fleet",
            Stage::Replaying => "reading and replaying the journal",
            Stage::WritingCache => "writing the cache",
            Stage::BuildingViews => "building the views",
            Stage::Verifying => "checking the journal's chain",
            Stage::MakingServers => "making up servers",
            Stage::MakingEvents => "making up journal events",
            Stage::WritingFiles => "writing the files",
            Stage::ReadingRows => "reading the inventory",
            Stage::Recording => "recording the import",
        }
    }

    /// What the count counts, or `None` when only the fraction means anything (a store's
    /// journal positions are bytes in a data directory, something else elsewhere).
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Stage::MakingServers => Some("servers"),
            Stage::MakingEvents => Some("events"),
            Stage::ReadingRows => Some("lines"),
            _ => None,
        }
    }
}

/// A job's progress, shared between the job and a watcher.
#[derive(Debug, Default)]
pub struct Progress {
    stage: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
}

/// What a watcher reads: the stage, and how far through it (`total` 0: not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Start a stage of `total` steps (0 when it is not counted).
    pub fn begin(&self, stage: Stage, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        // Last, with Release: a watcher that sees the new stage sees its total too.
        self.stage.store(stage as u8, Ordering::Release);
    }

    /// `done` steps of the current stage are done.
    pub fn set(&self, done: u64) {
        self.done.store(done, Ordering::Relaxed);
    }

    pub fn read(&self) -> Reading {
        let stage = Stage::ALL.get(usize::from(self.stage.load(Ordering::Acquire))).copied();
        let total = self.total.load(Ordering::Relaxed);
        // A count past its total (a journal that grew while read) shows as full, not beyond.
        let done = self.done.load(Ordering::Relaxed);
        Reading { stage: stage.unwrap_or(Stage::Starting), done: if total > 0 { done.min(total) } else { done }, total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_starts_from_nothing_and_never_reads_past_its_total() {
        let p = Progress::new();
        assert_eq!(p.read(), Reading { stage: Stage::Starting, done: 0, total: 0 });
        p.begin(Stage::Replaying, 1000);
        p.set(400);
        assert_eq!(p.read(), Reading { stage: Stage::Replaying, done: 400, total: 1000 });
        p.set(1200);
        assert_eq!(p.read().done, 1000, "the journal grew while read: full, not 120%");
        p.begin(Stage::WritingCache, 0);
        assert_eq!(p.read(), Reading { stage: Stage::WritingCache, done: 0, total: 0 });
        p.set(7);
        assert_eq!(p.read().done, 7, "an uncounted stage still says how many");
    }

    #[test]
    fn every_stage_reads_back_as_itself() {
        for (k, stage) in Stage::ALL.into_iter().enumerate() {
            assert_eq!(stage as usize, k, "ALL is in declaration order");
            let p = Progress::new();
            p.begin(stage, 1);
            assert_eq!(p.read().stage, stage);
            assert!(!stage.words().is_empty());
        }
    }
}
