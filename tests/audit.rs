//! A running state's content proved again (`live::audit`): an edit the files' identities do
//! not show is found, whatever file it is in, and the state is read again without the cache.

mod common;

use std::fs;

use common::tmux::Tmux;
use common::{NOW, Sample, ims01_pass, record_as};
use sprout::live::audit::{Basis, audit, reload_afresh};
use sprout::live::{Loaded, Source};
use sprout::store::{self, journal};

/// The sample loaded, and what its state was built from, proved as it is.
fn loaded(s: &Sample) -> (Loaded, Basis) {
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let basis = Basis::of(&loaded);
    assert_eq!(audit(&loaded.store, &basis), Ok(()), "nothing changed yet");
    (loaded, basis)
}

/// `path` with its text changed in place, its length kept.
fn edit(path: &std::path::Path, edit: impl FnOnce(&str) -> String) {
    let before = fs::read_to_string(path).expect("read");
    let after = edit(&before);
    assert_eq!((before.len(), before != after), (after.len(), true), "a same-length edit");
    fs::write(path, after).expect("write");
}

#[test]
fn an_edited_journal_line_is_found_and_so_is_a_chain_made_again_after_it() {
    let s = Sample::new();
    let (live, basis) = loaded(&s);
    let path = s.file(store::JOURNAL);
    let text = fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let k = lines.iter().position(|l| l.contains("Pass")).expect("a checkout that passed");
    assert!(k + 1 < lines.len(), "the edited line is not the last");

    // The line alone changed: its own sum says so.
    edit(&path, |t| t.replacen("Pass", "Fail", 1));
    let found = audit(&live.store, &basis).expect_err("found");
    assert!(found.contains(&format!("journal.ron:{}", k + 1)) && found.contains("checksum mismatch"), "{found}");

    // Every line from it on sealed again and chained: each line holds, the chain holds, and
    // only the last sum, which the state holds, tells.
    let mut prev = String::new();
    let mut out = String::new();
    for (i, line) in text.replacen("Pass", "Fail", 1).lines().enumerate() {
        let line = if i < k {
            line.to_string()
        } else {
            // Read as RON (the edited line's sum no longer matches), chained to the line before.
            let mut e: sprout::model::Entry = store::parse::ron(store::JOURNAL, line, i + 1).expect("a line");
            e.prev = prev.clone();
            journal::seal(e).expect("seal").1
        };
        prev = journal::decode(&line, i + 1).expect("a sealed line").sum;
        out.push_str(&line);
        out.push('\n');
    }
    assert_eq!(out.len(), text.len());
    fs::write(&path, &out).expect("write");
    assert!(journal::parse(&out).is_ok(), "the journal made again reads as whole");
    let found = audit(&live.store, &basis).expect_err("found");
    assert!(found.contains("not the ones read") && found.contains("journal.ron"), "{found}");
}

#[test]
fn a_fleet_or_rollout_edit_is_found_and_an_append_by_the_write_path_is_not_a_difference() {
    let s = Sample::new();
    let (live, basis) = loaded(&s);
    record_as(&s, "bob", NOW, ims01_pass()).expect("an append");
    assert_eq!(audit(&live.store, &basis), Ok(()), "the lines read are still there, the new one after them");

    let fleet = s.file(store::FLEET);
    let text = fs::read_to_string(&fleet).expect("read");
    edit(&fleet, |t| t.replacen("BOS-NEWS01", "BOS-NEWS09", 1));
    let found = audit(&live.store, &basis).expect_err("found");
    assert!(found.starts_with(&format!("{}: not what the dashboard", fleet.display())), "{found}");
    fs::write(&fleet, text).expect("put back");
    assert_eq!(audit(&live.store, &basis), Ok(()), "the same content again");

    edit(&s.file(store::ROLLOUT), |t| t.replacen("min_days: 3", "min_days: 1", 1));
    let found = audit(&live.store, &basis).expect_err("found");
    assert!(found.contains("rollout.ron") && found.contains("not what the dashboard"), "{found}");
}

