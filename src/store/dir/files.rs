//! The data directory's files: bounded reads with located errors, and file identities.

use std::fs;
use std::io;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::store::parse::{self, MAX_FILE_BYTES};

/// A file's identity. Any change through any tool changes at least one of these: the kernel
/// sets `ctime` on every write and no tool can set it back (`touch` sets only `mtime`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub len: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl FileId {
    pub fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path).ok()?;
        Some(FileId {
            len: m.len(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000).saturating_add(m.mtime_nsec()),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000).saturating_add(m.ctime_nsec()),
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    /// As text, for stamps and marks; `-` for a missing file.
    pub fn text(id: Option<FileId>) -> String {
        match id {
            Some(j) => format!("{} {} {} {} {}", j.len, j.mtime_ns, j.ctime_ns, j.ino, j.dev),
            None => "-".to_string(),
        }
    }

    pub fn parse(text: &str) -> Option<Option<FileId>> {
        if text == "-" {
            return Some(None);
        }
        let n: Vec<i128> = text.split_whitespace().map(|w| w.parse().ok()).collect::<Option<_>>()?;
        let [len, mtime_ns, ctime_ns, ino, dev] = n[..] else { return None };
        Some(Some(FileId {
            len: len.try_into().ok()?,
            mtime_ns: mtime_ns.try_into().ok()?,
            ctime_ns: ctime_ns.try_into().ok()?,
            ino: ino.try_into().ok()?,
            dev: dev.try_into().ok()?,
        }))
    }
}

/// A whole file as text, bounded; `None` when it does not exist.
pub fn read(path: &Path) -> Result<Option<String>, String> {
    let shown = path.display();
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown}: {e}")),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(format!("{shown}: {} bytes is larger than the {MAX_FILE_BYTES}-byte limit", m.len()));
        }
        Ok(_) => {}
    }
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            format!("{shown}:{line}:{col}: not UTF-8 text (a damaged byte?); restore the file from backup")
        }),
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// Parse one of the directory's files, adding a located error to `errors` on failure.
pub fn parse<T: DeserializeOwned + Default>(
    dir: &Path,
    name: &str,
    required: bool,
    errors: &mut Vec<String>,
) -> (T, String) {
    match read(&dir.join(name)) {
        Ok(Some(text)) => match parse::ron::<T>(name, &text, 1) {
            Ok(v) => (v, text),
            Err(e) => {
                errors.push(format!("{}: {}", dir.join(format!("{name}:{}:{}", e.line, e.col)).display(), e.message));
                (T::default(), text)
            }
        },
        Ok(None) if required => {
            errors.push(format!(
                "{}: not found; `sprout init {}` writes the sample there to start from",
                dir.join(name).display(),
                dir.display()
            ));
            (T::default(), String::new())
        }
        Ok(None) => (T::default(), String::new()),
        Err(e) => {
            errors.push(e);
            (T::default(), String::new())
        }
    }
}

/// The journal from byte `from` up to `len` (the length it had when stamped), buffered.
pub fn open_at(path: &Path, from: u64, len: u64) -> Result<impl std::io::BufRead, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file.take(len.saturating_sub(from))))
}
