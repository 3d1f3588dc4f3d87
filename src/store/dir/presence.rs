//! Presence in a data directory: one small file per running dashboard in `presence/`, written
//! whole (temp file, rename), removed on exit, ignored when stale. Never part of the journal.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::store::Presence;

pub const FOLDER: &str = "presence";
/// A presence file larger than this is not a presence file.
const MAX_BYTES: u64 = 4096;
/// Presence files read at most: a folder flooded with files cannot stall every dashboard.
const MAX_FILES: usize = 256;

/// The file of a session; the name keeps only characters that are safe in a file name.
fn path(dir: &Path, session: &str) -> PathBuf {
    let safe: String = session
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    dir.join(FOLDER).join(format!("{}.ron", safe.trim_start_matches('.')))
}

pub fn announce(dir: &Path, presence: &Presence) -> Result<(), String> {
    let folder = dir.join(FOLDER);
    fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let text = ron::to_string(presence).map_err(|e| e.to_string())?;
    let path = path(dir, &presence.session);
    super::atomic::write(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn present(dir: &Path, now: DateTime<Utc>) -> Vec<Presence> {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = fs::read_dir(dir.join(FOLDER)) else { return Vec::new() };
    let mut out: Vec<Presence> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".ron"))
        .take(MAX_FILES)
        .filter_map(|e| {
            // Never follow a link; a regular file of a presence file's size only.
            let meta = fs::symlink_metadata(e.path()).ok()?;
            (meta.is_file() && meta.len() <= MAX_BYTES).then_some(())?;
            let text = fs::read_to_string(e.path()).ok()?;
            let mut p = crate::store::parse::ron::<Presence>(FOLDER, &text, 1).ok()?;
            // Who a presence is, is whose file it is: anyone who can write the folder could
            // claim to be the driver. Root's files keep their claim (root can be anyone anyway,
            // and a dashboard under sudo announces the account that ran sudo).
            if meta.uid() != 0 {
                p.operator = crate::store::operator::account(meta.uid());
            }
            Some(p)
        })
        .filter(|p| !p.is_stale(now))
        .collect();
    out.sort_by(|a, b| a.operator.cmp(&b.operator).then_with(|| a.session.cmp(&b.session)));
    out
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

pub fn withdraw(dir: &Path, session: &str) {
    let _ = fs::remove_file(path(dir, session));
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
