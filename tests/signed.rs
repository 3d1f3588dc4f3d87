// Signed events: keys made here with ssh-keygen, an ssh-agent per test on a private socket.
mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use common::{NOW, Run, Sample};
use sprout::model::{Entry, Event, Signature};
use sprout::store::journal;

/// The write path reads the agent and the trust files from the environment; tests that set it
/// for this process take turns.
static ENV: Mutex<()> = Mutex::new(());

/// An ssh-agent on a socket of its own, killed when the test ends, passing or failing.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent (install openssh-client)");
        let agent = Agent { child, socket };
        for _ in 0..500 {
            if agent.socket.exists() {
                return agent;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("ssh-agent did not open {}", agent.socket.display());
    }

    fn add(&self, key: &Path) {
        let out = Command::new("ssh-add").arg(key).env("SSH_AUTH_SOCK", &self.socket).output().expect("ssh-add");
        assert!(out.status.success(), "ssh-add: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new Ed25519 key for `name`: its private key file and its public key line.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}_ed25519"));
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("public key");
    (path, public.trim().to_string())
}

/// One test's world: the sample, two operators' keys, their agent, and this process's
/// environment pointed at them (held until the test ends).
struct World {
    s: Sample,
    agent: Agent,
    keys: Vec<(PathBuf, String)>,
    _env: MutexGuard<'static, ()>,
}

impl World {
    fn new() -> World {
        let env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let s = Sample::new();
        let root = s.dir.path().to_path_buf();
        let agent = Agent::start(&root);
        let keys = vec![keygen(&root, "alice"), keygen(&root, "bob")];
        std::fs::create_dir_all(root.join("config")).expect("config");
        let signers = format!("alice namespaces=\"sprout-event\" {}\nbob {}\n", keys[0].1, keys[1].1);
        std::fs::write(root.join("config/allowed_signers"), signers).expect("allowed_signers");
        // SAFETY: every test in this file that sets the environment holds ENV.
        unsafe {
            std::env::set_var("SSH_AUTH_SOCK", &agent.socket);
            std::env::set_var("SPROUT_CONFIG", root.join("config"));
            std::env::set_var("SPROUT_SYSTEM_CONFIG", root.join("system"));
            std::env::set_var("XDG_STATE_HOME", root.join("state"));
            std::env::set_var("XDG_CACHE_HOME", root.join("cache"));
        }
        World { s, agent, keys, _env: env }
    }

    fn require(&self) {
        let path = self.s.dir.path().join("config/require_signatures");
        std::fs::write(path, format!("{}\n", self.s.path().display())).expect("require");
    }

    fn record(&self, who: &str, note: &str) -> Result<sprout::live::Recorded, sprout::live::WriteError> {
        common::record_as(&self.s, who, NOW, backup(note))
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut command = common::command(&self.s.path(), NOW, args);
        Run::from(command.env("SSH_AUTH_SOCK", &self.agent.socket).output().expect("run sprout"))
    }

    /// As a reader whose sprout never saw this journal (no witness to compare it with).
    fn run_fresh(&self, args: &[&str]) -> Run {
        let mut command = common::command(&self.s.path(), NOW, args);
        command.env("XDG_STATE_HOME", self.s.dir.path().join("fresh"));
        Run::from(command.env("SSH_AUTH_SOCK", &self.agent.socket).output().expect("run sprout"))
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.s.file("journal.ron")).expect("journal").lines().map(str::to_string).collect()
    }

    fn write_lines(&self, lines: &[String]) {
        std::fs::write(self.s.file("journal.ron"), lines.join("\n") + "\n").expect("journal");
    }
}

fn backup(note: &str) -> Event {
    Event::Backup { server: "BOS-PF01".into(), note: note.into() }
}

/// Re-seal every line from `from` (0-based) on: sums and links recomputed, signatures kept, as
/// someone with write access but without the keys would rewrite history.
fn rechain(lines: &mut [String], from: usize) {
    let mut prev = journal::decode(&lines[from - 1], from).expect("line").sum;
    for (i, line) in lines.iter_mut().enumerate().skip(from) {
        let mut e =
            journal::decode(line, i + 1).unwrap_or_else(|_| sprout::store::parse::ron("j", line, i + 1).expect("ron"));
        e.prev = prev;
        let (e, text) = journal::seal(e).expect("seal");
        prev = e.sum;
        *line = text;
    }
}

/// Sign `entry` with a key file through `ssh-keygen -Y sign`, the tool git uses.
fn sign_with_keygen(entry: &mut Entry, key: &Path, public: &str, dir: &Path) {
    let message = dir.join("message");
    std::fs::write(&message, entry.canonical().expect("canonical")).expect("message");
    let _ = std::fs::remove_file(message.with_extension("sig"));
    let out = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "sprout-event", "-f"])
        .arg(key)
        .arg(&message)
        .output()
        .expect("ssh-keygen -Y sign");
    assert!(out.status.success(), "sign: {}", String::from_utf8_lossy(&out.stderr));
    let sig = std::fs::read_to_string(message.with_extension("sig")).expect("sig");
    let key: ssh_key::PublicKey = public.parse().expect("public key");
    entry.sig = Some(Signature { key: key.fingerprint(ssh_key::HashAlg::Sha256).to_string(), sig });
}

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
    let mut signer = sprout::store::signer::for_operator(&trust, "alice").expect("signer").expect("key");
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
    let mut left = n;
    while left > 0 {
        let take = left.min(batch.len());
        tally.add(&batch[..take], &trust);
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
