// Signed events: keys made here with ssh-keygen, an ssh-agent per test on a private socket.
mod common;
#[path = "common/signing.rs"]
mod signing;

use std::io::Write;

use common::NOW;
use signing::{World, backup, rechain, sign_with_keygen};
use sprout::model::Entry;
use sprout::store::journal;

#[test]
fn two_operators_sign_with_their_own_keys_and_verify() {
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    let a = w.record("alice", "tape A-1").expect("alice records");
    let b = w.record("bob", "tape B-1").expect("bob records");
    assert!(a.entry.sig.as_ref().is_some_and(|s| s.key.starts_with("SHA256:")));
    assert_ne!(a.entry.sig.as_ref().map(|s| &s.key), b.entry.sig.as_ref().map(|s| &s.key), "each their own key");
    assert!(w.lines()[39].contains(",sig:Some((key:\"SHA256:"), "{}", w.lines()[39]);
    let v = w.run(&["verify"]);
    assert!(v.ok, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("signatures: 2 verified, 0 unverified, 39 unsigned"), "{}", v.stdout);
    let json: serde_json::Value = serde_json::from_str(&w.run(&["verify", "--format", "json"]).stdout).expect("json");
    assert_eq!(json.pointer("/signatures/verified"), Some(&serde_json::json!(2)));
    // Lines signed by the write path load like any other.
    assert!(w.run(&["status"]).ok);
}

#[test]
fn a_note_changed_with_every_hash_recomputed_is_caught_at_its_line() {
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    w.record("alice", "tape A-1").expect("alice");
    w.record("bob", "tape B-1").expect("bob");
    w.record("alice", "tape A-2").expect("alice");
    let mut lines = w.lines();
    lines[40] = lines[40].replace("tape B-1", "tape B-9");
    rechain(&mut lines, 40);
    w.write_lines(&lines);
    // Whoever saw the journal before is told by their witness; a fresh reader by the signatures.
    assert!(w.run(&["verify"]).stderr.contains("the history was rewritten"));
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok, "a rewrite with recomputed hashes must not pass: {}", v.stdout);
    assert!(v.stdout.contains("chain ok"), "the hashes were recomputed: {}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("journal.ron:41: event 41 by bob: bad signature"), "{}", v.stdout);
    assert!(!v.stdout.contains("journal.ron:40:"), "the line before is untouched: {}", v.stdout);
    // Every later signature covers `prev`, so the rewrite shows at each line after it too.
    assert!(v.stdout.contains("journal.ron:42: event 42 by alice: bad signature"), "{}", v.stdout);
    assert!(v.stderr.contains("journal.ron:41"), "{}", v.stderr);
}

#[test]
fn an_event_claiming_one_operator_but_signed_with_anothers_key_is_caught() {
    let w = World::new();
    let root = w.s.dir.path();
    let loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let index = &loaded.data.journal;
    let mut forged = Entry {
        seq: index.seq + 1,
        at: NOW.parse().expect("time"),
        by: "alice".into(),
        from: None,
        event: backup("signed by bob"),
        prev: index.sum.clone(),
        sig: None,
        sum: String::new(),
    };
    sign_with_keygen(&mut forged, &w.keys[1].0, &w.keys[1].1, root);
    let (forged, line) = journal::seal(forged).expect("seal");
    // And one honestly signed with ssh-keygen: its signatures verify natively.
    let mut honest =
        Entry { seq: forged.seq + 1, prev: forged.sum.clone(), by: "bob".into(), sig: None, ..forged.clone() };
    sign_with_keygen(&mut honest, &w.keys[1].0, &w.keys[1].1, root);
    let (_, honest_line) = journal::seal(honest).expect("seal");
    let mut f = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}\n{honest_line}").expect("append");
    let v = w.run(&["verify"]);
    assert!(!v.ok);
    assert!(
        v.stdout.contains("journal.ron:40: event 40 by alice: names operator alice but is signed by SHA256:"),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("the key of bob"), "{}", v.stdout);
    assert!(v.stdout.contains("1 verified, 1 unverified"), "{}", v.stdout);
}

#[test]
fn where_signatures_are_required_an_unsigned_write_is_refused_and_an_unsigned_line_flagged() {
    let w = World::new();
    w.require();
    // No key in the agent: refused, saying what to do.
    let r = w.run(&["record", "backup", "BOS-PF01", "--note", "tape P-1"]);
    assert!(!r.ok, "{}", r.stdout);
    assert!(r.stderr.contains("requires every event signed") && r.stderr.contains("ssh-add"), "{}", r.stderr);
    assert!(r.stderr.contains("ssh -A"), "{}", r.stderr);
    let refused = w.record("alice", "tape A-1").expect_err("no key");
    assert!(refused.to_string().contains("holds no key listed for alice"), "{refused}");
    assert_eq!(w.lines().len(), 39, "nothing written");
    // With her key, alice records; bob's key does not sign for alice.
    w.agent.add(&w.keys[1].0);
    assert!(w.record("alice", "tape A-1").is_err(), "bob's key is not alice's");
    w.agent.add(&w.keys[0].0);
    w.record("alice", "tape A-1").expect("signed");
    // An unsigned line appended by hand is flagged at its line.
    let loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let index = &loaded.data.journal;
    let (_, line) =
        journal::encode(index.seq + 1, NOW.parse().expect("t"), "bob", None, backup("x"), &index.sum).expect("encode");
    let mut f = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}").expect("append");
    let v = w.run(&["verify"]);
    assert!(!v.ok);
    assert!(v.stdout.contains("journal.ron:41: event 41 by bob: unsigned"), "{}", v.stdout);
    assert!(v.stdout.contains("1 verified, 0 unverified, 40 unsigned (this directory requires"), "{}", v.stdout);
}

