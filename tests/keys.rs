// Key changes and checkpoints: keys made here with ssh-keygen, an ssh-agent per test.
mod common;
#[path = "common/signing.rs"]
mod signing;

use signing::{World, backup, fingerprint, keygen, rechain};
use sprout::model::Event;
use sprout::store::Operator;

#[test]
fn a_revoked_key_keeps_its_old_events_and_signs_nothing_after() {
    let w = World::new();
    w.team(&["alice"]);
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    w.record("bob", "tape B-1").expect("bob signs");
    let revoke = Event::KeyRevoked {
        operator: "bob".into(),
        fingerprint: fingerprint(&w.keys[1].1),
        reason: "laptop lost".into(),
    };
    let r = w.record_event("alice", revoke).expect("alice revokes");
    assert_eq!(r.entry.seq, 41);
    // The write path refuses bob's key from now on, even where signatures are not required.
    let refused = w.record("bob", "tape B-2").expect_err("revoked");
    assert!(refused.to_string().contains("was revoked at event 41"), "{refused}");
    assert_eq!(w.lines().len(), 41, "nothing written");
    // Someone holding the revoked key writes past the write path: verify flags it at its line.
    w.append_signed("bob", &w.keys[1], backup("tape B-3"));
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok, "{}", v.stdout);
    assert!(v.stdout.contains("journal.ron:42: event 42 by bob: signed by SHA256:"), "{}", v.stdout);
    assert!(v.stdout.contains("the key of bob revoked at event 41"), "{}", v.stdout);
    assert!(!v.stdout.contains("journal.ron:40:"), "bob's event before the revocation still verifies: {}", v.stdout);
    assert!(v.stdout.contains("2 verified, 1 unverified"), "{}", v.stdout);
}

#[test]
fn a_key_added_by_an_approver_signs_from_that_sequence_on() {
    let w = World::new();
    w.team(&["alice"]);
    w.require();
    let carol = keygen(w.s.dir.path(), "carol");
    w.agent.add(&w.keys[0].0);
    w.agent.add(&carol.0);
    let refused = w.record("carol", "tape C-1").expect_err("no key listed for carol yet");
    assert!(refused.to_string().contains("holds no key listed for carol"), "{refused}");
    // carol signs a line by hand before her key is added: it proves nothing.
    w.append_signed("carol", &carol, backup("tape C-0"));
    let file = w.s.dir.path().join("carol.pub");
    std::fs::write(&file, format!("{}\n", carol.1)).expect("pub");
    let add = Event::KeyAdded { operator: "carol".into(), key: carol.1.clone(), note: "joined ops".into() };
    assert_eq!(w.record_event("alice", add).expect("alice adds").entry.seq, 41);
    let after = w.record("carol", "tape C-2").expect("carol signs now");
    assert_eq!(after.entry.sig.as_ref().map(|s| s.key.clone()), Some(fingerprint(&carol.1)));
    let v = w.run_fresh(&["verify"]);
    assert!(v.stdout.contains("journal.ron:40: event 40 by carol: signed by SHA256:"), "{}", v.stdout);
    assert!(v.stdout.contains("nor any key change before it lists"), "{}", v.stdout);
    assert!(!v.stdout.contains("journal.ron:42:"), "carol's event after the key change verifies: {}", v.stdout);
    assert!(v.stdout.contains("2 verified, 1 unverified"), "{}", v.stdout);
    // The key change shows in words in the journal.
    let j = w.run(&["journal", "key"]);
    assert!(j.stdout.contains(&format!("key {} added for carol: joined ops", fingerprint(&carol.1))), "{}", j.stdout);
}

