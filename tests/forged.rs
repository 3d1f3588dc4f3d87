// What an attacker with write access to the data directory (and nothing else) tried against
// signed events, step by step as they did it: each attempt must be caught, never shown as proven.
mod common;
#[path = "common/signing.rs"]
mod signing;

use std::os::unix::fs::FileExt;

use signing::{World, backup, fingerprint, sign_with_keygen};
use sprout::model::{Entry, Event};
use sprout::store::dir::{files::FileId, head};
use sprout::store::journal;

/// Line `n` (1-based) replaced in place by an unsigned Backup of the same length with its own
/// sum, chained where the old line was: the file keeps its size up to there and its inode.
fn hide_line(w: &World, n: usize) {
    let lines = w.lines();
    let old = journal::decode(&lines[n - 1], n).expect("old line");
    let forged = |note: String| {
        let e = Entry { event: backup(&note), sig: None, sum: String::new(), ..old.clone() };
        journal::seal(e).expect("seal").1
    };
    let pad = lines[n - 1].len() - forged(String::new()).len();
    let new = forged("x".repeat(pad));
    assert_eq!(new.len(), lines[n - 1].len(), "same length");
    let offset: usize = lines[..n - 1].iter().map(|l| l.len() + 1).sum();
    let file = std::fs::OpenOptions::new().write(true).open(w.s.file("journal.ron")).expect("open");
    file.write_at(new.as_bytes(), offset as u64).expect("write in place");
}

/// A line for `who` signed with `key`, chained to the file's last line, appended.
fn append_signed(w: &World, who: &str, key: &(std::path::PathBuf, String), note: &str) {
    let lines = w.lines();
    let last = journal::decode(&lines[lines.len() - 1], lines.len()).expect("last line");
    let mut e = Entry {
        seq: last.seq + 1,
        at: last.at,
        by: who.into(),
        from: None,
        event: backup(note),
        prev: last.sum,
        sig: None,
        sum: String::new(),
    };
    sign_with_keygen(&mut e, &key.0, &key.1, w.s.dir.path());
    let line = journal::seal(e).expect("seal").1;
    let mut file = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("open");
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("append");
}

/// The head file rewritten to describe the journal as it now is, in the same generation.
fn forge_head(w: &World) {
    let dir = w.s.path();
    let old = head::read(&dir).expect("a head");
    let journal = FileId::of(&w.s.file("journal.ron")).expect("journal id");
    head::write(&dir, head::Head { journal, generation: old.generation }).expect("head");
}

#[test]
fn a_revocation_hidden_in_place_with_a_forged_head_is_never_judged() {
    let w = World::new();
    w.team(&["alice"]);
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    let revoke =
        Event::KeyRevoked { operator: "bob".into(), fingerprint: fingerprint(&w.keys[1].1), reason: "lost".into() };
    let at = w.record_event("alice", revoke).expect("alice revokes").entry.seq as usize;
    // mallory touches the journal: the next writer starts a new generation.
    let file = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("open");
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).expect("touch");
    w.record("alice", "tape A-1").expect("alice records");
    // alice's status: her derived-state cache and her cached verdicts now end at this event.
    let before = w.run(&["status"]);
    assert!(before.ok, "{}{}", before.stdout, before.stderr);
    assert!(before.stdout.contains("every event is proven"), "{}", before.stdout);
    // mallory hides the revocation, appends an event signed with bob's revoked key, forges the head.
    hide_line(&w, at);
    append_signed(&w, "bob", &w.keys[1], "signed with the stolen revoked key");
    forge_head(&w);
    for args in [&["status"][..], &["status", "--format", "json"], &["journal", "--format", "json"]] {
        let r = w.run(args);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.contains("every event is proven"), "{args:?}: {all}");
        assert!(!r.ok, "{args:?} must not judge the substituted line: {all}");
        assert!(
            all.contains(&format!("event #{at} is not the line whose chain was checked")),
            "{args:?} says what changed: {all}"
        );
    }
    // The dashboard says why it marks nothing, rather than showing unmarked rows.
    let frame = w.run(&["frame", "--view", "journal", "--width", "200", "--height", "24"]);
    assert!(
        frame.stdout.contains("signatures not judged") && frame.stdout.contains("is not the line whose chain"),
        "{}{}",
        frame.stdout,
        frame.stderr
    );
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok, "{}", v.stdout);
}

