//! A dashboard woken by another process's append, before that writer has rewritten the head
//! that vouches for it, waits a moment for the head and reads the tail alone, instead of
//! reading everything again (0.6 s at 100,000 servers); with no head coming, it still reads
//! everything and misses nothing.

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
    let head = s.path().join(".sprout.head");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(3));
        std::fs::write(head, after).expect("the writer's head");
    });
    let caught = refresh(&mut loaded).expect("refresh");
    writer.join().expect("the writer");
    assert_eq!(caught, Some(CatchUp::Appended(events)), "the tail alone, not everything again");
    assert_eq!(loaded.data.journal.len(), events + 1);
}

#[test]
fn an_append_no_head_ever_vouches_for_is_read_whole() {
    let s = Sample::new();
    backup(&s, "tape 1");
    let mut loaded = sprout::live::load_dir(&s.path()).expect("load");
    let events = loaded.data.journal.len();
    appended_before_its_head(&s);
    assert_eq!(refresh(&mut loaded).expect("refresh"), Some(CatchUp::Reloaded));
    assert_eq!(loaded.data.journal.len(), events + 1, "nothing missed");
}
