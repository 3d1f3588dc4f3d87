//! The journal head (`.sprout.head`): the journal as the last sprout writer left it, and its
//! *generation*.
//!
//! Every sprout writer rewrites the head after its append. A writer that finds the journal
//! changed by anything other than sprout (the head does not describe it) starts a new
//! generation, so no reader ever extends a state across an outside edit: a tail read is sound
//! only within one generation.

use std::io::{self, Read};
use std::path::Path;

use super::files::FileId;

pub const HEAD: &str = ".sprout.head";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub journal: FileId,
    pub generation: u64,
}

pub fn read(dir: &Path) -> Option<Head> {
    // A regular file of a few bytes, or no head: a FIFO or /dev/zero here costs nothing.
    let mut bytes = Vec::new();
    super::files::open_read(&dir.join(HEAD)).ok()?.take(256).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (generation, id) = text.trim_end().split_once(' ')?;
    Some(Head { journal: FileId::parse(id)??, generation: generation.parse().ok()? })
}

/// Replace the head; a rename, so readers see the old one or the new one. Not fsynced: a head
/// lost in a crash only makes the next load a full one.
pub fn write(dir: &Path, head: Head) -> io::Result<()> {
    let text = format!("{} {}\n", head.generation, FileId::text(Some(head.journal)));
    super::files::replace(&dir.join(HEAD), text.as_bytes(), false)
}

/// The generation a state read from the journal at `journal` belongs to: the head's, when the
/// head describes that very file and it is still that file.
pub fn generation_for(dir: &Path, journal: Option<FileId>) -> Option<u64> {
    let head = read(dir)?;
    let now = FileId::of(&dir.join(crate::store::JOURNAL));
    (Some(head.journal) == journal && now == journal).then_some(head.generation)
}
