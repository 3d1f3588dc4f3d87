//! The data directory store: RON files for the baseline, `journal.ron` appended under a flock,
//! a head file that proves which appends were sprout's, the cache file, a presence folder.

mod append;
pub mod atomic;
pub mod files;
pub mod head;
mod identity;
pub mod lock;
mod presence;
mod proven;
pub mod witness;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Entry, Fleet, JournalIndex, Team};

use super::journal::{self, Start};
use super::{Locked, Mark, Plans, Presence, Read, ReadError, Sources, Stamp, Store, StoreError};
use files::FileId;

pub const LOCK: &str = ".sprout.lock";

/// A data directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    /// The store as the layers above hold it.
    pub fn open(dir: impl Into<PathBuf>) -> Arc<dyn Store> {
        Arc::new(FileStore::new(dir))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where this directory's derived-state cache is kept: in the running user's own cache
    /// directory (`$XDG_CACHE_HOME/sprout`, else `~/.cache/sprout`), named by the data
    /// directory's identity, so nobody who can write the data directory decides what we see.
    pub fn cache_path(&self) -> Option<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let base = dirs::cache_dir()?.join("sprout");
        let real = self.dir.canonicalize().ok()?;
        let m = std::fs::metadata(&real).ok()?;
        let mut h = blake3::Hasher::new();
        h.update(real.as_os_str().as_encoded_bytes());
        h.update(&m.dev().to_le_bytes());
        h.update(&m.ino().to_le_bytes());
        Some(base.join(format!("{}.cache", &h.finalize().to_hex()[..32])))
    }

    /// The store of this directory's decoded journal blocks, beside its derived-state cache;
    /// `None` (every block decoded from the journal) unless its folder is this user's own
    /// (`files::own_folder`): sprout reads, writes and removes files in it.
    pub fn blocks(&self) -> Option<super::blocks::Blocks> {
        let dir = self.cache_path()?.with_extension("blocks");
        files::own_folder(&dir)?;
        Some(super::blocks::Blocks::at(dir))
    }

    pub(crate) fn journal(&self) -> PathBuf {
        self.dir.join(super::JOURNAL)
    }

    fn broken(&self, e: &super::Located) -> ReadError {
        ReadError::Broken(self.located(e))
    }

    pub(crate) fn located(&self, e: &super::Located) -> String {
        format!("{}: {}", self.locate(&e.file, &[e.line, e.col]), e.message)
    }
}

/// A tail read from `start` to `end` (its entries `tail`) keeps everything this user has seen
/// of the journal (`witness`): it reaches the event seen last, with the same sum.
fn seen_holds(
    witness: Option<&witness::Witness>,
    start: &Start,
    end: &Start,
    tail: &[(Entry, u64, u64, usize)],
) -> bool {
    witness.is_none_or(|w| {
        let sum_at = |seq: u64| match seq.cmp(&start.seq) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => Some(start.sum.as_str()),
            std::cmp::Ordering::Greater => tail.iter().find(|t| t.0.seq == seq).map(|t| t.0.sum.as_str()),
        };
        end.seq >= w.seq && (w.seq < start.seq || sum_at(w.seq) == Some(w.sum.as_str()))
    })
}

/// The fleet's content digest: its length and the BLAKE3 of its text, in hex.
fn digest(text: &str) -> String {
    format!("{}:{}", text.len(), blake3::hash(text.as_bytes()).to_hex())
}

/// A journal mark: the generation and the journal file's identity as read.
pub(crate) fn mark(generation: Option<u64>, id: Option<FileId>) -> Mark {
    Mark(format!("{}|{}", generation.map_or("-".to_string(), |g| g.to_string()), FileId::text(id)))
}

fn parse_mark(mark: &Mark) -> Option<(Option<u64>, Option<FileId>)> {
    let (generation, id) = mark.0.split_once('|')?;
    let generation = if generation == "-" { None } else { Some(generation.parse().ok()?) };
    Some((generation, FileId::parse(id)?))
}

impl Store for FileStore {
    fn place(&self) -> String {
        self.dir.display().to_string()
    }

    fn stamp(&self) -> Stamp {
        let baseline = [super::CATALOG, super::FLEET, super::ROLLOUT, super::TEAM]
            .map(|name| FileId::text(FileId::of(&self.dir.join(name))))
            .join("|");
        Stamp { baseline, journal: FileId::text(FileId::of(&self.journal())) }
    }

