//! The journal read on every core returns, refuses and sets aside what one thread does.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::Event;

type Scanned = (Vec<(Entry, u64, u64, usize)>, Result<(Start, Option<Torn>), Located>);

/// A chained journal of `n` events, each line a different length.
fn journal(n: usize) -> String {
    let at: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("time");
    let mut text = String::new();
    let mut prev = String::new();
    for i in 0..n {
        let event = Event::Backup { server: format!("BOS-MBX{i:05}"), note: "x".repeat(i % 37) };
        let (e, line) = journal::encode(i as u64 + 1, at, "op", None, event, &prev).expect("encode");
        prev = e.sum;
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn one_thread(text: &[u8]) -> Scanned {
    let mut seen = Vec::new();
    let result = journal::scan(text, Start::default(), |e, b, en, l| seen.push((e, b, en, l)));
    (seen, result)
}

/// Small batches, so a journal of a few thousand lines spans hundreds of them.
fn every_core(text: &[u8]) -> Scanned {
    let mut seen = Vec::new();
    let result = scan_with(text, Start::default(), 3, 700, None, |e, b, en, l| seen.push((e, b, en, l)));
    (seen, result)
}

fn same(what: &str, text: &[u8]) -> Scanned {
    let (a, b) = (one_thread(text), every_core(text));
    assert_eq!(a.1, b.1, "{what}: the same outcome");
    assert!(a.0 == b.0, "{what}: the same events handed on, in the same order");
    b
}

#[test]
fn a_whole_journal_reads_the_same_on_every_core() {
    let text = journal(5000);
    let (seen, result) = same("whole", text.as_bytes());
    assert_eq!(seen.len(), 5000);
    let (end, torn) = result.expect("a whole journal");
    assert_eq!((end.lines, end.seq, end.pos, torn), (5000, 5000, text.len() as u64, None));
    let blanks = text.replace("\n(seq:2000,", "\n\n  \n(seq:2000,");
    let (_, result) = same("blank lines", blanks.as_bytes());
    assert_eq!(result.expect("blank lines are skipped").0.lines, 5002);
}

#[test]
fn damage_in_the_middle_of_a_batch_is_refused_at_its_line_as_on_one_thread() {
    let text = journal(5000).replacen("BOS-MBX02500", "BOS-MBX02501", 1);
    let (seen, result) = same("edited", text.as_bytes());
    let err = result.expect_err("an edited line");
    assert_eq!(err.line, 2501);
    assert!(err.message.contains("checksum mismatch") && err.message.contains("damaged before its end"), "{err}");
    assert_eq!(seen.len(), 2500, "the lines before it were handed on");

    let whole = journal(5000);
    let mut lines: Vec<&str> = whole.lines().collect();
    lines.swap(3000, 3001);
    let err = same("out of order", (lines.join("\n") + "\n").as_bytes()).1.expect_err("swapped");
    assert!(err.message.contains("sequence 3002 follows 3000"), "{err}");

    let mut bytes = journal(5000).into_bytes();
    let at = bytes.len() / 3;
    bytes[at] = 0xff;
    let err = same("a damaged byte", &bytes).1.expect_err("not UTF-8");
    assert!(err.message.starts_with("not UTF-8 text"), "{err}");
}

#[test]
fn a_torn_last_line_is_set_aside_and_a_damaged_complete_one_refused_as_on_one_thread() {
    let text = journal(4000);
    let cut = text.len() - 20;
    let (seen, result) = same("torn", &text.as_bytes()[..cut]);
    let (end, torn) = result.expect("a torn tail is recoverable");
    assert_eq!((seen.len(), end.lines, torn.map(|t| t.0)), (3999, 3999, Some(4000)));

    let last = text.rfind("note:").expect("a note");
    let mut edited = text.clone();
    edited.replace_range(last..last + 5, "note: ");
    let err = same("last line edited", edited.as_bytes()).1.expect_err("a complete damaged last line");
    assert!(err.message.contains("the last line is damaged although complete"), "{err}");
}
