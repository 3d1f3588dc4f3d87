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
use crate::rules::replay::{ProgressPart, ServersPart};

use super::dir::{FileId, Loaded, Source, Stamp};

pub const CACHE: &str = ".sprout.cache";
pub const HEAD: &str = ".sprout.head";
/// A load that had to read more journal lines than this after the cache rewrites it.
pub const REWRITE_AFTER: usize = 2000;
const MAGIC: &[u8; 16] = b"sprout-cache-v2\n";
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

/// What the cache is keyed by, and the small parts of the state.
#[derive(Serialize, Deserialize)]
struct Header {
    program: String,
    small: String,
    fleet: Option<FileId>,
    journal: Option<FileId>,
    generation: Option<u64>,
    roles: Vec<Role>,
}

/// Write the cache for `loaded` (best effort: a read-only directory just has no cache).
/// Layout: magic, BLAKE3 of the rest, then four length-prefixed postcard parts (header,
/// journal index, servers, progress) that are decoded on two threads.
pub fn save(loaded: &Loaded) {
    if loaded.torn.is_some() {
        return;
    }
    let header = Header {
        program: PROGRAM.to_string(),
        small: loaded.small.clone(),
        fleet: loaded.stamp[1],
        journal: loaded.journal_at,
        generation: loaded.generation,
        roles: loaded.data.fleet.roles.clone(),
    };
    let (servers, progress) = loaded.state.cache_parts();
    let parts = [
        postcard::to_stdvec(&header),
        postcard::to_stdvec(&loaded.data.journal),
        postcard::to_stdvec(&servers),
        postcard::to_stdvec(&progress),
    ];
    let mut body = Vec::new();
    for part in parts {
        let Ok(part) = part else { return };
        body.extend_from_slice(&(part.len() as u64).to_le_bytes());
        body.extend_from_slice(&part);
    }
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(blake3::hash(&body).as_bytes());
    bytes.extend_from_slice(&body);
    let _ = replace(&loaded.dir.join(CACHE), &bytes);
}

/// The four parts of a cache body, or `None` if it is cut short.
fn split(mut body: &[u8]) -> Option<[&[u8]; 4]> {
    let mut parts = [&body[..0]; 4];
    for part in &mut parts {
        let (len, rest) = body.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        (*part, body) = rest.split_at_checked(len)?;
    }
    body.is_empty().then_some(parts)
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
    let (sum, body) = rest.split_at_checked(32)?;
    if blake3::hash(body).as_bytes() != sum {
        return None;
    }
    let [header, index, servers, progress] = split(body)?;
    let header: Header = postcard::from_bytes(header).ok()?;
    if header.program != PROGRAM || header.small != small || header.fleet != stamp[1] || header.fleet.is_none() {
        return None;
    }
    // The servers on one thread, the journal index and progress on this one.
    let (servers, rest) = std::thread::scope(|s| {
        let servers = s.spawn(|| postcard::from_bytes::<ServersPart>(servers).ok());
        let index = postcard::from_bytes::<JournalIndex>(index).ok();
        let progress = postcard::from_bytes::<ProgressPart>(progress).ok();
        (servers.join().ok().flatten(), index.zip(progress))
    });
    let (index, progress) = rest?;
    let state = State::from_cache_parts(servers?, progress)?;
    drop(bytes);
    let (catalog, plan, team) = parsed();
    if state.progress.len() != plan.rollouts.len() {
        return None;
    }
    let fleet = crate::model::Fleet { roles: header.roles, servers: Vec::new() };
    let data = crate::model::Data { catalog, fleet, plan, journal: index, team };
    let mut loaded = Loaded {
        dir: dir.to_path_buf(),
        data,
        state,
        torn: None,
        stamp: stamp.clone(),
        journal_at: header.journal,
        generation: header.generation,
        source: Source::Cache { tail: 0 },
        small: small.to_string(),
        epoch: 0,
    };
    loaded.stamp[4] = header.journal;
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
