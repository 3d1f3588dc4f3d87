//! Presence in a data directory: one small file per running dashboard in `presence/`, written
//! whole (temp file, rename), removed on exit, ignored when stale. Never part of the journal.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::store::Presence;

pub const FOLDER: &str = "presence";
/// A presence file larger than this is not a presence file.
const MAX_BYTES: u64 = 4096;
/// Presence files taken at most, and directory entries looked at at most: a folder flooded
/// with files cannot stall every dashboard, and a read that stopped short says so.
const MAX_FILES: usize = 256;
const MAX_ENTRIES: usize = 4096;

/// The file of a session; the name keeps only characters that are safe in a file name.
fn path(dir: &Path, session: &str) -> PathBuf {
    let safe: String = session
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    dir.join(FOLDER).join(format!("{}.ron", safe.trim_start_matches('.')))
}

/// The presence folder, made so a team can share it: in a group-writable data directory it is
/// group-writable too, and sticky (each member may add their own file, and remove or rename
/// only their own). One made otherwise by us is put right.
fn folder(dir: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let folder = dir.join(FOLDER);
    let say = |e: std::io::Error| format!("{}: {e}", folder.display());
    let shared = fs::metadata(dir).map_err(say)?.permissions().mode() & 0o020 != 0;
    match fs::symlink_metadata(&folder) {
        Err(_) => {
            fs::create_dir(&folder).map_err(say)?;
        }
        Ok(m) if !m.is_dir() => {
            return Err(format!("{}: not a folder, and sprout never writes through a link", folder.display()));
        }
        Ok(_) => {}
    }
    let m = fs::symlink_metadata(&folder).map_err(say)?;
    let want = if shared { 0o3770 } else { 0o755 };
    if m.uid() == nix::unistd::geteuid().as_raw() && m.permissions().mode() & 0o7777 != want {
        fs::set_permissions(&folder, fs::Permissions::from_mode(want)).map_err(say)?;
    }
    Ok(folder)
}

pub fn announce(dir: &Path, presence: &Presence) -> Result<(), String> {
    let folder = folder(dir).map_err(|e| format!("cannot announce your presence: {e}"))?;
    let text = ron::to_string(presence).map_err(|e| e.to_string())?;
    let path = path(dir, &presence.session);
    // Writable by its owner only, whatever the folder: nobody else may rewrite who you are.
    super::files::replace_private(&path, text.as_bytes()).map_err(|e| {
        format!(
            "cannot announce your presence: {}: {e} (the folder's owner can let the team in: chmod 3770 {})",
            path.display(),
            folder.display()
        )
    })
}

pub fn present(dir: &Path, now: DateTime<Utc>) -> Vec<Presence> {
    present_complete(dir, now).0
}

/// Everyone present, and whether every entry of the folder was looked at (a flood stops the
/// read short: nobody may then be taken to have left).
pub fn present_complete(dir: &Path, now: DateTime<Utc>) -> (Vec<Presence>, bool) {
    let Ok(entries) = fs::read_dir(dir.join(FOLDER)) else { return (Vec::new(), true) };
    let mut out = Vec::new();
    let mut looked = 0;
    for e in entries.flatten() {
        looked += 1;
        if looked > MAX_ENTRIES || out.len() == MAX_FILES {
            return (sorted(out), false);
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".ron") || name.starts_with(super::files::TEMP_PREFIX) {
            continue;
        }
        if let Some(p) = read_one(dir, &e.path(), &name).filter(|p| !p.is_stale(now)) {
            out.push(p);
        }
    }
    (sorted(out), true)
}

fn sorted(mut out: Vec<Presence>) -> Vec<Presence> {
    out.sort_by(|a, b| a.operator.cmp(&b.operator).then_with(|| a.session.cmp(&b.session)));
    out
}

/// One presence file, if it is one: opened without following a link or waiting on a FIFO,
/// judged on what was opened (a regular file of one name, writable by its owner only, small),
/// named for the session it holds. Who it is, is whose file it is.
fn read_one(dir: &Path, file: &Path, name: &str) -> Option<Presence> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(file)
        .ok()?;
    let meta = f.metadata().ok()?;
    // A second name (a hard link kept after its owner left) or a file others may write could
    // speak for its owner: neither is taken.
    if !meta.is_file() || meta.nlink() != 1 || meta.mode() & 0o022 != 0 || meta.len() > MAX_BYTES {
        return None;
    }
    let mut text = String::new();
    f.take(MAX_BYTES + 1).read_to_string(&mut text).ok()?;
    let mut p = crate::store::parse::ron::<Presence>(FOLDER, &text, 1).ok()?;
    // A copy under another name is not the session it claims.
    if path(dir, &p.session).file_name().is_none_or(|n| n.to_string_lossy() != name) {
        return None;
    }
    // Root's files keep their claim (root can be anyone anyway, and a dashboard under sudo
    // announces the account that ran sudo).
    if meta.uid() != 0 {
        p.operator = crate::store::operator::account(meta.uid());
    }
    // Where from is context, never a second name: a few plain characters, or nothing.
    p.from = p.from.filter(|f| crate::safe::plain_place(f));
    Some(p)
}

