//! The data directory's files: bounded reads with located errors (identities: `identity`).

use std::fs;
use std::io;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::store::parse::{self, MAX_FILE_BYTES};

pub use super::identity::FileId;

/// `length:BLAKE3` of a file's bytes (as `store::dir`'s fleet digest), hashed as it is read:
/// a 30 MB fleet is not held in memory to say whether it changed. `None` when it cannot be
/// read or is over the limit `read` keeps to.
pub fn digest_streamed(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut hasher = blake3::Hasher::new();
    let n = io::copy(&mut open_read(path).ok()?.take(MAX_FILE_BYTES + 1), &mut hasher).ok()?;
    (n <= MAX_FILE_BYTES).then(|| format!("{n}:{}", hasher.finalize().to_hex()))
}

/// A whole file as text, bounded; `None` when it does not exist.
pub fn read(path: &Path) -> Result<Option<String>, String> {
    let shown = path.display();
    match fs::metadata(path) {
        // A link to nothing is not "no file": a missing team.ron must not be planted that way.
        Err(e) if e.kind() == io::ErrorKind::NotFound && fs::symlink_metadata(path).is_ok() => {
            return Err(format!("{shown}: a symbolic link to nothing is in its place; remove it or restore the file"));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{shown}: {e}")),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(format!("{shown}: {} bytes is larger than the {MAX_FILE_BYTES}-byte limit", m.len()));
        }
        Ok(_) => {}
    }
    let bytes = open_read(path).and_then(|mut f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map(|_| bytes)
    });
    match bytes {
        Ok(bytes) if bytes.len() as u64 > MAX_FILE_BYTES => {
            Err(format!("{shown}: larger than the {MAX_FILE_BYTES}-byte limit"))
        }
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
pub fn open_at(path: &Path, from: u64, len: u64) -> Result<impl std::io::BufRead + Send, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = open_read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file.take(len.saturating_sub(from))))
}

/// Open `path` (a file sprout keeps in the data directory) for writing, as git and OpenSSH treat
/// files they do not own: never through a symbolic link (`O_NOFOLLOW`), never waiting on a FIFO
/// (`O_NONBLOCK`), and only a regular file that nobody else could have planted for us to write
/// through: not writable by everyone, owned by us or by a member of the directory's group.
pub fn open_write(path: &Path, options: &mut std::fs::OpenOptions) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let existed = path.symlink_metadata().is_ok();
    let file = options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC).open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            io::Error::other("a symbolic link is in its place, and sprout never writes through a link")
        } else if e.raw_os_error() == Some(libc::ENXIO) {
            io::Error::other("a FIFO is in its place, not a regular file")
        } else {
            e
        }
    })?;
    if !existed {
        // Whatever the umask: the team of a shared directory can write what we create there.
        file.set_permissions(mode_in(path))?;
    }
    trusted(path, &file.metadata()?)?;
    Ok(file)
}

/// The mode of a file created at `path`: readable by whoever may enter its directory, and
/// writable by the directory's group where the directory is (a team's shared directory,
/// `chgrp ops DIR; chmod 2770 DIR`). Never writable by everyone.
fn mode_in(path: &Path) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().and_then(|d| fs::metadata(d).ok());
    let shared = dir.is_some_and(|m| m.permissions().mode() & 0o020 != 0);
    fs::Permissions::from_mode(if shared { 0o664 } else { 0o644 })
}

/// A file sprout may write: regular, not writable by everyone, owned by us or by a member of
/// the directory's group (a directory a team shares through a Unix group).
fn trusted(path: &Path, m: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !m.file_type().is_file() {
        return Err(io::Error::other("not a regular file (a FIFO, device or directory is in its place)"));
    }
    if m.nlink() > 1 {
        return Err(io::Error::other(format!(
            "has {} names (hard links); sprout writes only a file with one name, so nothing elsewhere changes with it",
            m.nlink()
        )));
    }
    if m.permissions().mode() & 0o002 != 0 {
        return Err(io::Error::other("writable by everyone; sprout writes no such file (chmod o-w it)"));
    }
    let me = nix::unistd::geteuid().as_raw();
    if m.uid() == me {
        return Ok(());
    }
    let dir = path.parent().and_then(|d| fs::metadata(d).ok());
    let group = dir.as_ref().map(MetadataExt::gid);
    if group.is_some_and(|g| member(m.uid(), g)) {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "owned by uid {}, neither you (uid {me}) nor a member of the directory's group",
        m.uid()
    )))
}

/// `uid` belongs to group `gid`, as its primary group or as a listed member.
fn member(uid: u32, gid: u32) -> bool {
    use nix::unistd::{Gid, Group, Uid, User};
    let Ok(Some(user)) = User::from_uid(Uid::from_raw(uid)) else { return false };
    user.gid == Gid::from_raw(gid)
        || Group::from_gid(Gid::from_raw(gid)).ok().flatten().is_some_and(|g| g.mem.contains(&user.name))
}