#[test]
fn a_key_change_by_a_non_approver_or_unsigned_has_no_effect_and_is_flagged() {
    let w = World::new();
    let carol = keygen(w.s.dir.path(), "carol");
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    let add = || Event::KeyAdded { operator: "carol".into(), key: carol.1.clone(), note: String::new() };
    // Without a team no one may change keys; with one, only its approvers.
    let refused = w.record_event("alice", add()).expect_err("no team");
    assert!(refused.to_string().contains("no team.ron naming approvers"), "{refused}");
    w.team(&["alice"]);
    let refused = w.record_event("bob", add()).expect_err("bob is no approver");
    assert!(
        refused.to_string().contains("only an approver may change an operator's keys; bob is not an approver"),
        "{refused}"
    );
    assert_eq!(w.lines().len(), 39, "nothing written");
    // bob writes it by hand with his own trusted key; then carol signs with the key it names.
    w.append_signed("bob", &w.keys[1], add());
    w.append_signed("carol", &carol, backup("tape C-1"));
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok);
    assert!(
        v.stdout.contains(
            "journal.ron:40: event 40 by bob: a key change that has no effect: bob is not an approver (the approvers in team.ron are alice)"
        ),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("journal.ron:41: event 41 by carol: signed by SHA256:"), "{}", v.stdout);
    assert!(v.stdout.contains("nor any key change before it lists"), "carol's key was never added: {}", v.stdout);
    // An unsigned key change, even by an approver's name and where signatures are optional.
    let loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let index = &loaded.data.journal;
    let (_, line) = sprout::store::journal::encode(
        index.seq + 1,
        common::NOW.parse().expect("t"),
        "alice",
        None,
        add(),
        &index.sum,
    )
    .expect("encode");
    let mut lines = w.lines();
    lines.push(line);
    w.write_lines(&lines);
    let v = w.run_fresh(&["verify"]);
    assert!(
        v.stdout.contains("journal.ron:42: event 42 by alice: a key change that has no effect: it is unsigned"),
        "{}",
        v.stdout
    );
}

/// The current OS account (who the CLI records as) as an approver with a trusted key.
fn me_as_approver(w: &World) -> String {
    let me = Operator::current().name;
    let key = keygen(w.s.dir.path(), "me");
    let signers = w.s.dir.path().join("config/allowed_signers");
    let text = std::fs::read_to_string(&signers).expect("signers") + &format!("{me} {}\n", key.1);
    std::fs::write(&signers, text).expect("signers");
    w.agent.add(&key.0);
    w.team(&[&me]);
    me
}

#[test]
fn a_kept_checkpoint_catches_a_truncation_before_it_for_a_fresh_reader() {
    let w = World::new();
    let me = me_as_approver(&w);
    let kept = w.s.dir.path().join("kept.checkpoint");
    let kept_arg = kept.display().to_string();
    let signed = w.run(&["verify", "--sign", "--out", &kept_arg]);
    assert!(signed.ok, "{}{}", signed.stdout, signed.stderr);
    let text = std::fs::read_to_string(&kept).expect("checkpoint file");
    assert!(text.contains(&format!("events 1..39, signed by {me}")), "{text}");
    assert!(w.lines()[39].contains("Checkpoint(seq:39,"), "appended to the journal: {}", w.lines()[39]);
    w.agent.add(&w.keys[0].0);
    w.record("alice", "tape A-1").expect("alice");
    let ok = w.run_fresh(&["verify", "--checkpoint", &kept_arg]);
    assert!(ok.ok, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("checkpoint at event 40 by"), "{}", ok.stdout);
    // Cut the journal back before the checkpoint: its chain is whole, and only the kept copy
    // shows what was removed.
    w.write_lines(&w.lines()[..35]);
    let plain = w.run_fresh(&["verify"]);
    assert!(
        plain.ok,
        "a truncation that removes the last checkpoint passes without a copy: {}{}",
        plain.stdout, plain.stderr
    );
    let v = w.run_fresh(&["verify", "--checkpoint", &kept_arg]);
    assert!(!v.ok);
    assert!(v.stderr.contains("the journal ends at event 35, before the checkpoint at event 40"), "{}", v.stderr);
    // A checkpoint file that was tampered with is refused before anything is trusted.
    std::fs::write(&kept, text.replace("seq:39", "seq:38")).expect("edit");
    let v = w.run_fresh(&["verify", "--checkpoint", &kept_arg]);
    assert!(!v.ok && v.stderr.contains("not a checkpoint line"), "{}", v.stderr);
}

