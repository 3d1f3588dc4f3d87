//! The in-memory store: the same contract as a data directory, with nothing on disk. Used by
//! the app and rules tests, and the model for any further store.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Catalog, Entry, Fleet, JournalIndex, RolloutPlan, Team};

use super::journal::{self, Start};
use super::{Appended, Locked, Mark, Plans, Presence, Read, ReadError, Sources, Stamp, Store, StoreError, Torn};

#[derive(Debug, Default)]
struct Inner {
    catalog: Catalog,
    fleet: Fleet,
    plan: RolloutPlan,
    team: Option<Team>,
    /// Bumped whenever the baseline is replaced.
    baseline: u64,
    /// The journal's lines; a line's position is its index.
    lines: Vec<String>,
    /// Bumped when the journal is rewritten other than by an append.
    epoch: u64,
    cache: Option<Vec<u8>>,
    /// Parts kept beside the cache, by name.
    parts: std::collections::HashMap<&'static str, Vec<u8>>,
    /// Under test: the cache read as a file store reads it (`as_a_file`).
    #[cfg(test)]
    cache_as_a_file: bool,
    presence: Vec<Presence>,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// The write lock, apart from the data so that readers never wait for a writer's checks.
    writer: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Under test: the cache's bytes as they were when opened, read as a file store reads its open
/// file (not held as one block in memory, for the parts read when wanted).
#[cfg(test)]
struct AFile(Vec<u8>);

#[cfg(test)]
impl super::CacheRead for AFile {
    fn read_at(&self, at: u64, len: usize) -> Option<std::borrow::Cow<'_, [u8]>> {
        self.0.read_at(at, len)
    }

    fn size(&self) -> Option<u64> {
        self.0.size()
    }
}

impl MemoryStore {
    /// Under test: the cache read from now on as a file store reads its file.
    #[cfg(test)]
    pub fn cache_as_a_file(&self) {
        lock(&self.inner).cache_as_a_file = true;
    }

    pub fn new(catalog: Catalog, fleet: Fleet, plan: RolloutPlan, team: Option<Team>) -> MemoryStore {
        let inner = Inner { catalog, fleet, plan, team, ..Default::default() };
        MemoryStore { inner: Mutex::new(inner), writer: Mutex::new(()) }
    }

    /// The embedded sample, dated for `now`, journal included.
    pub fn sample(now: DateTime<Utc>) -> Result<MemoryStore, String> {
        MemoryStore::from_files(super::sample::files(now).map_err(|e| e.to_string())?)
    }

    /// A store of a data directory's files as `(name, text)` (`sample::files`,
    /// `synthetic::generate`): the baseline parsed, the journal's lines as they are.
    pub fn from_files(files: Vec<(&'static str, String)>) -> Result<MemoryStore, String> {
        let mut store = MemoryStore::default();
        let inner = store.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        for (name, text) in files {
            let err = |e: super::Located| e.to_string();
            match name {
                super::CATALOG => inner.catalog = super::parse::ron(name, &text, 1).map_err(err)?,
                super::FLEET => inner.fleet = super::parse::ron(name, &text, 1).map_err(err)?,
                super::ROLLOUT => inner.plan = super::parse::ron(name, &text, 1).map_err(err)?,
                super::TEAM => inner.team = Some(super::parse::ron(name, &text, 1).map_err(err)?),
                super::JOURNAL => inner.lines = text.lines().map(str::to_string).collect(),
                other => return Err(format!("{other}: not a file of a data directory")),
            }
        }
        Ok(store)
    }

    pub fn arc(self) -> Arc<dyn Store> {
        Arc::new(self)
    }

    /// Replace the team (an outside change of the baseline).
    pub fn set_team(&self, team: Option<Team>) {
        let mut inner = lock(&self.inner);
        inner.team = team;
        inner.baseline += 1;
    }

    /// Replace the journal's lines (an outside rewrite: readers must read it all again).
    pub fn rewrite_journal(&self, lines: Vec<String>) {
        let mut inner = lock(&self.inner);
        inner.lines = lines;
        inner.epoch += 1;
    }

    /// Append a line as a writer around the write path would (another program's rules, or
    /// someone with write access): readers take it as an append.
    #[cfg(test)]
    pub fn append_by_hand(&self, line: String) {
        lock(&self.inner).lines.push(line);
    }

    pub fn lines(&self) -> Vec<String> {
        lock(&self.inner).lines.clone()
    }
}

fn mark(epoch: u64, len: usize) -> Mark {
    Mark(format!("{epoch}:{len}"))
}

impl Store for MemoryStore {
    fn place(&self) -> String {
        "(in memory)".to_string()
    }

    fn stamp(&self) -> Stamp {
        let inner = lock(&self.inner);
        Stamp { baseline: inner.baseline.to_string(), journal: mark(inner.epoch, inner.lines.len()).0 }
    }

    fn plans(&self) -> Result<Plans, Vec<String>> {
        let inner = lock(&self.inner);
        Ok(Plans {
            catalog: inner.catalog.clone(),
            plan: inner.plan.clone(),
            team: inner.team.clone(),
            key: format!("memory {}", inner.baseline),
            key_but_fleet: String::new(),
        })
    }

    fn fleet(&self) -> Result<Fleet, Vec<String>> {
        Ok(lock(&self.inner).fleet.clone())
    }

    fn sources(&self) -> Sources {
        Sources::default()
    }

