//! What the dashboard, `status` and `journal` show of signatures: each event's verdict against
//! the trust at the journal's head (the trust root's keys with every key change replayed; a
//! key's window of sequences makes that the same verdict `sprout verify` gives in order), and
//! the mark a row carries when the fact it records rests on an unproven event.

use std::collections::HashMap;

use crate::model::trust::Trust;
use crate::model::{Entry, Team};
use crate::rules::keys::{self, Judged, Ledger};
use crate::rules::signature::Verdict;

use super::Loaded;

/// The mark a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// `✓`: verified by a key listed for its operator, with nothing else wrong; shown on rows
    /// only where signatures matter, so that an unmarked row is never taken for a proven one.
    Verified,
    /// `?`: unsigned, where signatures are required or a key is listed for its operator.
    Unproven,
    /// `✗`: a bad signature, a key not trusted for its operator at that point, a revoked key,
    /// or a key change or checkpoint that proves nothing.
    Failed,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Verified => "✓",
            Mark::Unproven => "?",
            Mark::Failed => "✗",
        }
    }
}

/// The trust at the head of a loaded journal, and the key changes as judged in order.
#[derive(Debug, Clone)]
pub struct Signing {
    pub trust: Trust,
    team: Option<Team>,
    /// The key changes judged in sequence order, by sequence.
    changes: HashMap<u64, Judged>,
    /// The journal's length when this was built.
    pub upto: usize,
    /// Each key change's sequence and sum, as read: part of the digest, so verdicts cached
    /// under one set of key-change lines never stand for another.
    lines: Vec<(u64, String)>,
}

impl Signing {
    /// Read the trust root (outside the data directory) and the key changes' lines only (the
    /// index knows their kind), replaying them in order.
    pub fn at_head(loaded: &Loaded) -> Result<Signing, String> {
        let root = crate::store::trust::load(&loaded.store.place())?;
        if root.keys.is_empty() {
            // No key to sign a key change with: none can count, and none is read.
            let (team, upto) = (loaded.data.team.clone(), loaded.data.journal.len());
            return Ok(Signing { trust: root, team, changes: HashMap::new(), upto, lines: Vec::new() });
        }
        let positions: Vec<usize> = (loaded.data.journal.lines.iter().enumerate())
            .filter(|(_, l)| keys::is_key_change_kind(l.kind))
            .map(|(i, _)| i)
            .collect();
        let changes = if positions.is_empty() { Vec::new() } else { loaded.entries(&positions)? };
        let mut ledger = Ledger::new(root, loaded.data.team.clone());
        let judged = ledger.judge(&changes, |e| e);
        let lines = changes.iter().map(|e| (e.seq, e.sum.clone())).collect();
        let changes = changes.iter().map(|e| e.seq).zip(judged).collect();
        let (team, upto) = (loaded.data.team.clone(), loaded.data.journal.len());
        Ok(Signing { trust: ledger.trust, team, changes, upto, lines })
    }

    /// A digest of everything a verdict depends on (the keys and their windows of sequences,
    /// whether signatures are required, the approvers, the key-change lines, this program): verdicts cached under an
    /// equal digest are the verdicts this trust gives.
    pub fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for k in &self.trust.keys {
            let line = format!("{}|{}|{}|{:?}\n", k.operators.join(","), k.fingerprint, k.since, k.revoked);
            h.update(line.as_bytes());
        }
        h.update(
            format!("{:?}|{:?}|{:?}", (self.trust.required, self.trust.required_from), self.trust.approvers, self.team)
                .as_bytes(),
        );
        for (seq, sum) in &self.lines {
            h.update(format!("|{seq}:{sum}").as_bytes());
        }
        h.finalize().to_hex()[..32].to_string()
    }

    /// The key changes that counted only because team.ron names their signer an approver, by
    /// sequence, oldest first.
    pub fn warnings(&self) -> Vec<(u64, String)> {
        let mut w: Vec<(u64, String)> =
            self.changes.iter().filter_map(|(seq, j)| Some((*seq, j.warning.clone()?))).collect();
        w.sort();
        w
    }

    /// Whether signatures matter here at all: required, or some key trusted.
    pub fn in_use(&self) -> bool {
        self.trust.required || !self.trust.keys.is_empty()
    }

    /// Built before `loaded`'s journal grew by a key change: build again.
    pub fn is_stale(&self, loaded: &Loaded) -> bool {
        let lines = &loaded.data.journal.lines;
        // Element by element: a journal read on demand decodes only the chunks since, not all.
        lines.len() < self.upto
            || (self.upto..lines.len()).filter_map(|i| lines.at(i)).any(|l| keys::is_key_change_kind(l.kind))
    }

    /// The event's verdict and problem, as `sprout verify` finds them.
    pub fn judge(&self, e: &Entry) -> Judged {
        if keys::is_key_change(&e.event)
            && let Some(j) = self.changes.get(&e.seq)
        {
            return j.clone();
        }
        keys::judge_one(e, &self.trust, self.team.as_ref())
    }

    /// The mark a row shows: `mark`'s, or `✓` for an event verified with nothing wrong.
    pub fn row_mark(&self, e: &Entry, judged: &Judged) -> Option<Mark> {
        self.mark(e, judged).or_else(|| judged.verdict.is_verified().then_some(Mark::Verified))
    }

    /// The mark for an event judged `judged` when it is not proven, if any.
    pub fn mark(&self, e: &Entry, judged: &Judged) -> Option<Mark> {
        match judged.verdict {
            Verdict::Verified => judged.problem.as_ref().map(|_| Mark::Failed),
            Verdict::Unsigned if keys::must_be_signed(&e.event) => Some(Mark::Failed),
            Verdict::Unsigned => {
                (judged.problem.is_some() || self.trust.keys_of(&e.by).next().is_some()).then_some(Mark::Unproven)
            }
            _ => Some(Mark::Failed),
        }
    }
}