#[test]
fn a_rewrite_with_recomputed_hashes_before_a_checkpoint_is_caught_at_its_line_and_by_the_copy() {
    let w = World::new();
    me_as_approver(&w);
    w.agent.add(&w.keys[0].0);
    w.record("alice", "tape A-1").expect("alice");
    let kept = w.s.dir.path().join("kept.checkpoint");
    let signed = w.run(&["verify", "--sign", "--format", "json"]);
    assert!(signed.ok, "{}{}", signed.stdout, signed.stderr);
    let json: serde_json::Value = serde_json::from_str(&signed.stdout).expect("json");
    let text = json["signed"].as_str().expect("the checkpoint's text in the JSON");
    std::fs::write(&kept, text).expect("keep it");
    let mut lines = w.lines();
    lines[39] = lines[39].replace("tape A-1", "tape A-9");
    rechain(&mut lines, 39);
    w.write_lines(&lines);
    let kept_arg = kept.display().to_string();
    let v = w.run_fresh(&["verify", "--checkpoint", &kept_arg]);
    assert!(!v.ok);
    assert!(v.stdout.contains("chain ok"), "the hashes were recomputed: {}", v.stdout);
    assert!(v.stdout.contains("journal.ron:40: event 40 by alice: bad signature"), "{}", v.stdout);
    // The in-journal checkpoint's signature covers the line before it: it fails too.
    assert!(v.stdout.contains("journal.ron:41: event 41 by"), "{}", v.stdout);
    assert!(v.stdout.contains("a checkpoint that proves nothing"), "{}", v.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&w.run_fresh(&["verify", "--checkpoint", &kept_arg, "--format", "json"]).stdout)
            .expect("json");
    assert_eq!(json.pointer("/checkpoints/0/ok"), Some(&serde_json::json!(false)));
    let message = json.pointer("/checkpoints/0/message").and_then(|m| m.as_str()).unwrap_or_default();
    assert!(message.contains("journal.ron:41: event 41 is not the checkpoint"), "{message}");
}

#[test]
fn approvers_named_outside_the_data_directory_override_team_ron_for_key_changes() {
    let w = World::new();
    w.team(&["alice", "bob"]);
    std::fs::write(w.s.dir.path().join("config/approvers"), "# who may change keys\nbob\n").expect("approvers");
    let carol = keygen(w.s.dir.path(), "carol");
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    let add = || Event::KeyAdded { operator: "carol".into(), key: carol.1.clone(), note: String::new() };
    // team.ron is the directory's writers' to edit: for keys, the file outside decides.
    let refused = w.record_event("alice", add()).expect_err("alice is not named outside");
    assert!(refused.to_string().contains("the approvers file outside the data directory names bob"), "{refused}");
    w.record_event("bob", add()).expect("bob is");
    w.append_signed("alice", &w.keys[0], add());
    let v = w.run_fresh(&["verify"]);
    assert!(
        v.stdout
            .contains("journal.ron:41: event 41 by alice: a key change that has no effect: alice is not an approver"),
        "{}",
        v.stdout
    );
    assert!(!v.stdout.contains("journal.ron:40:"), "{}", v.stdout);
}

#[test]
fn key_add_and_revoke_from_the_command_line() {
    let w = World::new();
    me_as_approver(&w);
    let dan = keygen(w.s.dir.path(), "dan");
    let pub_file = dan.0.with_extension("pub").display().to_string();
    let added = w.run(&["key", "add", "dan", &pub_file, "--note", "new hire"]);
    assert!(added.ok, "{}{}", added.stdout, added.stderr);
    let fp = fingerprint(&dan.1);
    assert!(added.stdout.contains(&format!("key {fp} added for dan: new hire")), "{}", added.stdout);
    assert!(added.stdout.contains("it takes effect after event 40"), "{}", added.stdout);
    let private = w.run(&["key", "add", "dan", &dan.0.display().to_string()]);
    assert!(!private.ok && private.stderr.contains("never the private key"), "{}", private.stderr);
    let revoked = w.run(&["key", "revoke", "dan", &fp, "--reason", "left"]);
    assert!(revoked.ok, "{}", revoked.stderr);
    assert!(revoked.stdout.contains(&format!("key {fp} of dan REVOKED: left")), "{}", revoked.stdout);
    let again = w.run(&["key", "revoke", "dan", &fp, "--reason", "twice"]);
    assert!(!again.ok && again.stderr.contains("nothing to revoke: dan has no trusted key"), "{}", again.stderr);
    let v = w.run_fresh(&["verify"]);
    assert!(v.ok, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("signatures: 2 verified"), "{}", v.stdout);
}

