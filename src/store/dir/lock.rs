//! One exclusive lock on the data directory, held across every read-check-append-fsync.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Released when dropped (closing the file releases the flock).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: cannot open the lock file: {source}")]
    Open { path: String, source: std::io::Error },
    #[error(
        "{path}: locking failed ({source}); if the data directory is on a network file system, locks cannot be trusted there: use a local directory"
    )]
    Unsupported { path: String, source: std::io::Error },
    #[error("{0}")]
    NotLocal(String),
    #[error("gave up after {secs} s waiting for the lock held by {holder}")]
    Timeout { secs: u64, holder: String },
}

/// Take the lock, calling `on_wait` once with the holder's description if we must wait.
pub fn acquire(dir: &Path, who: &str, timeout: Duration, mut on_wait: impl FnMut(&str)) -> Result<DirLock, LockError> {
    super::atomic::check_local(dir).map_err(LockError::NotLocal)?;
    let path = dir.join(super::LOCK);
    let shown = path.display().to_string();
    let mut file =
        super::files::open_write(&path, OpenOptions::new().read(true).write(true).create(true).truncate(false))
            .map_err(|source| LockError::Open { path: shown.clone(), source })?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                if started.elapsed() >= timeout {
                    return Err(LockError::Timeout { secs: timeout.as_secs(), holder });
                }
                if !told {
                    on_wait(&holder);
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::Error(source)) => {
                return Err(LockError::Unsupported { path: shown, source });
            }
        }
    }
    // Say who holds it, for anyone who has to wait. Best effort: the lock is what matters.
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| write!(file, "{who} (pid {})", std::process::id()));
    Ok(DirLock { _file: file })
}

fn holder(file: &mut File) -> String {
    // A holder's line is short; a planted lock file cannot make a waiter read much.
    let mut bytes = Vec::new();
    let _ = file.seek(SeekFrom::Start(0)).and_then(|_| file.take(256).read_to_end(&mut bytes));
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() { "another sprout process".to_string() } else { text.into_owned() }
}
