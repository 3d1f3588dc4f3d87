//! A journal proved by its chain up to where a state stands (`Store::holds`), and read from
//! there on whatever the head says (`Store::read_proven`).

use crate::model::Entry;
use crate::store::journal::{self, Start};
use crate::store::{Read, ReadError};

use super::files::{self, FileId};
use super::{FileStore, head, witness};

pub fn holds(store: &FileStore, read: &Start) -> Result<(), String> {
    let path = store.journal();
    let file = files::open_read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    prove(store, &file, read)
}

pub fn read(store: &FileStore, start: &Start, each: &mut dyn FnMut(Entry, u64, u64, usize)) -> Result<Read, ReadError> {
    use std::io::{Read as _, Seek, SeekFrom};
    // One open file for the proof and the tail: whatever is put at the path meanwhile, what
    // is proved is what is read. Its identity first: a later change always differs.
    let path = store.journal();
    let mut file = files::open_read(&path).map_err(|_| ReadError::Stale)?;
    let id = FileId::of_metadata(&file.metadata().map_err(|_| ReadError::Stale)?);
    if id.len < start.pos {
        return Err(ReadError::Stale);
    }
    prove(store, &file, start).map_err(|_| ReadError::Stale)?;
    file.seek(SeekFrom::Start(start.pos)).map_err(|_| ReadError::Stale)?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file.take(id.len - start.pos));
    let mut tail = Vec::new();
    let (end, torn) =
        journal::scan(reader, start.clone(), |e, b, en, l| tail.push((e, b, en, l))).map_err(|_| ReadError::Stale)?;
    // Changed while it was read (an append, an edit): look again at the next change.
    if FileId::of(&path) != Some(id) || !super::seen_holds(witness::read(&store.dir).as_ref(), start, &end, &tail) {
        return Err(ReadError::Stale);
    }
    for (e, b, en, l) in tail {
        each(e, b, en, l);
    }
    if end.seq > start.seq {
        witness::raise(&store.dir, None, end.seq, &end.sum);
    }
    let generation = head::generation_for(&store.dir, Some(id));
    Ok(Read { end, torn, mark: super::mark(generation, Some(id)), stamp: FileId::text(Some(id)) })
}

/// The lines of the open journal `file` up to `read` are the ones a read found there: each
/// line's own sum and its link checked, without decoding events (about half a read's
/// time), and the last one's sum `read.sum` (each sum covers the one before it).
fn prove(store: &FileStore, file: &std::fs::File, read: &Start) -> Result<(), String> {
    use std::io::Read as _;
    let reader = std::io::BufReader::with_capacity(1 << 20, file.take(read.pos));
    let (end, torn) = journal::chain(reader, Start::default()).map_err(|e| store.located(&e))?;
    let same = torn.is_none() && end.pos == read.pos && end.seq == read.seq && end.sum == read.sum;
    if same { Ok(()) } else { Err(crate::store::changed_in_place(store, read)) }
}
