// Shared by the tests of signed events: keys made with ssh-keygen, an ssh-agent per test on a
// private socket, and this process's environment pointed at them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use crate::common::{NOW, Run, Sample};
use sprout::model::{Entry, Event, Signature};
use sprout::store::journal;

/// The write path reads the agent and the trust files from the environment; tests that set it
/// for this process take turns.
pub static ENV: Mutex<()> = Mutex::new(());

/// An ssh-agent on a socket of its own, killed when the test ends, passing or failing.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
}

impl Agent {
    pub fn start(dir: &Path) -> Agent {
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

    pub fn add(&self, key: &Path) {
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

/// The SHA256 fingerprint of a public key line, as sprout names keys.
pub fn fingerprint(public: &str) -> String {
    let key: ssh_key::PublicKey = public.parse().expect("public key");
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}

/// A new Ed25519 key for `name`: its private key file and its public key line.
pub fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
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
pub struct World {
    pub s: Sample,
    pub agent: Agent,
    pub keys: Vec<(PathBuf, String)>,
    _env: MutexGuard<'static, ()>,
}

impl World {
    pub fn new() -> World {
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

    pub fn require(&self) {
        let path = self.s.dir.path().join("config/require_signatures");
        std::fs::write(path, format!("{}\n", self.s.path().display())).expect("require");
    }

    pub fn record(&self, who: &str, note: &str) -> Result<sprout::live::Recorded, sprout::live::WriteError> {
        crate::common::record_as(&self.s, who, NOW, backup(note))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = crate::common::command(&self.s.path(), NOW, args);
        Run::from(command.env("SSH_AUTH_SOCK", &self.agent.socket).output().expect("run sprout"))
    }

    /// As a reader whose sprout never saw this journal (no witness to compare it with): each
    /// call a new one.
    pub fn run_fresh(&self, args: &[&str]) -> Run {
        static READERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = READERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut command = crate::common::command(&self.s.path(), NOW, args);
        command.env("XDG_STATE_HOME", self.s.dir.path().join(format!("fresh-{n}")));
        Run::from(command.env("SSH_AUTH_SOCK", &self.agent.socket).output().expect("run sprout"))
    }

    /// team.ron naming these approvers.
    pub fn team(&self, approvers: &[&str]) {
        let names: Vec<String> = approvers.iter().map(|a| format!("{a:?}")).collect();
        std::fs::write(self.s.file("team.ron"), format!("(approvers: [{}])", names.join(", "))).expect("team.ron");
    }

    pub fn record_event(&self, who: &str, event: Event) -> Result<sprout::live::Recorded, sprout::live::WriteError> {
        crate::common::record_as(&self.s, who, NOW, event)
    }

    /// Append by hand a line for `who` signed with `key` (a private key file and its public
    /// line) through `ssh-keygen -Y sign`, chained to the journal's last line: what someone
    /// holding that key could write without sprout's write path.
    pub fn append_signed(&self, who: &str, key: &(PathBuf, String), event: Event) -> Entry {
        let loaded = sprout::live::load_dir(&self.s.path()).expect("load");
        let index = &loaded.data.journal;
        let mut entry = Entry {
            seq: index.seq + 1,
            at: NOW.parse().expect("time"),
            by: who.into(),
            from: None,
            event,
            prev: index.sum.clone(),
            sig: None,
            sum: String::new(),
        };
        sign_with_keygen(&mut entry, &key.0, &key.1, self.s.dir.path());
        let (entry, line) = journal::seal(entry).expect("seal");
        let mut lines = self.lines();
        lines.push(line);
        self.write_lines(&lines);
        entry
    }

    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.s.file("journal.ron")).expect("journal").lines().map(str::to_string).collect()
    }

    pub fn write_lines(&self, lines: &[String]) {
        std::fs::write(self.s.file("journal.ron"), lines.join("\n") + "\n").expect("journal");
    }
}

pub fn backup(note: &str) -> Event {
    Event::Backup { server: "BOS-PF01".into(), note: note.into() }
}

/// Re-seal every line from `from` (0-based) on: sums and links recomputed, signatures kept, as
/// someone with write access but without the keys would rewrite history.
pub fn rechain(lines: &mut [String], from: usize) {
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
pub fn sign_with_keygen(entry: &mut Entry, key: &Path, public: &str, dir: &Path) {
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
