//! The derived-state cache: used when it provably matches the files, never when it does not.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use common::{NOW, Sample, record_as};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use sprout::app::{Action, App, Tab, Write as Record};
use sprout::live::Source;
use sprout::model::{CheckoutResult, Event};
use sprout::rules::{FleetView, SoakState};
use sprout::store::{self, Operator, journal};

/// Overwrite `path` with `text` and put its modification time back, as a careless tool might:
/// size and mtime are unchanged, only the kernel's ctime tells.
/// The derived-state cache of a data directory: in the user's cache directory, not in it.
fn cache_of(dir: &std::path::Path) -> std::path::PathBuf {
    store::FileStore::new(dir).cache_path().expect("a cache directory")
}

fn edit_keeping_size_and_mtime(path: &Path, edit: impl FnOnce(&str) -> String) {
    let before = fs::read_to_string(path).expect("read");
    let mtime = fs::metadata(path).and_then(|m| m.modified()).expect("mtime");
    let after = edit(&before);
    assert_eq!(before.len(), after.len(), "the edit keeps the size");
    assert_ne!(before, after, "the edit changes something");
    let mut f = OpenOptions::new().write(true).open(path).expect("open");
    f.write_all(after.as_bytes()).expect("write");
    f.set_modified(mtime).expect("restore mtime");
}

fn full_view(dir: &Path, rollout: Option<usize>, now: chrono::DateTime<chrono::Utc>) -> FleetView {
    let _ = fs::remove_file(cache_of(dir));
    let loaded = sprout::live::load_dir(dir).expect("load");
    assert_eq!(loaded.source, Source::Full);
    FleetView::build(&loaded.data, &loaded.state, rollout, now)
}

#[test]
fn a_second_load_comes_from_the_cache_and_equals_the_full_one() {
    let s = Sample::new();
    let full = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(full.source, Source::Full);
    assert!(cache_of(&s.path()).exists(), "a full load writes the cache");
    let cached = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(cached.source, Source::Cache { tail: 0 });
    assert_eq!(cached.state, full.state);
    assert_eq!(cached.data.journal, full.data.journal);
}

#[test]
fn a_fleet_edit_behind_the_cache_is_seen() {
    let s = Sample::new();
    sprout::live::load_dir(&s.path()).expect("load");
    edit_keeping_size_and_mtime(&s.file(store::FLEET), |t| t.replacen("BOS-NEWS01", "BOS-NEWS09", 1));
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(loaded.source, Source::Full, "a changed fleet.ron is never served from the cache");
    assert!(loaded.state.server("BOS-NEWS09").is_some(), "the edit shows");
    assert!(loaded.state.server("BOS-NEWS01").is_none());
}

#[test]
fn a_fleet_touched_or_written_again_unchanged_keeps_the_cache_and_a_real_edit_does_not() {
    let s = Sample::new();
    let full = sprout::live::load_dir(&s.path()).expect("load");
    let fleet = s.file(store::FLEET);
    let text = fs::read_to_string(&fleet).expect("read");
    // A touch, then the same bytes written to a new file in its place (a checkout): the
    // fleet's identity changes twice, its content never.
    File::options().write(true).open(&fleet).and_then(|f| f.set_modified(std::time::SystemTime::now())).expect("touch");
    let touched = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(touched.source, Source::Cache { tail: 0 }, "a touched fleet.ron is proved unchanged by its digest");
    assert_eq!(touched.state, full.state);
    fs::remove_file(&fleet).expect("remove");
    fs::write(&fleet, &text).expect("write again");
    let again = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(again.source, Source::Cache { tail: 0 }, "the same content checked out again");
    assert_eq!(again.state, full.state);
    let edit = text.replacen("users: 25)", "users: 26)", 1);
    assert_ne!(edit, text);
    fs::write(&fleet, edit).expect("a real edit");
    let edited = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(edited.source, Source::Full, "a changed fleet is replayed in full");
    assert_ne!(edited.state.servers, full.state.servers, "the edit shows");
}