    fn locate(&self, file: &str, at: &[usize]) -> String {
        let at: String = at.iter().map(|n| format!(":{n}")).collect();
        format!("(in memory) {file}{at}")
    }

    fn read(
        &self,
        since: Option<(&Mark, &Start)>,
        each: &mut dyn FnMut(Entry, u64, u64, usize),
    ) -> Result<Read, ReadError> {
        let inner = lock(&self.inner);
        let start = match since {
            None => Start::default(),
            Some((seen, start)) => {
                let (epoch, _) = seen.0.split_once(':').ok_or(ReadError::Stale)?;
                if epoch != inner.epoch.to_string() || start.pos as usize > inner.lines.len() {
                    return Err(ReadError::Stale);
                }
                start.clone()
            }
        };
        let Start { pos, lines: _, mut seq, mut sum } = start;
        let mut tail = Vec::new();
        for (i, line) in inner.lines.iter().enumerate().skip(pos as usize) {
            let e = journal::decode(line, i + 1)
                .and_then(|e| journal::link(seq, &sum, e, i + 1))
                .map_err(|e| ReadError::Broken(format!("{}: {}", self.locate(&e.file, &[e.line, e.col]), e.message)))?;
            seq = e.seq;
            sum.clone_from(&e.sum);
            tail.push((e, i as u64, i as u64 + 1, i + 1));
        }
        for (e, b, en, l) in tail {
            each(e, b, en, l);
        }
        let len = inner.lines.len();
        let end = Start { pos: len as u64, lines: len, seq, sum };
        let m = mark(inner.epoch, len);
        Ok(Read { end, torn: None, stamp: m.0.clone(), mark: m })
    }

    fn journal_extent(&self) -> u64 {
        lock(&self.inner).lines.len() as u64
    }

    fn read_at(&self, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String> {
        let inner = lock(&self.inner);
        positions
            .iter()
            .map(|&p| {
                let line = index.lines.at(p).and_then(|l| inner.lines.get(l.pos() as usize));
                let line = line.ok_or_else(|| format!("no event #{} (the journal has {})", p + 1, index.len()))?;
                let entry = journal::decode(line, p + 1).map_err(|e| e.to_string())?;
                let checked = index.lines.at(p).is_some_and(|l| l.is(&entry));
                if checked { Ok(entry) } else { Err(journal::replaced("the journal", p)) }
            })
            .collect()
    }

    fn is_current(&self, seen: &Mark) -> bool {
        let inner = lock(&self.inner);
        *seen == mark(inner.epoch, inner.lines.len())
    }

    fn lock(
        &self,
        _who: &str,
        _timeout: Duration,
        _on_wait: &mut dyn FnMut(&str),
    ) -> Result<Box<dyn Locked + '_>, StoreError> {
        Ok(Box::new(MemoryLocked { store: self, _writer: lock(&self.writer) }))
    }

    fn cache(&self) -> Option<Vec<u8>> {
        lock(&self.inner).cache.clone()
    }

    fn save_cache(&self, bytes: &[u8]) {
        lock(&self.inner).cache = Some(bytes.to_vec());
    }

    #[cfg(test)]
    fn cache_reader(&self) -> Option<std::sync::Arc<dyn super::CacheRead>> {
        let inner = lock(&self.inner);
        let bytes = inner.cache.clone()?;
        Some(if inner.cache_as_a_file { std::sync::Arc::new(AFile(bytes)) } else { std::sync::Arc::new(bytes) })
    }

    fn cache_part(&self, part: &'static str) -> Option<Vec<u8>> {
        lock(&self.inner).parts.get(part).cloned()
    }

    fn save_cache_part(&self, part: &'static str, bytes: &[u8]) {
        lock(&self.inner).parts.insert(part, bytes.to_vec());
    }

    fn announce(&self, presence: &Presence) -> Result<(), String> {
        let mut inner = lock(&self.inner);
        inner.presence.retain(|p| p.session != presence.session);
        inner.presence.push(presence.clone());
        Ok(())
    }

    fn present(&self, now: DateTime<Utc>) -> Vec<Presence> {
        lock(&self.inner).presence.iter().filter(|p| !p.is_stale(now)).cloned().collect()
    }

    fn withdraw(&self, session: &str) {
        lock(&self.inner).presence.retain(|p| p.session != session);
    }
}

struct MemoryLocked<'a> {
    store: &'a MemoryStore,
    _writer: MutexGuard<'a, ()>,
}

impl Locked for MemoryLocked<'_> {
    fn set_aside(&mut self, torn: &Torn) -> Result<String, StoreError> {
        Ok(format!("line {}: an incomplete last line was set aside", torn.0))
    }

    fn replace_fleet(&mut self, text: &str) -> Result<(), StoreError> {
        let fleet = crate::store::parse::ron(crate::store::FLEET, text, 1).map_err(|e| StoreError::Io {
            path: crate::store::FLEET.into(),
            action: "parse",
            source: std::io::Error::other(e.message),
        })?;
        let mut inner = lock(&self.store.inner);
        inner.fleet = fleet;
        inner.baseline += 1;
        Ok(())
    }

    fn append(&mut self, line: &str, seen: &Mark) -> Result<Appended, StoreError> {
        let mut inner = lock(&self.store.inner);
        let fresh = *seen != mark(inner.epoch, inner.lines.len());
        inner.lines.push(line.to_string());
        let len = inner.lines.len();
        let m = mark(inner.epoch, len);
        Ok(Appended { start: len as u64 - 1, end: len as u64, stamp: m.0.clone(), mark: m, fresh })
    }
}
