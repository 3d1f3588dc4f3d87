//! Whether an event was signed by its operator's own key: the signature checked in process
//! against the reader's trusted keys (`model::trust`), never against anything in the directory.

use ssh_key::{HashAlg, PublicKey, SshSig};

use crate::model::Entry;
use crate::model::trust::{NAMESPACE, Trust};

/// What a line's signature proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a key listed for the operator the line names.
    Verified,
    /// No signature (a problem only where signatures are required).
    Unsigned,
    /// A signature that proves nothing, and why, in words.
    Unverified(String),
}

/// Check `entry`'s signature against `trust`. Pure: the caller reads the files and the line.
pub fn verify(entry: &Entry, trust: &Trust) -> Verdict {
    let Some(sig) = &entry.sig else { return Verdict::Unsigned };
    let bad = |why: String| Verdict::Unverified(why);
    let Ok(sshsig) = SshSig::from_pem(&sig.sig) else {
        return bad("the signature is not an SSH signature".into());
    };
    let signer = PublicKey::from(sshsig.public_key().clone());
    let fingerprint = signer.fingerprint(HashAlg::Sha256).to_string();
    if fingerprint != sig.key {
        return bad(format!("the line names key {} but the signature is by {fingerprint}", sig.key));
    }
    let listed: Vec<_> = trust.by_fingerprint(&fingerprint).collect();
    if listed.is_empty() {
        let files =
            if trust.files.is_empty() { "no allowed_signers file was found".into() } else { trust.files.join(", ") };
        return bad(format!("signed by {fingerprint}, a key no allowed_signers file lists ({files})"));
    }
    let Some(own) = listed.iter().find(|k| k.operators.contains(&entry.by)) else {
        let theirs: Vec<String> =
            listed.iter().map(|k| format!("{} ({})", k.operators.join(","), k.listed_at)).collect();
        return bad(format!(
            "names operator {} but is signed by {fingerprint}, the key of {}",
            entry.by,
            theirs.join(", ")
        ));
    };
    let Ok(message) = entry.canonical() else { return bad("the event cannot be encoded".into()) };
    match own.key.verify(NAMESPACE, message.as_bytes(), &sshsig) {
        Ok(()) => Verdict::Verified,
        Err(_) => bad(format!(
            "bad signature by {fingerprint}: the event, its operator, time or place in the chain changed after it was signed"
        )),
    }
}

/// The problem to report at a line, if any: unsigned where required, or unverified.
pub fn problem(verdict: &Verdict, trust: &Trust) -> Option<String> {
    match verdict {
        Verdict::Verified => None,
        Verdict::Unsigned if trust.required => {
            Some("unsigned, and this data directory requires every event signed".into())
        }
        Verdict::Unsigned => None,
        Verdict::Unverified(why) => Some(why.clone()),
    }
}

/// A signature problem at a journal line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub seq: u64,
    pub by: String,
    pub problem: String,
}

/// The signatures of a whole journal, counted as it streams past.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Tally {
    pub required: bool,
    pub verified: usize,
    pub unsigned: usize,
    pub unverified: usize,
    /// The first `KEPT` problems, in journal order; the counts hold them all.
    pub problems: Vec<Problem>,
}

impl Tally {
    /// Problems kept for the report: enough to act on, never a million lines of output.
    pub const KEPT: usize = 1000;

    pub fn problems_total(&self) -> usize {
        self.unverified + if self.required { self.unsigned } else { 0 }
    }

    /// Check a batch of `(line, entry)` on both cores (Ed25519 verification is the cost).
    pub fn add(&mut self, batch: &[(usize, Entry)], trust: &Trust) {
        let parts = crate::parallel::halves(batch, |_, part| {
            part.iter().map(|(line, e)| (*line, verify(e, trust))).collect::<Vec<_>>()
        });
        for ((line, verdict), (_, e)) in parts.into_iter().flatten().zip(batch) {
            match &verdict {
                Verdict::Verified => self.verified += 1,
                Verdict::Unsigned => self.unsigned += 1,
                Verdict::Unverified(_) => self.unverified += 1,
            }
            if let Some(problem) = problem(&verdict, trust)
                && self.problems.len() < Self::KEPT
            {
                self.problems.push(Problem { line, seq: e.seq, by: e.by.clone(), problem });
            }
        }
    }
}
