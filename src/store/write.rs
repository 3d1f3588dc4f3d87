//! The one write path: lock, re-read, re-check against the latest state, append, fsync.
//! The CLI, the dashboard and any later sync all record through `record`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Data, Entry, Event};
use crate::rules::record::{self, Refusal};
use crate::rules::replay::State;

use super::dir::{FileId, Loaded, catch_up};
use super::lock::{self, LockError};
use super::{JOURNAL, LoadError, Operator, cache, load};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub entry: Entry,
    pub warnings: Vec<String>,
    /// The first event `loaded` had not seen (other writers' or this one), or `None` when
    /// the write path had to read everything again.
    pub first_new: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("read-only: this sprout was started with --read-only and records nothing")]
    ReadOnly,
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    #[error("{path}: {action} failed: {source}; nothing was recorded")]
    Io { path: String, action: &'static str, source: std::io::Error },
}

#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub read_only: bool,
    pub lock_timeout: Duration,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { read_only: false, lock_timeout: Duration::from_secs(30) }
    }
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.display().to_string();
    move |source| WriteError::Io { path, action, source }
}

/// Build an event from the latest state with `make`, check it, and append it durably.
/// Returns only after the line is fsynced. Loads `dir` first; see `record_in`.
pub fn record(
    dir: &Path,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    if options.read_only {
        return Err(WriteError::ReadOnly);
    }
    let mut loaded = load(dir)?;
    record_in(&mut loaded, operator, now, options, make, on_wait)
}

/// The one write path. Under the directory lock: bring `loaded` up to the journal on disk
/// (reading only what other writers appended, or everything if anything else changed it),
/// set a torn last line aside, build the event from that latest state, check it, append it,
/// fsync, apply it to `loaded` and write the journal head. Cost: independent of the journal's
/// length when the journal changed only by sprout's appends.
pub fn record_in(
    loaded: &mut Loaded,
    operator: &Operator,
    now: DateTime<Utc>,
    options: WriteOptions,
    make: impl FnOnce(&Data, &State, &str) -> Result<Event, Refusal>,
    on_wait: impl FnMut(&str),
) -> Result<Recorded, WriteError> {
    if options.read_only {
        return Err(WriteError::ReadOnly);
    }
    let dir = loaded.dir.clone();
    let _lock = lock::acquire(&dir, &operator.name, options.lock_timeout, on_wait)?;
    let path = dir.join(JOURNAL);
    let mut first_new = Some(loaded.data.journal.len());
    if catch_up(loaded).is_err() || loaded.journal_at != FileId::of(&path) {
        loaded.replace_with(load(&dir)?);
        first_new = None;
    }
    // A new generation when something other than sprout changed the journal since the head.
    let head = cache::read_head(&dir);
    let generation = match head {
        Some(h) if Some(h.journal) == loaded.journal_at => h.generation,
        Some(h) => h.generation + 1,
        None => 1,
    };
    let new_generation = head.is_none_or(|h| h.generation != generation);
    let mut warnings = Vec::new();
    if let Some((line, offset, _)) = loaded.torn.take() {
        set_aside_torn_tail(&path, offset as u64)?;
        warnings.push(format!("journal.ron:{line}: an incomplete last line was moved to journal.ron.broken"));
    }
    let event = make(&loaded.data, &loaded.state, &operator.name)?;
    warnings.extend(record::check(&loaded.data, &loaded.state, &event, &operator.name, now)?);
    let index = &loaded.data.journal;
    let (entry, line) =
        super::journal::encode(index.seq + 1, now, &operator.name, operator.from.clone(), event, &index.sum)
            .map_err(|e| Refusal(format!("cannot encode the event: {e}")))?;
    let offset = append_line(&dir, &path, &line)?;
    let id = FileId::of(&path);
    let end = id.map_or(offset + line.len() as u64 + 1, |id| id.len);
    let Loaded { data, state, .. } = loaded;
    let pos = data.journal.len();
    let server = state.apply(data, pos, &entry);
    data.journal.push(&entry, offset, end, server);
    data.journal.line_count += 1;
    loaded.journal_at = id;
    loaded.stamp[4] = id;
    loaded.generation = Some(generation);
    if let Some(journal) = id {
        // Best effort: without a head the next load is a full one, never a wrong one.
        let _ = cache::write_head(&dir, cache::Head { journal, generation });
    }
    if new_generation {
        // Once per generation (the first write, or the first after an outside change): a cache
        // in this generation, so later loads read only the tail.
        cache::save(loaded);
    }
    Ok(Recorded { entry, warnings, first_new })
}

/// Append one line and fsync; returns the offset the line starts at.
fn append_line(dir: &Path, path: &Path, line: &str) -> Result<u64, WriteError> {
    let created = !path.exists();
    // A whole last line that lost only its newline (a crash between the two) gets it back
    // first, so the new line never joins it.
    let needs_newline = fs::metadata(path).is_ok_and(|m| m.len() > 0) && !ends_with_newline(path)?;
    let mut file = OpenOptions::new().append(true).create(true).open(path).map_err(io_err(path, "open for append"))?;
    let text = if needs_newline { format!("\n{line}\n") } else { format!("{line}\n") };
    let start = file.metadata().map_err(io_err(path, "stat"))?.len() + u64::from(needs_newline);
    file.write_all(text.as_bytes()).map_err(io_err(path, "append"))?;
    file.sync_data().map_err(io_err(path, "fsync"))?;
    if created {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir, "fsync of the directory"))?;
    }
    Ok(start)
}

fn ends_with_newline(path: &Path) -> Result<bool, WriteError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path).map_err(io_err(path, "open"))?;
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1)).and_then(|_| f.read_exact(&mut last)).map_err(io_err(path, "read"))?;
    Ok(last[0] == b'\n')
}

/// Move a torn last line to `journal.ron.broken` and cut it off, both fsynced.
fn set_aside_torn_tail(path: &Path, offset: u64) -> Result<(), WriteError> {
    let bytes = fs::read(path).map_err(io_err(path, "read"))?;
    let tail = bytes.get(offset as usize..).unwrap_or_default();
    let broken = path.with_extension("ron.broken");
    let mut out = OpenOptions::new().append(true).create(true).open(&broken).map_err(io_err(&broken, "open"))?;
    out.write_all(tail).and_then(|()| out.write_all(b"\n")).map_err(io_err(&broken, "write"))?;
    out.sync_all().map_err(io_err(&broken, "fsync"))?;
    let file = OpenOptions::new().write(true).open(path).map_err(io_err(path, "open"))?;
    file.set_len(offset).map_err(io_err(path, "truncate"))?;
    file.sync_all().map_err(io_err(path, "fsync"))?;
    Ok(())
}
