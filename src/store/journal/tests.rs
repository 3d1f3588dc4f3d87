//! The journal line format's own tests: encode, decode, the chain.

use super::*;

fn event(note: &str) -> Event {
    Event::Backup { server: "BOS-MBX01".into(), note: note.into() }
}

fn now() -> DateTime<Utc> {
    "2000-11-24T12:00:00Z".parse().expect("time")
}

fn journal(n: usize) -> String {
    let mut text = String::new();
    let mut prev = String::new();
    for i in 0..n {
        let (e, line) =
            encode(i as u64 + 1, now(), "op", None, event(&format!("tape {i}\nsecond line")), &prev).expect("encode");
        prev = e.sum;
        text.push_str(&line);
        text.push('\n');
    }
    text
}

#[test]
fn a_line_round_trips_and_stays_one_line() {
    let text = journal(3);
    assert_eq!(text.lines().count(), 3, "notes with newlines must not split a line");
    let parsed = parse(&text).expect("parse");
    assert_eq!(parsed.entries.len(), 3);
    assert_eq!(parsed.entries[2].seq, 3);
    assert_eq!(parsed.entries[1].prev, parsed.entries[0].sum);
    assert!(matches!(&parsed.entries[0].event, Event::Backup { note, .. } if note == "tape 0\nsecond line"));
}

#[test]
fn a_torn_last_line_is_cut_off_not_fatal() {
    let text = journal(3);
    let cut = text.len() - 20;
    let parsed = parse(&text[..cut]).expect("torn tail is recoverable");
    assert_eq!(parsed.entries.len(), 2);
    assert!(matches!(parsed.torn, Some((3, _, _))));
}

#[test]
fn an_edited_middle_line_is_refused_at_that_line() {
    let text = journal(3).replacen("tape 1", "tape 9", 1);
    let err = parse(&text).expect_err("edited line");
    assert_eq!(err.line, 2);
    assert!(err.message.contains("checksum mismatch"), "{err}");
}

#[test]
fn a_first_line_carries_an_identity_or_nothing_never_a_removed_lines_sum() {
    let first = |prev: &str| encode(1, now(), "op", None, event("tape"), prev).expect("encode").1 + "\n";
    let id = new_identity();
    assert!(id.starts_with("start:") && id.len() == 38, "{id}");
    assert_ne!(id, new_identity(), "random");
    assert!(parse(&first(&id)).is_ok(), "a new journal's first line");
    assert!(parse(&first("")).is_ok(), "an older journal's first line");
    let err = parse(&first(&"a".repeat(32))).expect_err("a front truncation leaves a sum as the first prev");
    assert!(err.message.contains("neither empty nor the journal's identity"), "{err}");
}

#[test]
fn a_removed_line_breaks_the_sequence() {
    let text = journal(3);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    let err = parse(&(lines.join("\n") + "\n")).expect_err("gap");
    assert_eq!(err.line, 2);
    assert!(err.message.contains("sequence 3 follows 1"), "{err}");
}
