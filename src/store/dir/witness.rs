//! The witness: what this user has seen of a data directory's journal, kept outside it (the
//! user's state directory), so that lines cut off the end, or a journal replaced by a shorter or
//! different valid one, are noticed even though the chain itself is still whole.
//!
//! Keyed by the directory's path; it holds the journal's first event's sum (so a replaced file
//! does not escape it) and the highest sequence seen with its sum.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The highest event this user has seen in a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub first: String,
    pub seq: u64,
    pub sum: String,
}

/// Where the witness of the journal in `dir` is kept (`$XDG_STATE_HOME/sprout/witness`, else
/// `~/.local/state/sprout/witness`), or `None` where the user has no such directory.
pub fn path(dir: &Path) -> Option<PathBuf> {
    let base = dirs::state_dir().or_else(dirs::data_local_dir)?.join("sprout").join("witness");
    let real = dir.canonicalize().ok()?;
    let key = blake3::hash(real.as_os_str().as_encoded_bytes()).to_hex();
    Some(base.join(&key[..32]))
}

pub fn read(dir: &Path) -> Option<Witness> {
    let mut bytes = Vec::new();
    // Only a witness this user alone could have written holds anyone to anything.
    super::files::open_own(&path(dir)?)?.take(512).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut words = text.split_whitespace();
    let (first, seq, sum) = (words.next()?, words.next()?, words.next()?);
    Some(Witness { first: first.trim_matches('-').to_string(), seq: seq.parse().ok()?, sum: sum.to_string() })
}

/// Keep event `seq` with `sum` as the highest this user has seen (never lowered here: only an
/// explicit `accept-journal` lowers it); `first` when known, else the one already kept.
pub fn raise(dir: &Path, first: Option<&str>, seq: u64, sum: &str) {
    let old = read(dir);
    if old.as_ref().is_some_and(|o| o.seq >= seq) {
        return;
    }
    let first = first.map(str::to_string).or_else(|| old.map(|o| o.first)).unwrap_or_default();
    write(dir, &Witness { first, seq, sum: sum.to_string() });
}

/// Accept `w` as the journal from now on, whatever was seen before (a deliberate restore).
pub fn write(dir: &Path, w: &Witness) {
    let Some(path) = path(dir) else { return };
    let first = if w.first.is_empty() { "-" } else { w.first.as_str() };
    super::files::save_own(&path, format!("{first} {} {}\n", w.seq, w.sum).as_bytes());
}

/// What is wrong with a journal whose first event's sum is `first`, that ends at `seq`, and
/// whose event `witness.seq` (if it has one) has sum `at_seen`, given what this user saw.
pub fn compare(witness: &Witness, first: &str, seq: u64, at_seen: Option<&str>) -> Option<String> {
    if !witness.first.is_empty() && !first.is_empty() && witness.first != first {
        return Some(format!(
            "its first event is not the one you have seen (a different journal is in its place); you had seen events up to #{}",
            witness.seq
        ));
    }
    if seq < witness.seq {
        let lost = witness.seq - seq;
        return Some(format!(
            "it ends at #{seq}, but you have seen #{}: {lost} {} at its end {} gone",
            witness.seq,
            if lost == 1 { "event" } else { "events" },
            if lost == 1 { "is" } else { "are" }
        ));
    }
    if at_seen.is_some_and(|s| s != witness.sum) {
        return Some(format!("its event #{} is not the one you have seen: the history was rewritten", witness.seq));
    }
    None
}