    fn plans(&self) -> Result<Plans, Vec<String>> {
        let mut errors = Vec::new();
        // The fleet's identity is taken before anything is read: a later change always differs.
        // A young one (`FileId::young`) is no key: a cache is then taken only by the fleet's
        // digest, hashed again at every load until the identity is old enough to prove it.
        let path = self.dir.join(super::FLEET);
        let id = FileId::of(&path);
        let young = id.is_some_and(|id| id.young(&path));
        let fleet = FileId::text(id);
        let (catalog, c) = files::parse(&self.dir, super::CATALOG, true, &mut errors);
        let (plan, r) = files::parse(&self.dir, super::ROLLOUT, true, &mut errors);
        let (team, t) = files::parse::<Option<Team>>(&self.dir, super::TEAM, false, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut h = blake3::Hasher::new();
        for text in [&c, &r, &t] {
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        let small = h.finalize().to_hex().to_string();
        let key = if young { String::new() } else { format!("{small}|{fleet}") };
        Ok(Plans { catalog, plan, team, key, key_but_fleet: small })
    }

    fn fleet(&self) -> Result<Fleet, Vec<String>> {
        let mut errors = Vec::new();
        let (fleet, _) = files::parse(&self.dir, super::FLEET, true, &mut errors);
        if errors.is_empty() { Ok(fleet) } else { Err(errors) }
    }

    fn fleet_and_digest(&self) -> Result<(Fleet, Option<String>), Vec<String>> {
        let mut errors = Vec::new();
        let (fleet, text) = files::parse(&self.dir, super::FLEET, true, &mut errors);
        if errors.is_empty() { Ok((fleet, Some(digest(&text)))) } else { Err(errors) }
    }

    fn fleet_digest(&self) -> Option<String> {
        files::digest_streamed(&self.dir.join(super::FLEET))
    }

    fn fleet_matches(&self, digest: &str) -> bool {
        // Another length is another content: no need to read and hash 30 MB to say so.
        let len = FileId::of(&self.dir.join(super::FLEET)).map(|id| id.len);
        if digest.split_once(':').and_then(|(n, _)| n.parse::<u64>().ok()) != len {
            return false;
        }
        files::digest_streamed(&self.dir.join(super::FLEET)).as_deref() == Some(digest)
    }

    fn sources(&self) -> Sources {
        let text = |name: &str| files::read(&self.dir.join(name)).ok().flatten().unwrap_or_default();
        Sources {
            catalog: text(super::CATALOG),
            fleet: text(super::FLEET),
            rollout: text(super::ROLLOUT),
            team: text(super::TEAM),
        }
    }

    fn locate(&self, file: &str, at: &[usize]) -> String {
        let mut place = self.dir.join(file).display().to_string();
        for n in at {
            place.push_str(&format!(":{n}"));
        }
        place
    }

    fn read(
        &self,
        since: Option<(&Mark, &Start)>,
        each: &mut dyn FnMut(Entry, u64, u64, usize),
    ) -> Result<Read, ReadError> {
        let path = self.journal();
        let Some((seen, start)) = since else {
            // The whole journal, streamed, up to the length it had when first looked at, and
            // held against what this user has seen of it before.
            // The witness first: it is raised only after an append is on disk, so all it says
            // is within the length taken next, even while others append.
            let seen = witness::read(&self.dir);
            let id = FileId::of(&path);
            let (mut first, mut at_seen) = (None, None);
            let (end, torn) = match id {
                None => (Start::default(), None),
                Some(id) => {
                    let reader = files::open_at(&path, 0, id.len).map_err(ReadError::Broken)?;
                    // Decoded on every core, or taken from the decoded blocks kept beside the
                    // derived-state cache: a whole journal is the long part of a start.
                    let blocks = self.blocks();
                    let read = super::scan::scan(reader, Start::default(), id.len, blocks.as_ref(), |e, b, en, l| {
                        if first.is_none() {
                            first = Some(e.sum.clone());
                        }
                        if seen.as_ref().is_some_and(|w| w.seq == e.seq) {
                            at_seen = Some(e.sum.clone());
                        }
                        each(e, b, en, l)
                    })
                    .map_err(|e| self.broken(&e))?;
                    if let Some(blocks) = &blocks {
                        blocks.keep_met();
                    }
                    read
                }
            };
            let first = first.unwrap_or_default();
            if let Some(w) = &seen
                && let Some(problem) = witness::compare(w, &first, end.seq, at_seen.as_deref())
            {
                return Err(ReadError::Broken(format!(
                    "{}: {problem}. Restore journal.ron from backup; if this journal is a deliberate restore, `sprout accept-journal` accepts it and prints what it lost",
                    self.locate(super::JOURNAL, &[])
                )));
            }
            if end.seq > 0 {
                witness::raise(&self.dir, Some(&first), end.seq, &end.sum);
            }
            let generation = head::generation_for(&self.dir, id);
            return Ok(Read { end, torn, mark: mark(generation, id), stamp: FileId::text(id) });
        };
        let (generation, seen_id) = parse_mark(seen).ok_or(ReadError::Stale)?;
        // The witness holds a tail reader too: a journal cut back, or rewritten, after an event
        // this user has seen, behind a head forged to match, is read in full (and refused
        // there, saying what is gone), never taken as the state.
        let witness = witness::read(&self.dir);
        let holds = |end: &Start, tail: &[(Entry, u64, u64, usize)]| seen_holds(witness.as_ref(), start, end, tail);
        let now = FileId::of(&path);
        if now == seen_id {
            if !holds(start, &[]) {
                return Err(ReadError::Stale);
            }
            // A state read before any head was written joins the head's generation once the
            // head describes this very journal.
            let generation = generation.or_else(|| head::generation_for(&self.dir, now));
            return Ok(Read { end: start.clone(), torn: None, mark: mark(generation, now), stamp: FileId::text(now) });
        }
        // A tail read only when the head proves sprout's write path appended everything since.
        let id = now.ok_or(ReadError::Stale)?;
        let same_generation =
            |id: FileId| head::read(&self.dir).is_some_and(|h| h.journal == id && Some(h.generation) == generation);
        if id.len > start.pos
            && head::read(&self.dir).is_some_and(|h| h.journal != id && Some(h.generation) == generation)
        {
            // Grown since the head of this generation was written: its writer's head follows.
            return Err(ReadError::Unvouched);
        }
        // No longer, yet another identity: not an append by sprout's write path, whatever the
        // head says (anyone who can write the directory can write a head), so not a tail read.
        if !same_generation(id) || id.len <= start.pos {
            return Err(ReadError::Stale);
        }
        // The head says only that the journal grew; the line the state ends on must still be
        // there, as it was. A journal rewritten before it, every link made again and a head
        // forged to match, differs there (each sum covers the one before), and is read in
        // full: the witness then says what changed.
        if start.pos > 0 {
            let line = files::line_ending_at(&path, start.pos).ok_or(ReadError::Stale)?;
            let same = journal::decode(&line, start.lines).is_ok_and(|e| e.seq == start.seq && e.sum == start.sum);
            if !same {
                return Err(ReadError::Stale);
            }
        }
        // Read and check the whole tail before handing any of it on: a refusal changes nothing.
        let reader = files::open_at(&path, start.pos, id.len).map_err(|_| ReadError::Stale)?;
        let mut tail = Vec::new();
        let (end, torn) = journal::scan(reader, start.clone(), |e, b, en, l| tail.push((e, b, en, l)))
            .map_err(|_| ReadError::Stale)?;
        // Whatever happened while reading must also have been sprout's own appends.
        let after = FileId::of(&path).ok_or(ReadError::Stale)?;
        if after != id && !same_generation(after) || !holds(&end, &tail) {
            return Err(ReadError::Stale);
        }
        for (e, b, en, l) in tail {
            each(e, b, en, l);
        }
        if end.seq > start.seq {
            witness::raise(&self.dir, None, end.seq, &end.sum);
        }
        Ok(Read { end, torn, mark: mark(generation, Some(id)), stamp: FileId::text(Some(id)) })
    }

    fn fleet_beside_read(&self) -> bool {
        true
    }

    fn journal_extent(&self) -> u64 {
        FileId::of(&self.journal()).map_or(0, |id| id.len)
    }

    fn holds(&self, read: &Start) -> Result<(), String> {
        proven::holds(self, read)
    }

    fn read_proven(&self, start: &Start, each: &mut dyn FnMut(Entry, u64, u64, usize)) -> Result<Read, ReadError> {
        proven::read(self, start, each)
    }

    fn read_at(&self, index: &JournalIndex, positions: &[usize]) -> Result<Vec<Entry>, String> {
        journal::read_at(&self.journal(), index, positions)
    }

    fn is_current(&self, seen: &Mark) -> bool {
        parse_mark(seen).is_some_and(|(_, id)| id == FileId::of(&self.journal()))
    }

    fn lock(
        &self,
        who: &str,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Box<dyn Locked + '_>, StoreError> {
        let lock = lock::acquire(&self.dir, who, timeout, on_wait)?;
        Ok(Box::new(append::FileLocked { dir: self.dir.clone(), _lock: lock }))
    }

    fn cache(&self) -> Option<Vec<u8>> {
        files::read_own(&self.cache_path()?)
    }

    fn cache_reader(&self) -> Option<std::sync::Arc<dyn super::CacheRead>> {
        Some(std::sync::Arc::new(files::open_own(&self.cache_path()?)?))
    }

    fn save_cache(&self, bytes: &[u8]) {
        if let Some(path) = self.cache_path() {
            files::save_own(&path, bytes);
        }
    }

    fn save_cache_with(&self, write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>) {
        if let Some(path) = self.cache_path() {
            files::save_own_with(&path, write);
        }
    }

    fn cache_part(&self, part: &'static str) -> Option<Vec<u8>> {
        files::read_own(&self.cache_path()?.with_extension(part))
    }

    fn save_cache_part(&self, part: &'static str, bytes: &[u8]) {
        if let Some(path) = self.cache_path() {
            files::save_own(&path.with_extension(part), bytes);
        }
    }

    fn announce(&self, presence: &Presence) -> Result<(), String> {
        presence::announce(&self.dir, presence)
    }

    fn present(&self, now: DateTime<Utc>) -> Vec<Presence> {
        presence::present(&self.dir, now)
    }

    fn present_complete(&self, now: DateTime<Utc>) -> (Vec<Presence>, bool) {
        presence::present_complete(&self.dir, now)
    }

    fn withdraw(&self, session: &str) {
        presence::withdraw(&self.dir, session);
    }

    fn watch(&self, on_change: Box<dyn Fn(super::Changed) + Send + Sync>) -> Option<super::Watching> {
        presence::watch(&self.dir, on_change)
    }
}
