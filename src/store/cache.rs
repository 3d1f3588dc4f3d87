//! The derived-state cache (`.sprout.cache`) and the journal head (`.sprout.head`).
//!
//! The cache holds the replayed state, the journal index and the fleet's roles, keyed by the
//! exact contents of the small files and the identities (`FileId`) of `fleet.ron` and
//! `journal.ron`. It is used only when every key matches; then only journal lines appended
//! since it was written are read, and only when the journal head proves they were appended by
//! sprout's own write path. Anything else is a full load, which rewrites the cache.
//!
//! The head is written by every sprout writer after its append: the journal's identity as the
//! writer left it and a *generation*. A writer that finds the journal changed by anything other
//! than sprout (the head does not match) verifies the whole journal and starts a new
//! generation, so no reader ever extends a state across an outside edit.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{JournalIndex, Role};
use crate::rules::State;

use super::dir::{FileId, Loaded, Source, Stamp};

pub const CACHE: &str = ".sprout.cache";
pub const HEAD: &str = ".sprout.head";
/// A load that had to read more journal lines than this after the cache rewrites it.
pub const REWRITE_AFTER: usize = 2000;
const MAGIC: &[u8; 16] = b"sprout-cache-v1\n";
/// The program that wrote a cache must be this one: state rules may change between versions.
const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"), " format 1");

/// The journal as the last sprout writer left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub journal: FileId,
    pub generation: u64,
}

pub fn read_head(dir: &Path) -> Option<Head> {
    let text = fs::read_to_string(dir.join(HEAD)).ok()?;
    let n: Vec<i128> = text.split_whitespace().map(|w| w.parse().ok()).collect::<Option<_>>()?;
    let [generation, len, mtime_ns, ctime_ns, ino, dev] = n[..] else { return None };
    let journal = FileId {
        len: len.try_into().ok()?,
        mtime_ns: mtime_ns.try_into().ok()?,
        ctime_ns: ctime_ns.try_into().ok()?,
        ino: ino.try_into().ok()?,
        dev: dev.try_into().ok()?,
    };
    Some(Head { journal, generation: generation.try_into().ok()? })
}

/// Replace the head; a rename, so readers see the old one or the new one. Not fsynced: a head
/// lost in a crash only makes the next load a full one.
pub fn write_head(dir: &Path, head: Head) -> io::Result<()> {
    let j = head.journal;
    let text = format!("{} {} {} {} {} {}\n", head.generation, j.len, j.mtime_ns, j.ctime_ns, j.ino, j.dev);
    replace(&dir.join(HEAD), text.as_bytes())
}

/// The generation a state read from the journal at `journal` belongs to: the head's, when the
/// head describes that very file and it is still that file.
pub fn generation_for(dir: &Path, journal: Option<FileId>) -> Option<u64> {
    let head = read_head(dir)?;
    let now = FileId::of(&dir.join(super::JOURNAL));
    (Some(head.journal) == journal && now == journal).then_some(head.generation)
}

fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    program: &'a str,
    small: &'a str,
    fleet: Option<FileId>,
    journal: Option<FileId>,
    generation: Option<u64>,
    roles: &'a [Role],
    index: &'a JournalIndex,
    state: &'a State,
}

#[derive(Deserialize)]
struct Snapshot {
    program: String,
    small: String,
    fleet: Option<FileId>,
    journal: Option<FileId>,
    generation: Option<u64>,
    roles: Vec<Role>,
    index: JournalIndex,
    state: State,
}

/// Write the cache for `loaded` (best effort: a read-only directory just has no cache).
pub fn save(loaded: &Loaded) {
    if loaded.torn.is_some() {
        return;
    }
    let snap = SnapshotRef {
        program: PROGRAM,
        small: &loaded.small,
        fleet: loaded.stamp[1],
        journal: loaded.journal_at,
        generation: loaded.generation,
        roles: &loaded.data.fleet.roles,
        index: &loaded.data.journal,
        state: &loaded.state,
    };
    let Ok(payload) = postcard::to_stdvec(&snap) else { return };
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(&payload).as_bytes());
    bytes.extend_from_slice(&payload);
    let _ = replace(&loaded.dir.join(CACHE), &bytes);
}

/// The state from the cache when every key matches the files, brought up to the journal's
/// end by a tail read; `None` when anything differs (then the caller loads in full).
pub fn restore(
    dir: &Path,
    stamp: &Stamp,
    small: &str,
    parsed: impl FnOnce() -> (crate::model::Catalog, crate::model::RolloutPlan, Option<crate::model::Team>),
) -> Option<Loaded> {
    let bytes = fs::read(dir.join(CACHE)).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, payload) = rest.split_at_checked(32)?;
    if blake3::hash(payload).as_bytes() != sum {
        return None;
    }
    let snap: Snapshot = postcard::from_bytes(payload).ok()?;
    drop(bytes);
    if snap.program != PROGRAM || snap.small != small || snap.fleet != stamp[1] || snap.fleet.is_none() {
        return None;
    }
    let (catalog, plan, team) = parsed();
    if snap.state.progress.len() != plan.rollouts.len() {
        return None;
    }
    let fleet = crate::model::Fleet { roles: snap.roles, servers: Vec::new() };
    let data = crate::model::Data { catalog, fleet, plan, journal: snap.index, team };
    let mut loaded = Loaded {
        dir: dir.to_path_buf(),
        data,
        state: snap.state,
        torn: None,
        stamp: stamp.clone(),
        journal_at: snap.journal,
        generation: snap.generation,
        source: Source::Cache { tail: 0 },
        small: small.to_string(),
        epoch: 0,
    };
    loaded.stamp[4] = snap.journal;
    let before = loaded.data.journal.len();
    super::dir::catch_up(&mut loaded).ok()?;
    loaded.stamp = stamp.clone();
    loaded.stamp[4] = loaded.journal_at;
    loaded.source = Source::Cache { tail: loaded.data.journal.len() - before };
    if loaded.generation.is_none() {
        loaded.generation = generation_for(dir, loaded.journal_at);
    }
    Some(loaded)
}