pub fn withdraw(dir: &Path, session: &str) {
    let _ = fs::remove_file(path(dir, session));
}

/// Tell `on_change` about journal, baseline and presence changes (inotify on Linux).
pub fn watch(
    dir: &Path,
    on_change: Box<dyn Fn(crate::store::Changed) + Send + Sync>,
) -> Option<crate::store::Watching> {
    use notify::{RecursiveMode, Watcher};
    let data_files =
        [crate::store::JOURNAL, crate::store::FLEET, "catalog.ron", "rollout.ron", "team.ron", ".sprout.head"];
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        let mut data = false;
        let mut presence = false;
        for path in &event.paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let in_presence = path.parent().and_then(|p| p.file_name()).is_some_and(|p| p == FOLDER);
            if in_presence && name.ends_with(".ron") {
                presence = true;
            } else if data_files.contains(&name.as_str()) {
                data = true;
            }
        }
        if data {
            on_change(crate::store::Changed::Data);
        }
        if presence {
            on_change(crate::store::Changed::Presence);
        }
    })
    .ok()?;
    watcher.watch(dir, RecursiveMode::NonRecursive).ok()?;
    // The presence folder may not exist yet (nobody announced); without it, a poll finds people.
    let _ = watcher.watch(&dir.join(FOLDER), RecursiveMode::NonRecursive);
    Some(Box::new(watcher))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FileStore, MemoryStore, Store};

    fn someone(session: &str, at: DateTime<Utc>) -> Presence {
        Presence {
            session: session.into(),
            operator: "mtracy".into(),
            from: Some("ssh 10.0.0.9".into()),
            read_only: true,
            looking_at: "rollout".into(),
            at,
            look: Default::default(),
            presenting: false,
            following: None,
        }
    }

    /// What someone who can write the data directory could try with a presence file.
    #[test]
    fn a_presence_file_speaks_only_for_its_owner_and_only_as_itself() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("time");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o2770)).expect("shared directory");
        announce(dir.path(), &someone("ann", now)).expect("announce");
        let folder = dir.path().join(FOLDER);
        let mode = |p: &Path| fs::symlink_metadata(p).expect("meta").permissions().mode() & 0o7777;
        assert_eq!(mode(&folder), 0o3770, "a team's folder: group-writable and sticky");
        assert_eq!(mode(&folder.join("ann.ron")), 0o644, "writable by its owner only");
        let text = fs::read_to_string(folder.join("ann.ron")).expect("read");
        // Group-writable: anyone in the group could have rewritten it.
        fs::write(folder.join("bob.ron"), text.replace("\"ann\"", "\"bob\"")).expect("write");
        fs::set_permissions(folder.join("bob.ron"), fs::Permissions::from_mode(0o664)).expect("chmod");
        // A copy of ann's under another name is not ann's session.
        fs::write(folder.join("copy.ron"), &text).expect("write");
        fs::set_permissions(folder.join("copy.ron"), fs::Permissions::from_mode(0o644)).expect("chmod");
        // From the future: it would never go stale.
        let future = someone("cat", now + chrono::Duration::days(30000));
        announce(dir.path(), &future).expect("announce");
        // A FIFO in a presence file's place is skipped, not waited on.
        let fifo = std::process::Command::new("mkfifo").arg(folder.join("fifo.ron")).status().expect("mkfifo");
        assert!(fifo.success());
        // Someone else's file claims to be the driver: it is shown as its owner.
        announce(dir.path(), &someone("dan", now)).expect("announce");
        std::os::unix::fs::chown(folder.join("dan.ron"), Some(54_321), None).expect("chown");
        let here = present(dir.path(), now);
        let who: Vec<(&str, &str)> = here.iter().map(|p| (p.session.as_str(), p.operator.as_str())).collect();
        let owner = crate::store::operator::account(54_321);
        assert_eq!(
            who,
            [("ann", "mtracy"), ("dan", owner.as_str())],
            "root's file keeps its claim; dan's says whose it is"
        );
        assert_eq!(here[0].from.as_deref(), Some("ssh 10.0.0.9"));
    }

    #[test]
    fn both_stores_carry_presence_apart_from_the_journal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("time");
        let stores: [Box<dyn Store>; 2] = [Box::new(FileStore::new(dir.path())), Box::new(MemoryStore::default())];
        for store in stores {
            store.announce(&someone("host-1-../../etc", now)).expect("announce");
            store.announce(&someone("host-2", now - chrono::Duration::seconds(90))).expect("announce");
            let here = store.present(now);
            assert_eq!(here.len(), 1, "a stale announcement is left out");
            assert_eq!(here[0].session, "host-1-../../etc");
            store.withdraw("host-1-../../etc");
            assert!(store.present(now).is_empty());
        }
        // The session name never leaves the presence folder, and the journal is untouched.
        assert!(!dir.path().join("journal.ron").exists());
        assert!(dir.path().join(FOLDER).is_dir());
        assert!(!dir.path().join("etc").exists());
    }
}