/// Open a file of the data directory for reading: a regular file only (a FIFO or `/dev/zero` in
/// its place is refused rather than waited on or read forever).
pub fn open_read(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC).open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::other("not a regular file (a FIFO, device or directory is in its place)"));
    }
    Ok(file)
}

/// The journal's line that ends at byte `end` (its newline excluded), read back from the
/// file: a few kilobytes before `end`, more only for a longer line. `None` when it cannot be
/// read or no line ends there.
pub fn line_ending_at(path: &Path, end: u64) -> Option<String> {
    use std::os::unix::fs::FileExt;
    let file = open_read(path).ok()?;
    let mut window: u64 = 4096;
    loop {
        let from = end.saturating_sub(window);
        let mut bytes = vec![0; usize::try_from(end - from).ok()?];
        file.read_exact_at(&mut bytes, from).ok()?;
        let (last, body) = bytes.split_last()?;
        if *last != b'\n' {
            return None;
        }
        match memchr::memrchr(b'\n', body) {
            Some(at) => return String::from_utf8(body[at + 1..].to_vec()).ok(),
            None if from == 0 => return String::from_utf8(body.to_vec()).ok(),
            // A line longer than any sprout writes is not sprout's.
            None if window >= MAX_FILE_BYTES => return None,
            None => window *= 16,
        }
    }
}

/// Write a whole file that may be lost in a crash (head, cache, presence): an exclusively
/// created temp file with an unpredictable name, renamed over the old one (a rename replaces a
/// link; it never writes through one). Stale temp files of killed processes are removed first.
pub fn replace(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    replace_as(path, bytes, durable, mode_in(path))
}

fn replace_as(path: &Path, bytes: &[u8], durable: bool, mode: fs::Permissions) -> io::Result<()> {
    replace_with(path, &mut |w| w.write_all(bytes), durable, mode)
}

/// `replace_as` with the bytes written by `write`, not held whole.
fn replace_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    durable: bool,
    mode: fs::Permissions,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    remove_stale_temps(dir);
    let mut tmp = tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir)?;
    tmp.as_file().set_permissions(mode)?;
    write(tmp.as_file_mut())?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if durable {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Write a whole file only its owner may write (0644 whatever the folder: a presence), through
/// a temp file and a rename like `replace`, without fsync (it is rewritten every few seconds).
pub fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir)?;
    tmp.as_file().set_permissions(fs::Permissions::from_mode(0o644))?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Temp files sprout makes start with this.
pub const TEMP_PREFIX: &str = ".sprout-tmp-";

/// Remove temp files a killed process left (older than ten minutes: a live writer's are newer).
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && e.metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if stale && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// A folder for files sprout keeps for this user alone, made (0700) if it is not there:
/// `None` unless it is a folder itself (not a symbolic link), it and the folder holding it are
/// this user's, and nobody else may write either. A link put in its place by someone who can
/// write the folder above would have sprout read, write and remove files where it points
/// (attacker review of the decoded journal blocks).
pub fn own_folder(dir: &Path) -> Option<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let me = nix::unistd::geteuid().as_raw();
    let own = |m: &fs::Metadata| m.is_dir() && m.uid() == me && m.mode() & 0o022 == 0;
    let _ = fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
    let parent = fs::metadata(dir.parent()?).ok()?;
    let folder = fs::symlink_metadata(dir).ok()?;
    (own(&parent) && own(&folder)).then_some(())
}

/// What sprout keeps for this user alone, outside the data directory (the derived-state cache
/// and its parts, the witness): opened only when the file and its folder belong to this user
/// and nobody else may write them, so another account cannot plant one (a cache folder shared
/// through `XDG_CACHE_HOME`, or made by someone else before sprout made it).
pub fn open_own(path: &Path) -> Option<fs::File> {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid().as_raw();
    let own = |m: fs::Metadata| m.uid() == me && m.mode() & 0o022 == 0;
    let file = open_read(path).ok()?;
    let folder = path.parent().and_then(|d| fs::metadata(d).ok());
    (file.metadata().is_ok_and(own) && folder.is_some_and(own)).then_some(file)
}

/// The whole of a file `open_own` accepts.
pub fn read_own(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = open_own(path)?;
    let mut bytes = Vec::with_capacity(file.metadata().map_or(0, |m| m.len() as usize + 1));
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Keep a file for this user alone (best effort): its folder made 0700, the file 0600.
pub fn save_own(path: &Path, bytes: &[u8]) {
    save_own_with(path, &mut |w| w.write_all(bytes));
}

/// `save_own` with the bytes written by `write`, streamed; nothing is kept when it fails.
pub fn save_own_with(path: &Path, write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>) {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(base) = path.parent() {
        let _ = fs::DirBuilder::new().recursive(true).mode(0o700).create(base);
        let mut buffered = |file: &mut dyn io::Write| {
            let mut out = io::BufWriter::with_capacity(256 << 10, file);
            write(&mut out)?;
            io::Write::flush(&mut out)
        };
        let _ = replace_with(path, &mut buffered, false, fs::Permissions::from_mode(0o600));
    }
}