#[test]
fn a_difference_reads_everything_again_and_lets_the_cache_go_even_when_the_read_fails() {
    let s = Sample::new();
    let (mut live, _) = loaded(&s);
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 });
    edit(&s.file(store::FLEET), |t| t.replacen("BOS-NEWS01", "BOS-NEWS09", 1));
    reload_afresh(&mut live).expect("read again");
    assert_eq!((live.source, live.epoch), (Source::Full, 1));
    assert!(live.state.server("BOS-NEWS09").is_some(), "the fleet as the file holds it");

    // A journal damaged in the middle: the read fails, the state stays, the cache is gone.
    edit(&s.file(store::JOURNAL), |t| t.replacen("Pass", "Fail", 1));
    let err = reload_afresh(&mut live).expect_err("the damage is reported").to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_eq!(live.epoch, 1, "the last good state is kept");
    let cache = store::FileStore::new(s.path()).cache_path().expect("a cache directory");
    assert_eq!(fs::metadata(&cache).map(|m| m.len()).ok(), Some(0), "no start takes the old state from the cache");
    assert!(sprout::live::load_dir(&s.path()).is_err(), "the next start reads everything and finds it");
}

/// A whole file mapped shared and writable: what is written to it reaches the file, and the
/// kernel sets the file's times only at the first write to a page.
struct Mapped {
    at: *mut u8,
    len: usize,
}

impl Mapped {
    fn of(path: &std::path::Path) -> Mapped {
        use std::os::fd::AsRawFd;
        let file = fs::OpenOptions::new().read(true).write(true).open(path).expect("open");
        let len = usize::try_from(file.metadata().expect("metadata").len()).expect("length");
        let prot = libc::PROT_READ | libc::PROT_WRITE;
        // SAFETY: a fresh mapping of a file this test owns; the mapping outlives the descriptor.
        let at = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, file.as_raw_fd(), 0) };
        assert_ne!(at, libc::MAP_FAILED, "mmap");
        Mapped { at: at.cast(), len }
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes are mapped at `at` until `drop`.
        unsafe { std::slice::from_raw_parts_mut(self.at, self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: unmapped once, as mapped.
        unsafe { libc::munmap(self.at.cast(), self.len) };
    }
}

/// `fleet` mapped, where BOS-NEWS01's last digit is, and the identity after the first write to
/// its page, of the byte already there: the file's times change, its content does not.
fn first_write(fleet: &std::path::Path) -> (Mapped, usize, (u64, i64, i64, u64)) {
    let mut map = Mapped::of(fleet);
    let at = fs::read_to_string(fleet).expect("read").find("BOS-NEWS01").expect("the server") + "BOS-NEWS0".len();
    let byte = map.bytes()[at];
    map.bytes()[at] = byte;
    (map, at, identity(fleet))
}

/// What a look between changes compares: length, modification and change times, inode.
fn identity(path: &std::path::Path) -> (u64, i64, i64, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).expect("metadata");
    (m.len(), m.mtime_nsec() + m.mtime() * 1_000_000_000, m.ctime_nsec() + m.ctime() * 1_000_000_000, m.ino())
}

#[test]
fn a_running_dashboard_finds_a_fleet_edit_made_through_a_shared_mapping_and_shows_it() {
    let s = Sample::new();
    let t = Tmux::new("audit");
    let bin = env!("CARGO_BIN_EXE_sprout");
    let command = format!("SPROUT_TEST_AUDIT_SOON=1 {bin} --data {} --now {NOW}", s.path().display());
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "100", "-y", "30", &command]);
    t.wait_for("BOS-NEWS01");
    let fleet = s.file(store::FLEET);
    // The dashboard's next look takes the new identity for the same content.
    let (mut map, at, taken) = first_write(&fleet);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // The edit itself: the page is already written, so nothing marks the file.
    map.bytes()[at] = b'9';
    drop(map);
    assert_eq!(identity(&fleet), taken, "the edit left the fleet's identity as the dashboard took it");
    assert!(fs::read_to_string(&fleet).expect("read").contains("BOS-NEWS09"));
    let screen = t.wait_for("read everything again");
    assert!(screen.contains("⚠ ") && screen.contains("fleet.ron: not what the dashboard was showing"), "{screen}");
    let screen = t.wait_for("BOS-NEWS09");
    assert!(!screen.contains("BOS-NEWS01"), "the fleet as the file holds it:\n{screen}");
    // Another operator's write says so on the notice line, the alarm stays over it until read.
    let run = s.run(&["record", "backup", "BOS-PF02", "--note", "routine"]);
    assert!(run.ok, "{}", run.stderr);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let screen = t.screen();
    assert!(screen.contains("● BOS-PF02") && screen.contains("fleet.ron: not what"), "{screen}");
    t.keys(&["m"]);
    t.wait_for("read everything again");
    t.keys(&["Escape"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let screen = t.screen();
    assert!(!screen.contains("fleet.ron: not what"), "read in :messages, the alarm is gone:\n{screen}");
    t.keys(&["q"]);
}

#[test]
fn a_fleet_edited_through_a_mapping_within_a_minute_of_a_load_is_not_served_from_its_cache() {
    let s = Sample::new();
    let fleet = s.file(store::FLEET);
    let (mut map, at, taken) = first_write(&fleet);
    // A command's load: it writes the cache under the fleet's identity as it is now.
    assert!(sprout::live::load_dir(&s.path()).expect("load").state.server("BOS-NEWS01").is_some());
    map.bytes()[at] = b'9';
    drop(map);
    assert_eq!(identity(&fleet), taken, "the edit left the fleet's identity as the load took it");
    // The identity was a minute young: it keyed nothing, and the digest tells.
    let next = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(next.source, Source::Full);
    assert!(next.state.server("BOS-NEWS09").is_some() && next.state.server("BOS-NEWS01").is_none());
    // Unchanged since, the cache is taken again (by the digest while the identity is young).
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 });
}