#[test]
fn a_forged_key_name_with_a_newline_and_an_escape_cannot_write_lines_into_the_report() {
    let w = World::new();
    let lines = w.lines();
    let last = journal::decode(&lines[lines.len() - 1], lines.len()).expect("last line");
    let mut e = Entry {
        seq: last.seq + 1,
        at: last.at,
        by: "bob".into(),
        from: None,
        event: backup("tape B-1"),
        prev: last.sum,
        sig: None,
        sum: String::new(),
    };
    sign_with_keygen(&mut e, &w.keys[1].0, &w.keys[1].1, w.s.dir.path());
    let forged = "SHA256:x\nall events proven\u{1b}[2J";
    if let Some(sig) = e.sig.as_mut() {
        sig.key = forged.into();
    }
    let line = journal::seal(e).expect("seal").1;
    let mut file = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("open");
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("append");
    for args in [&["verify"][..], &["status"]] {
        let r = w.run_fresh(args);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(all.contains("SHA256:x\\nall events proven\\e[2J"), "{args:?} shows the key name visibly: {all}");
        assert!(!all.contains('\u{1b}'), "{args:?}: no raw escape: {all}");
        assert!(!all.lines().any(|l| l.starts_with("all events proven")), "{args:?}: no forged line: {all}");
    }
}

/// An unsigned line for `by`, chained to the file's last line, appended by hand.
fn append_unsigned(w: &World, by: &str, note: &str) {
    let lines = w.lines();
    let last = journal::decode(&lines[lines.len() - 1], lines.len()).expect("last line");
    let (_, line) = journal::encode(last.seq + 1, last.at, by, None, backup(note), &last.sum).expect("encode");
    let mut file = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("open");
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("append");
}

#[test]
fn a_look_alike_operator_is_flagged_and_a_proven_row_carries_a_check_mark() {
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    let signed = w.record("alice", "tape A-1").expect("alice signs").entry.seq;
    // A trailing space, and a Cyrillic 'а': unsigned lines that read as alice's.
    append_unsigned(&w, "alice ", "tape A-2");
    append_unsigned(&w, "\u{430}lice", "tape A-3");
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok, "verify fails: {}", v.stdout);
    let at =
        |n: u64, by: &str| format!("journal.ron:{n}: event {n} by {by}: the operator '{by}' is not an account name");
    assert!(v.stdout.contains(&at(signed + 1, "alice ")), "{}", v.stdout);
    assert!(v.stdout.contains(&at(signed + 2, "\u{430}lice")), "{}", v.stdout);
    assert!(!v.stdout.contains(&format!("journal.ron:{signed}:")), "alice's own event is proven: {}", v.stdout);
    let c = w.run_fresh(&["check"]);
    let all = format!("{}{}", c.stdout, c.stderr);
    assert!(!c.ok, "{all}");
    assert!(all.contains(&format!("journal.ron:{}", signed + 1)) && all.contains("is not an account name"), "{all}");
    // The dashboard: the proven row is marked ✓, each look-alike row ?, and the legend says so.
    let frame = w.run(&["frame", "--view", "journal", "--width", "80", "--height", "24"]);
    let rows: Vec<&str> = frame.stdout.lines().collect();
    assert!(rows.iter().any(|r| r.contains(&format!("✓#{signed}"))), "{}", frame.stdout);
    for n in [signed + 1, signed + 2] {
        assert!(rows.iter().any(|r| r.contains(&format!("?#{n}"))), "#{n} marked: {}", frame.stdout);
    }
    let help = help_of_the_journal_view(&w);
    assert!(help.contains("✓") && help.contains("no mark means not proven"), "{help}");
}

