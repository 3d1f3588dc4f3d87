//! The store of decoded journal blocks: the journal read in blocks of whole lines (cut where
//! `store::scan` cuts its batches), each block's decoded lines kept in postcard under the BLAKE3
//! of the block's raw bytes, beside the derived-state cache. A start after an outside edit of
//! the baseline (no valid derived-state cache) finds the journal's blocks there and decodes
//! only those it does not find: RON is the long part of reading a journal.
//!
//! Only what decoding the raw bytes said is kept: every line's entry after its own checksum was
//! checked (the chain, which spans blocks, is checked again at every read). A block with any
//! line that did not decode, or a line without its newline, is never kept. A kept block names
//! the raw bytes it was decoded from and has its own BLAKE3 over those and its decoded bytes:
//! a damaged block, or one put under another block's name, is decoded again from the journal.
//! The folder and its files are this user's own (`files::open_own`, `files::save_own`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::Entry;
use crate::model::journal::skip::every_field;

use super::dir::files;

/// What a block file starts with: the format, so a later format is never misread.
const MAGIC: &[u8; 16] = b"sprout-blocks-2\n";
/// A block ends at the first line end after this many bytes: about 5,000 lines (a block is
/// decoded whole, and four are read ahead: at 2 MB they held 20 MB at the end of a load).
pub const BLOCK_BYTES: usize = 1 << 20;

/// A raw block's name: the BLAKE3 of its bytes.
pub type Key = [u8; 32];

/// The decoded blocks of one data directory's journal, in a folder of this user's own.
#[derive(Debug)]
pub struct Blocks {
    dir: PathBuf,
    /// Blocks taken from the folder, and decoded from the journal, in this read.
    used: AtomicUsize,
    decoded: AtomicUsize,
    /// Every block this read met, whole: the others are removed at the end (`keep_met`).
    met: Mutex<HashSet<Key>>,
}

impl Blocks {
    pub fn at(dir: impl Into<PathBuf>) -> Blocks {
        Blocks { dir: dir.into(), used: AtomicUsize::new(0), decoded: AtomicUsize::new(0), met: Mutex::default() }
    }

    fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(blake3::Hash::from_bytes(*key).to_hex().as_str())
    }

    /// Blocks taken from the folder and blocks decoded from the journal so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.used.load(Ordering::Relaxed), self.decoded.load(Ordering::Relaxed))
    }

    /// The decoded lines of the block whose raw bytes hash to `key` and hold `lines` lines,
    /// each handed to `line` with its place in the block (`None` for a blank line); false when
    /// the block is not kept, or not exactly as kept (then what was handed on is to be
    /// decoded again).
    pub fn get(&self, key: &Key, lines: usize, line: impl FnMut(usize, Option<Entry>)) -> bool {
        self.met.lock().unwrap_or_else(|e| e.into_inner()).insert(*key);
        let Some(bytes) = files::read_own(&self.path(key)) else { return false };
        let found = body(&bytes, key).is_some_and(|body| each_line(body, lines, line).is_some());
        if found {
            self.used.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Keep a block's decoded lines (best effort: a block not kept is decoded again).
    pub fn put(&self, key: &Key, lines: &[Option<&Entry>]) {
        self.decoded.fetch_add(1, Ordering::Relaxed);
        if let Some(bytes) = seal(key, lines) {
            files::save_own(&self.path(key), &bytes);
        }
    }

    /// A block met but not kept (a damaged line in it): counted, nothing written.
    pub fn decoded_only(&self) {
        self.decoded.fetch_add(1, Ordering::Relaxed);
    }

    /// Remove every block this read did not meet: those of older journals. Called after a
    /// whole journal was read, so the folder holds one journal's blocks at most.
    pub fn keep_met(&self) {
        let met = self.met.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for e in entries.flatten() {
            let name = e.file_name();
            let stale =
                name.to_str().and_then(|n| blake3::Hash::from_hex(n).ok()).is_some_and(|h| !met.contains(h.as_bytes()));
            if stale && e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        files::remove_stale_temps(&self.dir);
    }

    /// The bytes the kept blocks take on disk.
    pub fn disk_bytes(&self) -> u64 {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return 0 };
        entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
    }
}

/// The BLAKE3 a block file carries: over the raw key and the decoded bytes, so neither can be
/// swapped for another block's.
fn sum(key: &Key, body: &[u8]) -> Key {
    *blake3::Hasher::new().update(MAGIC).update(key).update(body).finalize().as_bytes()
}

/// A block file: `MAGIC`, the raw key, the sum, the decoded lines in postcard.
pub fn seal(key: &Key, lines: &[Option<&Entry>]) -> Option<Vec<u8>> {
    let body = every_field(|| postcard::to_stdvec(lines)).ok()?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 64 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(&sum(key, &body));
    bytes.extend_from_slice(&body);
    Some(bytes)
}

/// The decoded lines of a block file made by `seal` for `key`; `None` for any other.
pub fn open(bytes: &[u8], key: &Key) -> Option<Vec<Option<Entry>>> {
    postcard::from_bytes(body(bytes, key)?).ok()
}

/// The postcard body of a block file made by `seal` for `key`; `None` for any other.
fn body<'a>(bytes: &'a [u8], key: &Key) -> Option<&'a [u8]> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (named, rest) = rest.split_at_checked(32)?;
    let (said, body) = rest.split_at_checked(32)?;
    (named == key && said == sum(key, body)).then_some(body)
}

/// Every line of a block's body handed to `line` as it is decoded (no vector of them made);
/// `None` unless the body holds exactly `lines` lines, all decoded.
fn each_line(body: &[u8], lines: usize, line: impl FnMut(usize, Option<Entry>)) -> Option<()> {
    use serde::de::{DeserializeSeed, SeqAccess, Visitor};
    struct Each<F>(usize, F);
    impl<'de, F: FnMut(usize, Option<Entry>)> Visitor<'de> for Each<F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "the {} lines of a block", self.0)
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            if seq.size_hint() != Some(self.0) {
                return Err(serde::de::Error::invalid_length(seq.size_hint().unwrap_or(0), &self));
            }
            for k in 0..self.0 {
                let entry = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(k, &"more lines"))?;
                (self.1)(k, entry);
            }
            Ok(())
        }
    }
    impl<'de, F: FnMut(usize, Option<Entry>)> DeserializeSeed<'de> for Each<F> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    let mut de = postcard::Deserializer::from_bytes(body);
    Each(lines, line).deserialize(&mut de).ok()?;
    de.finalize().ok().filter(|rest| rest.is_empty()).map(|_| ())
}

#[cfg(test)]
mod tests;
