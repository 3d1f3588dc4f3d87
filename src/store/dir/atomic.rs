//! Whole-file writes that a crash cannot tear (temp file, fsync, rename, fsync the directory;
//! a failed fsync is reported, never retried), and where sprout will not write at all.

use std::fs;
use std::io;
use std::path::Path;

pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    super::files::replace(path, bytes, true)
}

/// File systems whose locks (and often fsync) cannot be trusted across machines.
const NETWORK_FS: &[&str] =
    &["nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "fuse.sshfs", "davfs", "fuse.rclone"];

/// The file system type `dir` is on, from a mountinfo text (Linux `/proc/self/mountinfo`).
pub fn fs_type(mountinfo: &str, dir: &Path) -> Option<String> {
    let dir = dir.to_string_lossy();
    let mut best: Option<(usize, String)> = None;
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let Some(mount) = left.split(' ').nth(4) else { continue };
        let mount = mount.replace("\\040", " ");
        let Some(fstype) = right.split(' ').next() else { continue };
        let inside = dir == mount || mount == "/" || dir.starts_with(&format!("{mount}/"));
        if inside && best.as_ref().is_none_or(|(len, _)| mount.len() > *len) {
            best = Some((mount.len(), fstype.to_string()));
        }
    }
    best.map(|(_, t)| t)
}

/// Refuse to write where locks cannot be trusted; say why.
pub fn check_local(dir: &Path) -> Result<(), String> {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else { return Ok(()) };
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    match fs_type(&info, &dir) {
        Some(t) if NETWORK_FS.contains(&t.as_str()) => Err(format!(
            "{} is on a {t} network file system, where file locks cannot be trusted between machines; sprout will not write there (use a local directory, or --read-only to watch)",
            dir.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /srv/fleet rw,relatime shared:20 - nfs4 filer:/export/fleet rw,vers=4.2
41 22 0:36 / /srv/fleet\\040local rw - xfs /dev/sdb1 rw";

    #[test]
    fn the_longest_mount_point_decides() {
        assert_eq!(fs_type(INFO, Path::new("/srv/fleet/data")).as_deref(), Some("nfs4"));
        assert_eq!(fs_type(INFO, Path::new("/srv/fleet")).as_deref(), Some("nfs4"));
        assert_eq!(fs_type(INFO, Path::new("/srv/fleet local/x")).as_deref(), Some("xfs"));
        assert_eq!(fs_type(INFO, Path::new("/srv/fleetwood")).as_deref(), Some("ext4"));
    }

    #[test]
    fn a_rewrite_replaces_the_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fleet.ron");
        write(&path, b"old").expect("write");
        write(&path, b"new").expect("rewrite");
        assert_eq!(fs::read(&path).expect("read"), b"new");
        assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
