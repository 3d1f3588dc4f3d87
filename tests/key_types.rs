// Which SSH keys sign events that verify, and a signature made for another purpose: keys made
// here with ssh-keygen, signed with `ssh-keygen -Y sign` as git does.
mod common;
#[path = "common/signing.rs"]
mod signing;

use std::path::Path;
use std::process::Command;

use signing::{World, backup};
use sprout::model::{Entry, Signature};
use sprout::store::journal;

/// A new key of `kind` (`ecdsa`, `rsa`, ...) for `name`: its private key file and public line.
fn keygen(dir: &Path, name: &str, kind: &str) -> (std::path::PathBuf, String) {
    let path = dir.join(format!("{name}_{kind}"));
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(path.with_extension("pub")).expect("public key");
    (path, public.trim().to_string())
}

/// A line for `who` signed with `key` under `namespace`, chained to the journal's last line.
fn append_signed(w: &World, who: &str, key: &(std::path::PathBuf, String), namespace: &str) -> u64 {
    let lines = w.lines();
    let last = journal::decode(&lines[lines.len() - 1], lines.len()).expect("last line");
    let mut e = Entry {
        seq: last.seq + 1,
        at: last.at,
        by: who.into(),
        from: None,
        event: backup(&format!("tape of {who}")),
        prev: last.sum,
        sig: None,
        sum: String::new(),
    };
    let message = w.s.dir.path().join("message");
    std::fs::write(&message, e.canonical().expect("canonical")).expect("message");
    let _ = std::fs::remove_file(message.with_extension("sig"));
    let out = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
        .arg(&key.0)
        .arg(&message)
        .output()
        .expect("ssh-keygen -Y sign");
    assert!(out.status.success(), "sign: {}", String::from_utf8_lossy(&out.stderr));
    let sig = std::fs::read_to_string(message.with_extension("sig")).expect("sig");
    let public: ssh_key::PublicKey = key.1.parse().expect("public key");
    e.sig = Some(Signature { key: public.fingerprint(ssh_key::HashAlg::Sha256).to_string(), sig });
    let seq = e.seq;
    let line = journal::seal(e).expect("seal").1;
    let mut file = std::fs::OpenOptions::new().append(true).open(w.s.file("journal.ron")).expect("open");
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes()).expect("append");
    seq
}

#[test]
fn ecdsa_and_rsa_keys_sign_events_that_verify() {
    let w = World::new();
    let dir = w.s.dir.path();
    let (carol, dave) = (keygen(dir, "carol", "ecdsa"), keygen(dir, "dave", "rsa"));
    let signers = dir.join("config/allowed_signers");
    let listed = std::fs::read_to_string(&signers).expect("signers");
    std::fs::write(&signers, format!("{listed}carol {}\ndave {}\n", carol.1, dave.1)).expect("signers");
    append_signed(&w, "carol", &carol, "sprout-event");
    append_signed(&w, "dave", &dave, "sprout-event");
    let v = w.run_fresh(&["verify"]);
    assert!(v.ok, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("signatures: 2 verified, 0 unverified"), "{}", v.stdout);
}

#[test]
fn a_signature_made_for_another_purpose_says_so() {
    let w = World::new();
    let seq = append_signed(&w, "alice", &w.keys[0], "git");
    let v = w.run_fresh(&["verify"]);
    assert!(!v.ok, "{}", v.stdout);
    assert!(
        v.stdout.contains(&format!("journal.ron:{seq}: event {seq} by alice: signed by SHA256:"))
            && v.stdout.contains("for another purpose (namespace git), not as a sprout event"),
        "{}",
        v.stdout
    );
    assert!(!v.stdout.contains("changed after it was signed"), "{}", v.stdout);
}