/// The figures in docs/performance.md: `cargo test --release --test signed -- --ignored --nocapture`.
#[test]
#[ignore = "a bench: run it by hand, in release"]
fn bench_signing_per_record_and_verifying_many() {
    let w = World::new();
    w.agent.add(&w.keys[0].0);
    w.require();
    // Signing through the write path, agent on a local socket, Ed25519; the whole record
    // (lock, catch up, check, sign, append, fsync) and the agent's part alone.
    let records = 200;
    let mut loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let op = sprout::store::Operator { name: "alice".into(), from: None };
    let start = std::time::Instant::now();
    for i in 0..records {
        sprout::live::record_in(
            &mut loaded,
            &op,
            NOW.parse().expect("t"),
            Default::default(),
            |_, _, _| Ok(backup(&format!("tape {i}"))),
            |_| {},
        )
        .expect("record");
    }
    let per_record = start.elapsed() / records;
    let trust = sprout::store::trust::load(&w.s.path().display().to_string()).expect("trust");
    let mut signer = sprout::store::signer::for_operator(&trust, "alice", u64::MAX).expect("signer").expect("key");
    let entry = journal::decode(&w.lines()[45], 46).expect("line");
    let canonical = entry.canonical().expect("canonical");
    let start = std::time::Instant::now();
    for _ in 0..1000 {
        signer.sign(canonical.as_bytes()).expect("sign");
    }
    let per_sign = start.elapsed() / 1000;
    println!("record with signing, local agent, Ed25519: {per_record:?} per record ({records} records)");
    println!("the agent's signature alone: {per_sign:?} per event (1000 signatures)");

    // Verifying: N signed events checked by the code `sprout verify` uses, on both cores.
    let n: usize = std::env::var("SIGNED_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let signed = journal::decode(&w.lines()[45], 46).expect("line");
    let batch: Vec<(usize, Entry)> = (0..16 * 1024).map(|i| (i, signed.clone())).collect();
    let start = std::time::Instant::now();
    let mut tally = sprout::rules::signature::Tally::default();
    let mut ledger = sprout::rules::keys::Ledger::new(trust.clone(), None);
    let mut left = n;
    while left > 0 {
        let take = left.min(batch.len());
        tally.add(&batch[..take], &mut ledger);
        left -= take;
    }
    let took = start.elapsed();
    assert_eq!(tally.verified, n);
    println!(
        "verify {n} signed events in process: {took:?} ({:.0} per second; 1,000,000 would take {:.1} s)",
        n as f64 / took.as_secs_f64(),
        1_000_000.0 * took.as_secs_f64() / n as f64
    );
}

/// `SPROUT_SIGNING_KEY` set for this process until dropped (the test holds `World`'s lock on
/// the environment), removed even when the test fails.
struct KeyFileEnv;

impl KeyFileEnv {
    fn set(path: &std::path::Path) -> KeyFileEnv {
        // SAFETY: the caller holds World's ENV lock for as long as this lives.
        unsafe { std::env::set_var("SPROUT_SIGNING_KEY", path) };
        KeyFileEnv
    }
}

impl Drop for KeyFileEnv {
    fn drop(&mut self) {
        // SAFETY: as in `set`.
        unsafe { std::env::remove_var("SPROUT_SIGNING_KEY") };
    }
}

#[test]
fn a_key_file_the_operator_names_signs_when_their_agent_holds_no_key() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.require();
    let (key, _) = &w.keys[0];
    let _env = KeyFileEnv::set(key);
    // Readable by others: refused, as ssh refuses it, and nothing written.
    std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let loose = w.record("alice", "tape A-1").expect_err("a key others can read");
    assert!(loose.to_string().contains("is not yours alone") && loose.to_string().contains("chmod 600"), "{loose}");
    assert_eq!(w.lines().len(), 39, "nothing written");
    // Her own: alice's event is signed with it (the agent holds nothing).
    std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let a = w.record("alice", "tape A-1").expect("signed with the key file");
    assert!(a.entry.sig.as_ref().is_some_and(|s| s.key.starts_with("SHA256:")), "{:?}", a.entry.sig);
    let v = w.run(&["verify"]);
    // (The sample's own 39 events are unsigned, which a directory requiring signatures flags.)
    assert!(v.stdout.contains("signatures: 1 verified, 0 unverified, 39 unsigned"), "{}{}", v.stdout, v.stderr);
    assert!(!v.stdout.contains("journal.ron:40:"), "the key file's event is proven: {}", v.stdout);
    // Alice's key file does not sign for bob.
    let bob = w.record("bob", "tape B-1").expect_err("alice's key is not bob's");
    assert!(bob.to_string().contains("is not listed for bob"), "{bob}");
    // Encrypted: sprout asks for no passphrase, and says to use the agent.
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-p", "-N", "secret", "-P", "", "-f"])
        .arg(key)
        .output()
        .expect("ssh-keygen -p");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let locked = w.record("alice", "tape A-2").expect_err("an encrypted key file");
    assert!(locked.to_string().contains("is encrypted") && locked.to_string().contains("ssh-add"), "{locked}");
    assert_eq!(w.lines().len(), 40, "only the signed event was written");
}

#[test]
fn a_named_key_file_that_cannot_sign_is_said_even_where_signatures_are_not_required() {
    let w = World::new();
    let (key, _) = &w.keys[0];
    // A public key named by mistake: said as such, and the event is written unsigned with why.
    let _env = KeyFileEnv::set(&key.with_extension("pub"));
    let r = w.record("alice", "tape A-1").expect("not required: written");
    assert!(r.entry.sig.is_none());
    let warned = r.warnings.join("\n");
    assert!(warned.contains("is a public key: name the private key file"), "{warned}");
    assert!(warned.contains("shows as not proven"), "{warned}");
}