#[test]
fn a_running_state_outlives_a_touch_of_the_baseline_and_not_an_edit() {
    let s = Sample::new();
    let mut loaded = sprout::live::load_dir(&s.path()).expect("load");
    let touch = |name: &str| {
        File::options().write(true).open(s.file(name)).and_then(|f| f.set_modified(std::time::SystemTime::now()))
    };
    for name in [store::FLEET, store::ROLLOUT, store::CATALOG] {
        touch(name).expect("touch");
        assert_eq!(sprout::live::refresh(&mut loaded).expect("refresh"), None, "{name} touched: nothing to read again");
        assert_eq!((loaded.epoch, &loaded.stamp), (0, &loaded.store.stamp()), "the same state, under the new identity");
    }
    // The cache written from it now is taken by the next load.
    sprout::live::cache::save(&loaded);
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 });

    let fleet = s.file(store::FLEET);
    let text = fs::read_to_string(&fleet).expect("read");
    fs::write(&fleet, text.replacen("users: 25)", "users: 26)", 1)).expect("a real edit");
    assert_eq!(sprout::live::refresh(&mut loaded).expect("refresh"), Some(sprout::live::CatchUp::Reloaded));
    assert_eq!(loaded.epoch, 1, "an edit is read again");
}

#[test]
fn a_catalog_or_rollout_edit_behind_the_cache_is_seen() {
    let s = Sample::new();
    sprout::live::load_dir(&s.path()).expect("load");
    edit_keeping_size_and_mtime(&s.file(store::ROLLOUT), |t| t.replacen("min_days: 3", "min_days: 4", 1));
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(loaded.source, Source::Full);
    assert!(loaded.data.plan.rollouts.iter().flat_map(|r| &r.phases).any(|p| p.soak.min_days == 4));
}

#[test]
fn a_journal_edit_behind_the_cache_is_refused_not_hidden() {
    let s = Sample::new();
    sprout::live::load_dir(&s.path()).expect("load");
    // Same length, same mtime: only the checksum of the edited line can tell, so the cache
    // must not be trusted and the full load must find it.
    edit_keeping_size_and_mtime(&s.file(store::JOURNAL), |t| t.replacen("Pass", "Fail", 1));
    let err = sprout::live::load_dir(&s.path()).expect_err("the edit is found").to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
}

#[test]
fn sprout_appends_are_read_as_a_tail_and_outside_ones_only_after_the_lines_before_are_proved() {
    let s = Sample::new();
    sprout::live::load_dir(&s.path()).expect("load");
    let checkout = |note: &str| Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "LAB-IMS01".into(),
        phase: "Lab".into(),
        result: CheckoutResult::Pass,
        note: note.into(),
    };
    // The first write starts the journal's generation (and caches it); the second is a tail.
    record_as(&s, "alice", NOW, checkout("first through sprout")).expect("record");
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 });
    record_as(&s, "alice", NOW, checkout("through sprout")).expect("record");
    let tail = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(tail.source, Source::Cache { tail: 1 }, "sprout's own append is read from the tail");
    let full = {
        let _ = fs::remove_file(cache_of(&s.path()));
        sprout::live::load_dir(&s.path()).expect("load")
    };
    assert_eq!(tail.state, full.state);

    // A correctly chained line appended by something else: the head does not vouch for it, so
    // the lines before it are proved by their chain first; then it is read, and the cache kept
    // under the journal as it now is.
    let index = &full.data.journal;
    let at = NOW.parse().expect("time");
    let (_, line) = journal::encode(index.seq + 1, at, "bob", None, checkout("by hand"), &index.sum).expect("encode");
    let mut f = OpenOptions::new().append(true).open(s.file(store::JOURNAL)).expect("open");
    writeln!(f, "{line}").expect("append");
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(loaded.source, Source::Cache { tail: 1 });
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 }, "kept anew");
    let _ = fs::remove_file(cache_of(&s.path()));
    let whole = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!((whole.source, &whole.state), (Source::Full, &loaded.state), "as a full read finds it");

    // With a line before it edited in place as well, the proof fails: read whole, and refused.
    let text = fs::read_to_string(s.file(store::JOURNAL)).expect("read");
    fs::write(s.file(store::JOURNAL), text.replacen("Pass", "Fail", 1)).expect("edit");
    writeln!(OpenOptions::new().append(true).open(s.file(store::JOURNAL)).expect("open"), "{line}").expect("append");
    let err = sprout::live::load_dir(&s.path()).expect_err("the edit is found").to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
}

#[test]
fn a_cache_others_may_write_is_never_used_and_sprout_keeps_its_own_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sample::new();
    let full = sprout::live::load_dir(&s.path()).expect("load");
    let path = cache_of(&s.path());
    let mode = |p: &Path| fs::metadata(p).expect("cache").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the cache is this user's alone");
    // A cache anyone may write (planted, or left open by a shared XDG_CACHE_HOME) decides
    // nothing: the next load reads the files and keeps a private cache again.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).expect("chmod");
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(loaded.source, Source::Full);
    assert_eq!(loaded.state, full.state);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Cache { tail: 0 });
}

