// What an attacker with write access to the data directory (and nothing else) tried against
// signed events, step by step as they did it: each attempt must be caught, never shown as proven.
mod common;
#[path = "common/signing.rs"]
mod signing;

use std::os::unix::fs::FileExt;

use signing::{World, backup, sign_with_keygen};
use sprout::model::{Entry, Event};
use sprout::store::dir::{files::FileId, head};
use sprout::store::journal;

fn fingerprint(public: &str) -> String {
    let key: ssh_key::PublicKey = public.parse().expect("public key");
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}

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
