//! A dashboard woken by another process's append, before that writer has rewritten the head
//! that vouches for it, takes nothing yet and reads the tail alone once the head follows (the
//! head's rewrite wakes it again), instead of sleeping on its input thread or reading
//! everything again (0.6 s at 100,000 servers); with no head coming within `HEAD_GRACE`, it
//! proves the lines before the append (their chain) and reads the rest, missing nothing.

mod common;

use std::time::Duration;

use common::{NOW, Sample};
use sprout::live::{CatchUp, refresh};
use sprout::model::Event;

fn backup(s: &Sample, note: &str) {
    let event = Event::Backup { server: "BOS-PF01".into(), note: note.into() };
    common::record_as(s, "mfinger", NOW, event).expect("recorded by another operator");
}

/// An append whose head is the one before it, as a look between the two finds it; the
/// head that vouches for it, to put back.
fn appended_before_its_head(s: &Sample) -> Vec<u8> {
    let head = s.path().join(".sprout.head");
    let before = std::fs::read(&head).expect("a head after a sprout write");
    backup(s, "tape 2");
    let after = std::fs::read(&head).expect("the head");
    assert_ne!(before, after, "the writer rewrote the head");
    std::fs::write(&head, before).expect("the head as before the append");
    after
}

#[test]
fn an_append_seen_before_its_head_is_read_as_a_tail_once_the_head_follows() {
    let s = Sample::new();
    backup(&s, "tape 1");
    let mut loaded = sprout::live::load_dir(&s.path()).expect("load");
    let events = loaded.data.journal.len();
    let after = appended_before_its_head(&s);
    let looked = std::time::Instant::now();
    assert_eq!(refresh(&mut loaded).expect("refresh"), None, "nothing yet: the head has not vouched");
    assert!(looked.elapsed() < Duration::from_millis(30), "the look does not wait for the head");
    assert_eq!(loaded.data.journal.len(), events, "the unproven line is not taken");
    assert_eq!(refresh(&mut loaded).expect("refresh"), None, "still nothing while the head is missing");
    std::fs::write(s.path().join(".sprout.head"), after).expect("the writer's head");
    let caught = refresh(&mut loaded).expect("refresh");
    assert_eq!(caught, Some(CatchUp::Appended(events)), "the tail alone, not everything again");
    assert_eq!(loaded.data.journal.len(), events + 1);
    assert!(loaded.unvouched.is_none());
}

/// The dashboard's watcher: nothing to draw while the head is missing, the event once it comes.
#[test]
fn the_watcher_draws_the_append_once_its_head_comes() {
    let s = Sample::new();
    backup(&s, "tape 1");
    let mut app = common::app_on(s.path());
    let events = app.live.data.journal.len();
    let after = appended_before_its_head(&s);
    assert!(!app.watch(), "nothing to draw before the head vouches for the append");
    std::fs::write(s.path().join(".sprout.head"), after).expect("the writer's head");
    assert!(app.watch(), "the append, once vouched for");
    assert_eq!(app.live.data.journal.len(), events + 1);
}

#[test]
fn an_append_no_head_ever_vouches_for_is_read_after_the_lines_before_it_are_proved() {
    let s = Sample::new();
    backup(&s, "tape 1");
    let mut loaded = sprout::live::load_dir(&s.path()).expect("load");
    let events = loaded.data.journal.len();
    appended_before_its_head(&s);
    assert_eq!(refresh(&mut loaded).expect("refresh"), None, "left for the head at first");
    std::thread::sleep(sprout::live::HEAD_GRACE);
    let caught = refresh(&mut loaded).expect("refresh");
    assert_eq!(caught, Some(CatchUp::Appended(events)), "no head came: the tail, once the lines before it are proved");
    assert_eq!((loaded.data.journal.len(), loaded.epoch), (events + 1, 0), "nothing missed, nothing read again");
}

/// A touch of journal.ron, or a writer that began a new generation, is not a reason to read
/// everything again when the lines the state was read from are there as they were; an edit
/// among them is.
#[test]
fn a_touched_journal_keeps_the_state_and_an_edit_before_its_end_does_not() {
    let s = Sample::new();
    backup(&s, "tape 1");
    let mut loaded = sprout::live::load_dir(&s.path()).expect("load");
    let journal = s.path().join(sprout::store::JOURNAL);
    let touch = || {
        std::fs::File::options().write(true).open(&journal).and_then(|f| f.set_modified(std::time::SystemTime::now()))
    };
    touch().expect("touch");
    assert_eq!(refresh(&mut loaded).expect("refresh"), Some(CatchUp::Unchanged));
    assert_eq!(loaded.epoch, 0, "the same state");
    assert_eq!(refresh(&mut loaded).expect("refresh"), None, "and under the new identity: nothing to look at again");
    // The next record finds the journal changed since its head (the touch) and begins a new
    // generation: proved as well, and only its line read.
    backup(&s, "tape 2");
    assert!(matches!(refresh(&mut loaded).expect("refresh"), Some(CatchUp::Appended(_))));
    assert_eq!(loaded.epoch, 0);

    let text = std::fs::read_to_string(&journal).expect("read");
    std::fs::write(&journal, text.replacen("Pass", "Fail", 1)).expect("an edit before the end");
    let err = refresh(&mut loaded).expect_err("the edit is refused at its line").to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
}