#[test]
fn a_damaged_cache_is_ignored() {
    let s = Sample::new();
    let full = sprout::live::load_dir(&s.path()).expect("load");
    let path = cache_of(&s.path());
    let mut bytes = fs::read(&path).expect("cache");
    let n = bytes.len();
    bytes[n / 2] ^= 0x40;
    fs::write(&path, bytes).expect("write");
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(loaded.source, Source::Full);
    assert_eq!(loaded.state, full.state);
    File::create(&path).expect("truncate");
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Full);
}

#[test]
fn a_dashboard_sees_an_edit_behind_its_back() {
    let s = Sample::new();
    let now = NOW.parse().expect("time");
    let op = Operator { name: "watcher".into(), from: None };
    let mut app = App::load(sprout::store::FileStore::open(s.path()), op, true, now, true, Some(0)).expect("app");
    edit_keeping_size_and_mtime(&s.file(store::FLEET), |t| t.replacen("BOS-NEWS01", "BOS-NEWS09", 1));
    assert!(app.watch(), "the change is noticed");
    assert!(app.live.state.server("BOS-NEWS09").is_some());
    assert_eq!(app.view, full_view(&s.path(), Some(0), now));
}

/// Events about single servers re-derive only those rows and lines; the result must be what a
/// full build gives, on a fleet large enough that the derivation runs on two threads.
#[test]
fn incremental_derivation_equals_a_full_build_at_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = "2026-11-24T12:00:00Z".parse().expect("time");
    for (name, text) in sprout::synthetic::generate(25_000, 50_000, now).expect("generate") {
        fs::write(dir.path().join(name), text).expect("write");
    }
    let op = Operator { name: "driver".into(), from: None };
    let mut app = App::load(sprout::store::FileStore::open(dir.path().to_path_buf()), op, false, now, true, Some(0))
        .expect("app");
    let members = app.current_members().len();
    assert!(members > 4096, "the current phase is large enough for two threads ({members})");
    // Servers of the current phase not yet started, spread through the phase.
    let waiting: Vec<usize> = app
        .current_members()
        .iter()
        .copied()
        .filter(|&i| app.view.rows[i].soak == Some(SoakState::NotStarted))
        .filter(|&i| {
            // Below the target, with its prerequisite (NT SP5): an install the rules accept.
            let levels = &app.live.state.servers[i].products;
            levels.get("ex55").is_some_and(|&l| l < 4) && levels.get("nt4").is_some_and(|&l| l >= 5)
        })
        .collect();
    assert!(waiting.len() > 100, "servers left to install ({})", waiting.len());
    app.update(Action::Tab(Tab::Server));
    for &i in [waiting[0], waiting[waiting.len() / 2], waiting[waiting.len() - 1]].iter() {
        app.selected = Some(i);
        for write in [Record::Backup, Record::Install, Record::Checkout] {
            app.update(Action::Record(write));
            for _ in 0..4 {
                if app.overlay.is_none() {
                    break;
                }
                app.handle_key(KeyEvent::from(KeyCode::Enter));
            }
            let notice = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
            assert!(notice.starts_with("✓ recorded"), "{notice}");
        }
        assert!(matches!(app.view.rows[i].soak, Some(SoakState::Soaking { .. })), "{:?}", app.view.rows[i].soak);
    }
    assert_eq!(app.view, full_view(dir.path(), Some(0), now), "the same rows, members, gates and waiting lines");
    let _ = fs::remove_file(cache_of(dir.path()));
    let _ = sprout::store::dir::witness::path(dir.path()).map(fs::remove_file);
}

#[test]
fn a_record_reads_the_cache_it_opened_and_never_takes_bytes_changed_under_it() {
    let s = Sample::new();
    let full = sprout::live::load_dir(&s.path()).expect("load");
    let store = store::FileStore::open(s.path());
    let lazy = sprout::live::load_on_demand(&store).expect("load on demand");
    assert_eq!(lazy.source, Source::Cache { tail: 0 });
    assert!(!lazy.state.servers.decoded(), "no server is read before a rule looks");
    // Another sprout writes its cache meanwhile: a new file put in its place.
    let path = cache_of(&s.path());
    let replacement = path.with_extension("new");
    fs::write(&replacement, b"another sprout's cache").expect("write");
    fs::rename(&replacement, &path).expect("rename");
    let name = full.state.servers[0].name.clone();
    assert_eq!(lazy.state.server_index(&name), Some(0));
    assert_eq!(lazy.state.servers[0], full.state.servers[0], "read from the file it opened");
    assert!(!lazy.state.damaged());
    // Bytes changed in place, in the same file, are never taken: the chunk's sum says so.
    assert_eq!(sprout::live::load_dir(&s.path()).expect("load").source, Source::Full);
    let lazy = sprout::live::load_on_demand(&store).expect("load on demand");
    let mut bytes = fs::read(&path).expect("read the cache");
    // The body starts right after the 16 bytes of magic.
    let first_chunk = 16;
    bytes[first_chunk + 1] ^= 0x55;
    {
        use std::os::unix::fs::FileExt;
        let file = OpenOptions::new().write(true).open(&path).expect("open in place");
        file.write_all_at(&bytes[first_chunk..first_chunk + 2], first_chunk as u64).expect("write in place");
    }
    assert_eq!(lazy.state.server_index(&name), None, "no answer from a damaged chunk");
    assert!(lazy.state.damaged(), "and the state says so");
}