/// The Journal view's help, scrolled to its end (the legend), as drawn at 100x40.
fn help_of_the_journal_view(w: &World) -> String {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let now = common::NOW.parse().expect("time");
    let op = sprout::store::Operator { name: "tester".into(), from: None };
    let store = sprout::store::FileStore::open(w.s.path());
    let mut app = sprout::app::App::load(store, op, true, now, true, Some(0)).expect("load");
    for code in [KeyCode::Char('4'), KeyCode::Char('?'), KeyCode::Char('G')] {
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    let backend = ratatui::backend::TestBackend::new(100, 40);
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    terminal.draw(|f| sprout::ui::draw(f, &app, &sprout::ui::Theme::new(true))).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..40).map(|y| (0..100).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

#[test]
fn a_key_change_counted_only_through_team_ron_is_said_by_verify_and_status() {
    let w = World::new();
    w.team(&["alice"]);
    w.agent.add(&w.keys[0].0);
    let revoke =
        Event::KeyRevoked { operator: "bob".into(), fingerprint: fingerprint(&w.keys[1].1), reason: "lost".into() };
    let at = w.record_event("alice", revoke).expect("alice revokes").entry.seq;
    let said = "a key change that counts only because team.ron, inside the data directory";
    let v = w.run_fresh(&["verify"]);
    assert!(v.ok, "a warning, not a failure: {}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains(&format!("journal.ron:{at}: warning: event {at} by alice: {said}")), "{}", v.stdout);
    let status = w.run_fresh(&["status"]);
    assert!(status.stdout.contains(&format!("warning: key change #{at}: {said}")), "{}", status.stdout);
    // Approvers named in the trust root: the key change stands on its own, nothing to say.
    std::fs::write(w.s.dir.path().join("config/approvers"), "alice\n").expect("approvers");
    let v = w.run_fresh(&["verify"]);
    assert!(v.ok && !v.stdout.contains("warning"), "{}", v.stdout);
    let status = w.run_fresh(&["status"]);
    assert!(!status.stdout.contains("warning: key change"), "{}", status.stdout);
}

#[test]
fn a_refused_trust_file_is_said_on_the_dashboard_not_dropped_silently() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    w.record("alice", "tape A-1").expect("alice signs");
    let signers = w.s.dir.path().join("config/allowed_signers");
    let frame = w.run(&["frame", "--view", "journal", "--width", "200", "--height", "24"]);
    assert!(frame.stdout.contains("✓#40") && !frame.stdout.contains("signatures not judged"), "{}", frame.stdout);
    // Writable by the group: refused, so no key is trusted and no row can be marked.
    std::fs::set_permissions(&signers, std::fs::Permissions::from_mode(0o664)).expect("chmod");
    let frame = w.run(&["frame", "--view", "journal", "--width", "200", "--height", "24"]);
    assert!(frame.stdout.contains("warning: signatures not judged"), "{}", frame.stdout);
    assert!(frame.stdout.contains("allowed_signers"), "names the file: {}", frame.stdout);
    assert!(!frame.stdout.contains("✓#40"), "{}", frame.stdout);
}

#[test]
fn a_signed_line_does_not_replay_into_an_unrelated_directory() {
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    let signed = w.record("alice", "tape A-1").expect("alice signs").entry.seq as usize;
    let other = common::Sample::new();
    let theirs = std::fs::read_to_string(other.file("journal.ron")).expect("journal");
    let (mine, theirs_first) = (&w.lines()[0], theirs.lines().next().expect("a first line"));
    assert_ne!(mine, theirs_first, "two new directories differ from their first line");
    assert!(mine.contains("prev:\"start:"), "the first line carries the journal's identity: {mine}");
    // alice's signed line, copied as it is to the same position in the other directory.
    let line = w.lines()[signed - 1].clone();
    let verify = || {
        let mut command = common::command(&other.path(), common::NOW, &["verify"]);
        // The same reader: this test's trust files.
        let out = command.env("SPROUT_CONFIG", w.s.dir.path().join("config")).output().expect("verify");
        common::Run::from(out)
    };
    std::fs::write(other.file("journal.ron"), format!("{theirs}{line}\n")).expect("journal");
    let v = verify();
    assert!(!v.ok, "{}", v.stdout);
    assert!(
        v.stderr.contains(&format!("journal.ron:{signed}")) && v.stderr.contains("chain is broken"),
        "{}",
        v.stderr
    );
    // Re-chained to fit (prev and sum recomputed): alice's signature no longer holds.
    let mut e = journal::decode(&line, signed).expect("line");
    let last = journal::decode(theirs.lines().last().expect("last"), signed - 1).expect("last");
    e.prev = last.sum;
    let line = journal::seal(e).expect("seal").1;
    std::fs::write(other.file("journal.ron"), format!("{theirs}{line}\n")).expect("journal");
    let v = verify();
    assert!(!v.ok, "{}", v.stdout);
    assert!(
        v.stdout.contains(&format!("journal.ron:{signed}: event {signed} by alice: bad signature")),
        "{}",
        v.stdout
    );
}
