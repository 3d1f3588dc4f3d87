//! Whether an event was signed by its operator's own key: the signature checked in process
//! against the reader's trusted keys (`model::trust`), never against anything in the directory.

use ssh_key::{HashAlg, PublicKey, SshSig};

use crate::model::Entry;
use crate::model::trust::{NAMESPACE, Trust};

use super::keys::Ledger;

/// What a line's signature proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a key listed for the operator the line names.
    Verified,
    /// No signature (a problem only where signatures are required).
    Unsigned,
    /// A signature that proves nothing, and why, in words.
    Unverified(String),
    /// Signed by a key no trusted file or key change lists, or not yet at this sequence.
    UnknownKey(String),
    /// Signed by the operator's key after a key change revoked it.
    Revoked(String),
}

impl Verdict {
    /// The word `status --format json` and the journal show for it.
    pub fn mark(&self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Unsigned => "unsigned",
            Verdict::Unverified(_) => "bad",
            Verdict::UnknownKey(_) => "unknown key",
            Verdict::Revoked(_) => "revoked",
        }
    }

    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified)
    }
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
        return Verdict::UnknownKey(format!(
            "signed by {fingerprint}, a key no allowed_signers file ({files}) nor any key change before it lists"
        ));
    }
    let own: Vec<_> = listed.iter().filter(|k| k.operators.contains(&entry.by)).collect();
    if own.is_empty() {
        let theirs: Vec<String> =
            listed.iter().map(|k| format!("{} ({})", k.operators.join(","), k.listed_at)).collect();
        return bad(format!(
            "names operator {} but is signed by {fingerprint}, the key of {}",
            entry.by,
            theirs.join(", ")
        ));
    }
    let Some(own) = own.iter().find(|k| k.signs_at(entry.seq)) else {
        if let Some(r) = own.iter().filter_map(|k| k.revoked).filter(|&r| r < entry.seq).max() {
            return Verdict::Revoked(format!(
                "signed by {fingerprint}, the key of {} revoked at event {r}: it signs nothing after that",
                entry.by
            ));
        }
        let since = own.iter().map(|k| k.since).min().unwrap_or(0);
        return Verdict::UnknownKey(format!(
            "signed by {fingerprint}, a key trusted for {} only after event {since}, where a key change added it",
            entry.by
        ));
    };
    if sshsig.namespace() != NAMESPACE {
        return bad(format!(
            "signed by {fingerprint} for another purpose (namespace {}), not as a sprout event ({NAMESPACE})",
            crate::safe::visible(sshsig.namespace())
        ));
    }
    let Ok(message) = entry.canonical() else { return bad("the event cannot be encoded".into()) };
    match own.key.verify(NAMESPACE, message.as_bytes(), &sshsig) {
        Ok(()) => Verdict::Verified,
        Err(_) => bad(format!(
            "bad signature by {fingerprint}: the event, its operator, time or place in the chain changed after it was signed"
        )),
    }
}

/// The problem to report at a line, if any: unsigned where required, or unverified.
pub fn problem(verdict: &Verdict, trust: &Trust, seq: u64) -> Option<String> {
    match verdict {
        Verdict::Verified => None,
        Verdict::Unsigned if trust.requires(seq) => Some(if trust.required_from > 1 {
            format!("unsigned, and this data directory requires every event signed from #{}", trust.required_from)
        } else {
            "unsigned, and this data directory requires every event signed".into()
        }),
        Verdict::Unsigned => None,
        Verdict::Unverified(why) | Verdict::UnknownKey(why) | Verdict::Revoked(why) => Some(why.clone()),
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
    /// Signatures are required from this sequence on (0: from the start).
    pub required_from: u64,
    /// Unsigned events where signatures are required (at or after `required_from`).
    pub unsigned_required: usize,
    pub verified: usize,
    pub unsigned: usize,
    pub unverified: usize,
    /// Key changes and checkpoints flagged although their signature alone would pass (by a
    /// non-approver, naming the wrong head, unsigned where signatures are not required).
    pub flagged: usize,
    /// The first `KEPT` problems, in journal order; the counts hold them all.
    pub problems: Vec<Problem>,
    /// Key changes that counted only because team.ron names their signer an approver (no
    /// approvers file in the trust root): not failures, said at their lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Problem>,
}

impl Tally {
    /// Problems kept for the report: enough to act on, never a million lines of output.
    pub const KEPT: usize = 1000;

    pub fn problems_total(&self) -> usize {
        self.unverified + self.flagged + self.unsigned_required
    }

    /// Check a batch of `(line, entry)`, in journal order, on both cores (Ed25519 verification
    /// is the cost), with key changes applied to `ledger` as they come.
    pub fn add(&mut self, batch: &[(usize, Entry)], ledger: &mut Ledger) {
        for (judged, (line, e)) in ledger.judge(batch, |(_, e)| e).into_iter().zip(batch) {
            match &judged.verdict {
                Verdict::Verified => self.verified += 1,
                Verdict::Unsigned => {
                    self.unsigned += 1;
                    self.unsigned_required += usize::from(self.required && e.seq >= self.required_from);
                }
                Verdict::Unverified(_) | Verdict::UnknownKey(_) | Verdict::Revoked(_) => self.unverified += 1,
            }
            if let Some(warning) = judged.warning
                && self.warnings.len() < Self::KEPT
            {
                self.warnings.push(Problem { line: *line, seq: e.seq, by: e.by.clone(), problem: warning });
            }
            if let Some(problem) = judged.problem {
                let counted = match judged.verdict {
                    Verdict::Verified => false,
                    Verdict::Unsigned => self.required,
                    _ => true,
                };
                self.flagged += usize::from(!counted);
                if self.problems.len() < Self::KEPT {
                    self.problems.push(Problem { line: *line, seq: e.seq, by: e.by.clone(), problem });
                }
            }
        }
    }
}