/// A journal large enough to be decoded on every core (`store::scan`), its fleet parsed beside
/// it: the state is exactly the one a one-thread read and replay give, and a damaged line in
/// the middle is refused with the one-thread read's own message, at its line.
#[test]
fn a_load_on_every_core_gives_the_state_and_the_messages_one_thread_gives() {
    use sprout::model::Data;
    use sprout::rules::State;
    use sprout::store::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("now").with_timezone(&chrono::Utc);
    for (name, text) in sprout::synthetic::generate(2000, 25_000, now).expect("generate") {
        fs::write(dir.path().join(name), text).expect("write");
    }
    let journal_path = dir.path().join(store::JOURNAL);
    let text = fs::read_to_string(&journal_path).expect("journal");
    assert!(text.len() as u64 > store::scan::MIN_PARALLEL_BYTES, "{} bytes: read on every core", text.len());

    let loaded = sprout::live::load_dir(dir.path()).expect("load");
    assert_eq!(loaded.source, Source::Full);
    let files = store::FileStore::new(dir.path());
    let plans = files.plans().expect("plans");
    let data = Data {
        catalog: plans.catalog,
        fleet: files.fleet().expect("fleet"),
        plan: plans.plan,
        journal: Default::default(),
        team: plans.team,
    };
    let one_thread = journal::parse(&text).expect("one thread");
    assert_eq!(loaded.data.journal.len(), 25_000);
    assert_eq!(*loaded.state, State::replay(&data, &one_thread.entries), "the same state, server by server");

    // A changed line in the middle of the journal (and of a batch): the same refusal.
    let at = text.len() / 2 + text[text.len() / 2..].find("by:\"").expect("a line");
    let mut damaged = text.clone();
    damaged.replace_range(at..at + 5, "by:\"X");
    fs::write(&journal_path, &damaged).expect("damage");
    let expected = journal::parse(&damaged).expect_err("one thread refuses it");
    assert!(expected.line > 10_000 && expected.message.contains("damaged before its end"), "{expected}");
    let err = sprout::live::load_dir(dir.path()).expect_err("refused").to_string();
    let place = format!("journal.ron:{}:{}: {}", expected.line, expected.col, expected.message);
    assert!(err.contains(&place), "{err}\nexpected: {place}");
}

/// What `sprout check` counts in the sample's directory, replaying everything.
fn checked(s: &Sample) -> usize {
    let store = store::FileStore::open(s.path());
    sprout::live::check(&store, NOW.parse().expect("time")).err().map_or(0, |p| p.len())
}

#[test]
fn a_start_after_journal_ron_was_touched_or_appended_to_by_hand_counts_its_problems_with_no_replay() {
    use sprout::live::checked::count_loaded;
    let s = Sample::new();
    let first = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(first.source, Source::Full);
    let before = checked(&s);
    assert_eq!(count_loaded(&first), Some(before), "the full load judged the journal as check does");

    // Touched: the file's identity changes, its lines do not.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    File::options().write(true).open(s.file(store::JOURNAL)).and_then(|f| f.set_modified(later)).expect("touch");
    let touched = sprout::live::load_dir(&s.path()).expect("load");
    assert!(matches!(touched.source, Source::Cache { .. }), "{:?}", touched.source);
    assert_eq!(count_loaded(&touched), Some(before), "counted from the judgement kept with the cache");

    // A phase opened with its gates unmet, appended around the write path: no judgement was
    // kept for it, so it is judged as the tail is applied.
    common::append_by_hand(&s, "mallory", common::opening_unmet());
    let appended = sprout::live::load_dir(&s.path()).expect("load");
    assert_eq!(appended.source, Source::Cache { tail: 1 });
    let after = checked(&s);
    assert_eq!(after, before + 1, "check counts the refusal");
    assert_eq!(count_loaded(&appended), Some(after), "judged with the tail, no replay");
}