#[test]
fn a_journal_edit_behind_a_head_forged_to_vouch_for_it_is_refused_not_hidden_by_the_cache() {
    use sprout::store::dir::{files::FileId, head};
    let s = Sample::new();
    record_as(&s, "bob", NOW, ims01_pass()).expect("a record: the directory has a head");
    sprout::live::load_dir(&s.path()).expect("load: the cache");
    let journal = s.file(store::JOURNAL);
    edit(&journal, |t| t.replacen("Pass", "Fail", 1));
    // The head rewritten to name the edited journal, in the same generation, as anyone who can
    // write the directory can.
    let h = head::read(&s.path()).expect("a head");
    head::write(&s.path(), head::Head { journal: FileId::of(&journal).expect("an identity"), ..h }).expect("forge");
    let err = sprout::live::load_dir(&s.path()).expect_err("read whole, the edit found").to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
}

#[test]
fn a_postgresql_journal_row_changed_behind_the_triggers_is_found() {
    let Some(place) = common::place::Place::pg() else { return };
    let common::place::Place::Pg(cluster, _) = &place else { unreachable!("a database") };
    let store = place.store();
    let live = sprout::live::load(&store).expect("load");
    let basis = Basis::of(&live);
    assert_eq!(audit(&store, &basis), Ok(()));
    // Only a superuser can turn off the triggers that refuse every UPDATE of the journal.
    let sql = "ALTER TABLE journal DISABLE TRIGGER ALL; \
               UPDATE journal SET sum = repeat('0', 32) WHERE seq = (SELECT max(seq) FROM journal); \
               ALTER TABLE journal ENABLE TRIGGER ALL";
    cluster.sql("postgres", common::pg::DB, sql);
    let found = audit(&store, &basis).expect_err("found");
    assert!(found.contains("not the ones read"), "{found}");
}

#[test]
fn a_difference_that_stays_is_said_once_not_at_every_proof() {
    use std::time::{Duration, Instant};
    let s = Sample::new();
    let (live, _) = loaded(&s);
    edit(&s.file(store::JOURNAL), |t| t.replacen("Pass", "Fail", 1));
    // Proofs one after another (a dashboard's come a minute apart): each finds the same.
    let paced =
        || sprout::live::audit::Auditor::paced(std::sync::Arc::clone(&live.store), Duration::ZERO, Duration::ZERO);
    let mut auditor = paced();
    let poll_for = |auditor: &mut sprout::live::audit::Auditor, wait: Duration| {
        let until = Instant::now() + wait;
        let (mut said, mut polls) = (Vec::new(), 0);
        while Instant::now() < until {
            said.extend(auditor.poll(&live));
            polls += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        (said, polls)
    };
    let (said, polls) = poll_for(&mut auditor, Duration::from_secs(3));
    assert!(polls > 100, "many proofs ran: {polls} polls");
    assert_eq!(said.len(), 1, "said once, not {} times", said.len());
    assert!(said[0].contains("checksum mismatch"), "{said:?}");
}
