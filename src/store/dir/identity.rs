//! A file's identity (length, times, inode, device): what a look between changes compares, and
//! when it proves nothing of the content.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

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
        fs::metadata(path).ok().map(|m| FileId::of_metadata(&m))
    }

    /// The identity of an open file (`File::metadata`): the very file read, whatever is put at
    /// its path meanwhile.
    pub fn of_metadata(m: &fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            len: m.len(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000).saturating_add(m.mtime_nsec()),
            ctime_ns: m.ctime().saturating_mul(1_000_000_000).saturating_add(m.ctime_nsec()),
            ino: m.ino(),
            dev: m.dev(),
        }
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

/// How long after a file's last change its identity proves nothing of its content: a write
/// through a shared mapping sets the times at the first write to a page only, until the system
/// writes the page back (`vm.dirty_expire_centisecs`, 30 s by default, and the flusher's 5 s),
/// so an edit within that time may leave the identity an earlier look took. Git's "racily
/// clean" rule, with the window of a mapping instead of the clock's granularity.
pub const YOUNG: std::time::Duration = std::time::Duration::from_secs(60);

impl FileId {
    /// Whether this identity, taken now of the file at `path`, proves nothing of the content:
    /// the file changed within `YOUNG`, or it lives on a file system not known to write pages
    /// back and protect them again (tmpfs and ramfs never write back; an overlay, a network or
    /// a user-space file system may not, or may keep its own times): there a mapping's later
    /// writes may never set the times again.
    pub fn young(&self, path: &Path) -> bool {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let changed = i128::from(self.ctime_ns.max(self.mtime_ns));
        let age = i128::try_from(now.as_nanos()).unwrap_or(i128::MAX) - changed;
        age < YOUNG.as_nanos() as i128 || !writes_back(path)
    }
}

/// The file system holding `path` is one whose mapped pages are written back and protected
/// again within the system's writeback interval, so a later write through a mapping sets the
/// file's times again: ext2/3/4, XFS, Btrfs.
fn writes_back(path: &Path) -> bool {
    use nix::sys::statfs::{BTRFS_SUPER_MAGIC, EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, statfs};
    statfs(path).is_ok_and(|fs| [EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC].contains(&fs.filesystem_type()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns_ago(secs: i64) -> i64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock");
        i64::try_from(now.as_nanos()).expect("ns") - secs * 1_000_000_000
    }

    #[test]
    fn an_identity_is_young_for_a_minute_after_any_change_and_always_where_pages_may_stay_writable() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let mut id = FileId::of(&path).expect("an identity");
        // A touch can set mtime back; ctime says when the file last changed.
        (id.mtime_ns, id.ctime_ns) = (ns_ago(3600), ns_ago(1));
        assert!(id.young(&path));
        (id.mtime_ns, id.ctime_ns) = (ns_ago(50), ns_ago(3600));
        assert!(id.young(&path));
        (id.mtime_ns, id.ctime_ns) = (ns_ago(120), ns_ago(120));
        assert_eq!(
            id.young(&path),
            !writes_back(&path),
            "old enough: it proves the content where pages are written back"
        );
        // Where the system has a tmpfs mounted, a file there is always young.
        let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
        let tmpfs = mounts.lines().filter_map(|l| l.split(' ').nth(1).filter(|_| l.split(' ').nth(2) == Some("tmpfs")));
        for point in tmpfs.map(Path::new).filter(|p| p.is_dir()).take(1) {
            assert!(!writes_back(point) && id.young(point), "{}", point.display());
        }
    }
}
