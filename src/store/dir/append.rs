//! Appending to the journal file under the directory lock: one line, fsynced; a torn last
//! line set aside first, never lost.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::{Appended, Locked, Mark, StoreError, Torn};

use super::files::{self, FileId};
use super::head::{self, Head};
use super::lock::DirLock;

pub struct FileLocked {
    pub(super) dir: PathBuf,
    pub(super) _lock: DirLock,
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.display().to_string();
    move |source| StoreError::Io { path, action, source }
}

impl Locked for FileLocked {
    fn set_aside(&mut self, torn: &Torn) -> Result<String, StoreError> {
        let (line, offset, _) = torn;
        set_aside_torn_tail(&self.dir.join(crate::store::JOURNAL), *offset as u64)?;
        Ok(format!("journal.ron:{line}: an incomplete last line was moved to journal.ron.broken"))
    }

    fn replace_fleet(&mut self, text: &str) -> Result<(), StoreError> {
        // A new file renamed over the old one: never written through a link, never half-written.
        let path = self.dir.join(crate::store::FLEET);
        files::replace(&path, text.as_bytes(), true).map_err(io_err(&path, "replace"))
    }

    fn append(&mut self, line: &str, seen: &Mark) -> Result<Appended, StoreError> {
        let dir = &self.dir;
        let path = dir.join(crate::store::JOURNAL);
        // A new generation when something other than sprout changed the journal since the head.
        let seen = super::parse_mark(seen).map(|(_, id)| id);
        let head = head::read(dir);
        let generation = match head {
            Some(h) if seen == Some(Some(h.journal)) => h.generation,
            // A generation planted at the top does not wrap round to an old one: the clock's
            // nanoseconds name the next instead, which no reader holds.
            Some(h) => h.generation.checked_add(1).unwrap_or_else(|| {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
            }),
            None => 1,
        };
        let fresh = head.is_none_or(|h| h.generation != generation);
        let start = append_line(dir, &path, line)?;
        let id = FileId::of(&path);
        let end = id.map_or(start + line.len() as u64 + 1, |id| id.len);
        if let Some(journal) = id {
            // Best effort: without a head the next load is a full one, never a wrong one.
            let _ = head::write(dir, Head { journal, generation });
        }
        if let Ok(e) = crate::store::journal::decode(line, 1) {
            super::witness::raise(dir, (e.seq == 1).then_some(e.sum.as_str()), e.seq, &e.sum);
        }
        Ok(Appended { start, end, mark: super::mark(Some(generation), id), stamp: FileId::text(id), fresh })
    }
}

/// Append one line and fsync; returns the offset the line starts at.
fn append_line(dir: &Path, path: &Path, line: &str) -> Result<u64, StoreError> {
    let created = !path.exists();
    // A whole last line that lost only its newline (a crash between the two) gets it back
    // first, so the new line never joins it.
    let needs_newline = fs::metadata(path).is_ok_and(|m| m.len() > 0) && !ends_with_newline(path)?;
    let mut file = files::open_write(path, OpenOptions::new().append(true).create(true))
        .map_err(io_err(path, "open for append"))?;
    let text = if needs_newline { format!("\n{line}\n") } else { format!("{line}\n") };
    let start = file.metadata().map_err(io_err(path, "stat"))?.len() + u64::from(needs_newline);
    file.write_all(text.as_bytes()).map_err(io_err(path, "append"))?;
    file.sync_data().map_err(io_err(path, "fsync"))?;
    if created {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir, "fsync of the directory"))?;
    }
    Ok(start)
}

fn ends_with_newline(path: &Path) -> Result<bool, StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = files::open_read(path).map_err(io_err(path, "open"))?;
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1)).and_then(|_| f.read_exact(&mut last)).map_err(io_err(path, "read"))?;
    Ok(last[0] == b'\n')
}

/// Move a torn last line to `journal.ron.broken` and cut it off, both fsynced.
fn set_aside_torn_tail(path: &Path, offset: u64) -> Result<(), StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut tail = Vec::new();
    files::open_read(path)
        .and_then(|mut f| f.seek(SeekFrom::Start(offset)).and_then(|_| f.read_to_end(&mut tail)))
        .map_err(io_err(path, "read"))?;
    let broken = path.with_extension("ron.broken");
    let mut out =
        files::open_write(&broken, OpenOptions::new().append(true).create(true)).map_err(io_err(&broken, "open"))?;
    out.write_all(&tail).and_then(|()| out.write_all(b"\n")).map_err(io_err(&broken, "write"))?;
    out.sync_all().map_err(io_err(&broken, "fsync"))?;
    let file = files::open_write(path, OpenOptions::new().write(true)).map_err(io_err(path, "open"))?;
    file.set_len(offset).map_err(io_err(path, "truncate"))?;
    file.sync_all().map_err(io_err(path, "fsync"))?;
    Ok(())
}