/// The figures in docs/performance.md: `cargo test --release --test keys -- --ignored --nocapture`
/// (`SIGNED_EVENTS`, default 100,000).
#[test]
#[ignore = "a bench: run it by hand, in release"]
fn bench_status_with_signatures_first_and_with_kept_verdicts() {
    let w = World::new();
    let n: u64 = std::env::var("SIGNED_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let alice = ssh_key::PrivateKey::read_openssh_file(&w.keys[0].0).expect("alice's key");
    let loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let (mut seq, mut prev) = (loaded.data.journal.seq, loaded.data.journal.sum.clone());
    let mut text = std::fs::read_to_string(w.s.file("journal.ron")).expect("journal");
    for i in 0..n {
        seq += 1;
        let mut e = sprout::model::Entry {
            seq,
            at: common::NOW.parse().expect("t"),
            by: "alice".into(),
            from: None,
            event: backup(&format!("tape {i}")),
            prev: prev.clone(),
            sig: None,
            sum: String::new(),
        };
        let canonical = e.canonical().expect("canonical");
        let sig = alice.sign("sprout-event", ssh_key::HashAlg::Sha512, canonical.as_bytes()).expect("sign");
        let pem = sig.to_pem(ssh_key::LineEnding::LF).expect("pem");
        e.sig = Some(sprout::model::Signature { key: fingerprint(&w.keys[0].1), sig: pem });
        let (e, line) = sprout::store::journal::seal(e).expect("seal");
        prev = e.sum;
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(w.s.file("journal.ron"), text).expect("journal");
    let time = |args: &[&str]| {
        let start = std::time::Instant::now();
        let r = w.run(args);
        assert!(r.ok, "{}", r.stderr);
        (start.elapsed(), r.stdout)
    };
    // Warm the derived-state cache with no key trusted (nothing verified), then trust again.
    let signers = w.s.dir.path().join("config/allowed_signers");
    std::fs::rename(&signers, signers.with_extension("away")).expect("move");
    let (untrusted, _) = time(&["status"]);
    std::fs::rename(signers.with_extension("away"), &signers).expect("move back");
    let (full, _) = time(&["status"]);
    let (first, out) = time(&["status", "--format", "json"]);
    let (second, again) = time(&["status", "--format", "json"]);
    assert_eq!(out, again, "the kept verdicts give the same answer");
    assert!(out.contains(&format!("\"verified\": {n}")), "{}", &out[..out.len().min(400)]);
    w.record("alice", "one more").expect("append");
    let (tail, _) = time(&["status", "--format", "json"]);
    println!("status of {n} signed events:");
    println!(
        "  no key trusted (nothing verified; reads the whole journal, writes the derived-state cache): {untrusted:?}"
    );
    println!("  keys trusted, first status (every signature verified): {full:?}");
    println!("  next statuses, verdicts kept: {first:?}, {second:?}; after one more event: {tail:?}");
}

#[test]
fn a_directory_that_adopts_signatures_midway_names_the_event_they_start_at() {
    let w = World::new();
    let _me = me_as_approver(&w);
    w.agent.add(&w.keys[0].0);
    // Required from the start, the sample's 39 unsigned events fail, and no checkpoint is signed.
    w.require();
    let failing = w.run(&["verify", "--sign"]);
    assert!(!failing.ok, "{}", failing.stdout);
    assert!(failing.stderr.contains("no checkpoint signed: the journal does not verify"), "{}", failing.stderr);
    assert_eq!(w.lines().len(), 39, "nothing appended");
    // Adopted at event 40: what came before is unsigned and passes, what comes after must be signed.
    let require = w.s.dir.path().join("config/require_signatures");
    std::fs::write(&require, format!("{} from 40\n", w.s.path().display())).expect("require");
    w.record("alice", "tape A-1").expect("alice signs #40");
    let refused = w.record("bob", "tape B-1").expect_err("bob's key is not in the agent");
    assert!(refused.to_string().contains("requires every event signed"), "{refused}");
    let v = w.run(&["verify"]);
    assert!(v.ok, "{}{}", v.stdout, v.stderr);
    assert!(
        v.stdout
            .contains("1 verified, 0 unverified, 39 unsigned (this directory requires every event signed from #40)"),
        "{}",
        v.stdout
    );
    assert!(w.run(&["verify", "--sign"]).ok, "a checkpoint is signed once the journal verifies");
    // An unsigned line after #40, appended by hand, is flagged at its line, saying from when.
    let index = sprout::live::load_dir(&w.s.path()).expect("load").data.journal.clone();
    let (_, line) = sprout::store::journal::encode(
        index.seq + 1,
        common::NOW.parse().expect("t"),
        "bob",
        None,
        backup("x"),
        &index.sum,
    )
    .expect("encode");
    let mut lines = w.lines();
    lines.push(line);
    w.write_lines(&lines);
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok);
    assert!(
        v.stdout.contains("unsigned, and this data directory requires every event signed from #40"),
        "{}",
        v.stdout
    );
    // A `from` that is not a number is refused at its line.
    std::fs::write(&require, format!("{} from forty\n", w.s.path().display())).expect("require");
    let bad = w.run(&["verify"]);
    assert!(!bad.ok && bad.stderr.contains("require_signatures:1: `from` takes the event number"), "{}", bad.stderr);
}
