//! Key changes and checkpoints: the journal's own trust events, replayed in sequence order on
//! top of the trust root kept outside the data directory. A key added by an approver's signed
//! event signs from the next sequence on; a revoked key signs nothing after its revocation,
//! while what it signed before still verifies. A key change or checkpoint that its approver's
//! trusted key does not prove has no effect and is flagged. The root's requirement of
//! signatures is never changed by the journal.

use crate::model::trust::Trust;
use crate::model::{Entry, Event, Team};

use super::lookup::{Refusal, refuse};
use super::signature::{Verdict, problem, verify};

/// The rules a key change or checkpoint meets at the write path (`record::rules`): a key that
/// parses, a fingerprint that looks like one. Who may record them is asked with the trust
/// (`needs_approver`), since approvers may be named outside the data directory.
pub fn check(event: &Event) -> Result<(), Refusal> {
    match event {
        Event::KeyAdded { operator, key, .. } => {
            if operator.is_empty() || operator.contains([',', ' ', '*', '?']) {
                return refuse(format!("'{operator}' is not an operator's account name"));
            }
            ssh_key::PublicKey::from_openssh(key.trim())
                .map(|_| ())
                .map_err(|e| Refusal(format!("the key for {operator} is not an SSH public key ({e})")))
        }
        Event::KeyRevoked { fingerprint, .. } if !fingerprint.starts_with("SHA256:") => {
            refuse(format!("'{fingerprint}' is not a key fingerprint (SHA256:..., as ssh-keygen -l shows it)"))
        }
        _ => Ok(()),
    }
}

/// What recording the event means when only an approver, with a trusted key, may record it.
pub fn needs_approver(event: &Event) -> Option<&'static str> {
    match event {
        Event::KeyAdded { .. } | Event::KeyRevoked { .. } => Some("change an operator's keys"),
        Event::Checkpoint { .. } => Some("sign a checkpoint"),
        _ => None,
    }
}

/// Whether an event must be signed wherever it is recorded, required or not.
pub fn must_be_signed(event: &Event) -> bool {
    needs_approver(event).is_some()
}

/// The refusal when `operator` may not record `event` as event `seq` (`needs_approver`), given
/// the trust at the head: not an approver, or a revocation of a key that signs nothing anyway.
pub fn refusal(trust: &Trust, team: Option<&Team>, event: &Event, operator: &str, seq: u64) -> Option<Refusal> {
    let what = needs_approver(event)?;
    if !trust.may_approve(team, operator) {
        return Some(Refusal(format!("only an approver may {what}; {}", not_approver(trust, team, operator))));
    }
    match event {
        Event::KeyRevoked { operator, fingerprint, .. } => trust
            .clone()
            .revoke(operator, fingerprint, seq)
            .err()
            .map(|why| Refusal(format!("nothing to revoke: {why}"))),
        _ => None,
    }
}

/// One event judged in sequence: its signature's verdict, and the problem to report at its
/// line, if any (a signature problem, or a key change or checkpoint that proves nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub verdict: Verdict,
    pub problem: Option<String>,
    /// Said beside the verdict, not a failure: a key change that counted only because
    /// team.ron (inside the data directory) names its signer an approver.
    pub warning: Option<String>,
}

/// The trust as the journal has it so far: the root's keys with the key changes replayed.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub trust: Trust,
    team: Option<Team>,
}

impl Ledger {
    pub fn new(trust: Trust, team: Option<Team>) -> Ledger {
        Ledger { trust, team }
    }

    /// Judge `batch` (in journal order, continuing the events already judged): the events
    /// between key changes are verified on both cores, each key change in turn.
    pub fn judge<T: Sync>(&mut self, batch: &[T], entry: impl Fn(&T) -> &Entry + Sync) -> Vec<Judged> {
        let mut out = Vec::with_capacity(batch.len());
        let mut start = 0;
        while start < batch.len() {
            let run = batch[start..].iter().position(|t| is_key_change(&entry(t).event)).unwrap_or(batch.len() - start);
            let trust = &self.trust;
            let parts = crate::parallel::halves(&batch[start..start + run], |_, part| {
                part.iter().map(|t| judge_one(entry(t), trust, self.team.as_ref())).collect::<Vec<_>>()
            });
            out.extend(parts.into_iter().flatten());
            start += run;
            if let Some(change) = batch.get(start) {
                out.push(self.apply(entry(change)));
                start += 1;
            }
        }
        out
    }

    /// A key change, verified against the trust before it and applied if an approver's
    /// trusted key proves it.
    fn apply(&mut self, e: &Entry) -> Judged {
        let verdict = verify(e, &self.trust);
        let mut problem = named(e, problem(&verdict, &self.trust, e.seq));
        let what = "a key change";
        let effect = match (&verdict, &e.event) {
            (Verdict::Verified, _) if !self.trust.may_approve(self.team.as_ref(), &e.by) => {
                Err(not_approver(&self.trust, self.team.as_ref(), &e.by))
            }
            (Verdict::Verified, Event::KeyAdded { operator, key, .. }) => {
                self.trust.add_key(operator, key, e.seq).map(|_| ())
            }
            (Verdict::Verified, Event::KeyRevoked { operator, fingerprint, .. }) => {
                self.trust.revoke(operator, fingerprint, e.seq)
            }
            (Verdict::Verified, _) => Ok(()),
            (Verdict::Unsigned, _) => Err("it is unsigned".to_string()),
            _ => Err("no trusted key of an approver proves it".to_string()),
        };
        let warning = match &effect {
            Ok(()) if self.trust.approvers.is_none() => Some(format!(
                "a key change that counts only because team.ron, inside the data directory (its writers can edit \
                 it), names {} an approver: the trust root has no approvers file",
                crate::safe::visible(&e.by)
            )),
            _ => None,
        };
        if let Err(why) = effect {
            let said = problem.map_or(String::new(), |p| format!("{p}; "));
            problem = Some(format!("{said}{what} that has no effect: {why}"));
        }
        Judged { verdict, problem, warning }
    }
}

/// Whether an index kind (`Event::kind_index`) is a key change's.
pub fn is_key_change_kind(kind: u8) -> bool {
    matches!(Event::KINDS.get(usize::from(kind)), Some(&"key" | &"revoke"))
}

pub fn is_key_change(event: &Event) -> bool {
    matches!(event, Event::KeyAdded { .. } | Event::KeyRevoked { .. })
}

/// An operator is an account (`meeting::account_name`: ASCII letters, digits, `_ . - @`, or
/// `uid:N`): a name with a trailing space or a look-alike letter would pass for someone else,
/// so it is a problem at its line whatever its signature says.
pub fn operator_problem(by: &str) -> Option<String> {
    (!super::meeting::account_name(by)).then(|| {
        format!(
            "the operator '{}' is not an account name (ASCII letters, digits, _ . - @ only, at most 64, or uid:N): it may pass for another",
            crate::safe::visible(by)
        )
    })
}

fn named(e: &Entry, problem: Option<String>) -> Option<String> {
    match (operator_problem(&e.by), problem) {
        (Some(name), Some(p)) => Some(format!("{name}; {p}")),
        (name, p) => name.or(p),
    }
}

fn not_approver(trust: &Trust, team: Option<&Team>, by: &str) -> String {
    format!("{by} is not an approver ({})", trust.approvers_named(team))
}

/// Any event but a key change: its signature, and for a checkpoint whether it proves the head
/// it was appended to.
pub fn judge_one(e: &Entry, trust: &Trust, team: Option<&Team>) -> Judged {
    let verdict = verify(e, trust);
    let mut problem = named(e, problem(&verdict, trust, e.seq));
    if let Event::Checkpoint { seq, sum } = &e.event {
        let why = if !verdict.is_verified() {
            Some(format!("a checkpoint that proves nothing: {}", problem.as_deref().unwrap_or("it is unsigned")))
        } else if !trust.may_approve(team, &e.by) {
            Some(format!("a checkpoint that proves nothing: {}", not_approver(trust, team, &e.by)))
        } else if seq.checked_add(1) != Some(e.seq) || *sum != e.prev {
            Some(format!(
                "a checkpoint naming event {seq} with sum {sum}, but it follows event {} with sum {}",
                e.seq.saturating_sub(1),
                e.prev
            ))
        } else {
            None
        };
        if why.is_some() {
            problem = why;
        }
    }
    Judged { verdict, problem, warning: None }
}

#[cfg(test)]
mod tests {
    use ssh_key::private::Ed25519Keypair;
    use ssh_key::{HashAlg, LineEnding, PrivateKey};

    use super::*;
    use crate::model::trust::NAMESPACE;
    use crate::model::{Event, Signature};

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
    }

    fn public(k: &PrivateKey) -> String {
        k.public_key().to_openssh().expect("openssh")
    }

    /// An event `seq` by `by`, signed with `k` when given.
    fn entry(seq: u64, by: &str, event: Event, k: Option<&PrivateKey>) -> Entry {
        let mut e = Entry {
            seq,
            at: "2000-11-24T12:00:00Z".parse().expect("time"),
            by: by.into(),
            from: None,
            event,
            prev: format!("{seq:032x}"),
            sig: None,
            sum: String::new(),
        };
        if let Some(k) = k {
            let canonical = e.canonical().expect("canonical");
            let sig = k.sign(NAMESPACE, HashAlg::Sha512, canonical.as_bytes()).expect("sign");
            let fingerprint = k.public_key().fingerprint(HashAlg::Sha256).to_string();
            e.sig = Some(Signature { key: fingerprint, sig: sig.to_pem(LineEnding::LF).expect("pem") });
        }
        e
    }

    fn backup() -> Event {
        Event::Backup { server: "BOS-PF01".into(), note: String::new() }
    }

    #[test]
    fn key_changes_take_effect_in_sequence_order_inside_a_batch_split_across_both_cores() {
        let (alice, bob, carol) = (key(1), key(2), key(3));
        let mut root = Trust::default();
        let text = format!("alice {}\nbob {}\n", public(&alice), public(&bob));
        root.add_allowed_signers(&text, "allowed_signers").expect("trust");
        let team = Team { approvers: vec!["alice".into()] };
        let n = 2 * crate::parallel::MIN_SPLIT as u64 + 10;
        let (revoke_at, add_at, bogus_at) = (n / 3, n / 2, n / 2 + 1);
        let revoke = Event::KeyRevoked {
            operator: "bob".into(),
            fingerprint: root.keys[1].fingerprint.clone(),
            reason: "r".into(),
        };
        let add = || Event::KeyAdded { operator: "carol".into(), key: public(&carol), note: String::new() };
        let entries: Vec<Entry> = (1..=n)
            .map(|seq| match seq {
                s if s == revoke_at => entry(s, "alice", revoke.clone(), Some(&alice)),
                s if s == add_at => entry(s, "alice", add(), Some(&alice)),
                // bob, revoked and no approver, cannot undo it.
                s if s == bogus_at => entry(s, "bob", add(), Some(&bob)),
                s if s < add_at => entry(s, "bob", backup(), Some(&bob)),
                s => entry(s, "carol", backup(), Some(&carol)),
            })
            .collect();
        let mut ledger = Ledger::new(root, Some(team));
        let judged = ledger.judge(&entries, |e| e);
        assert_eq!(judged.len(), entries.len());
        for (e, j) in entries.iter().zip(&judged) {
            let expected = match e.seq {
                s if s <= revoke_at || s == add_at || s > bogus_at => "verified",
                _ => "revoked",
            };
            assert_eq!(j.verdict.mark(), expected, "event {} by {}: {:?}", e.seq, e.by, j.problem);
        }
        assert!(judged[bogus_at as usize - 1].problem.as_deref().is_some_and(|p| p.contains("has no effect")));
        assert_eq!(ledger.trust.keys_of("carol").count(), 1, "the bogus second add changed nothing");
    }

    #[test]
    fn a_checkpoint_must_name_the_head_it_follows_and_come_from_an_approver() {
        let alice = key(1);
        let mut trust = Trust::default();
        trust.add_allowed_signers(&format!("alice,bob {}\n", public(&alice)), "f").expect("trust");
        let team = Team { approvers: vec!["alice".into()] };
        let good = entry(5, "alice", Event::Checkpoint { seq: 4, sum: format!("{:032x}", 5) }, Some(&alice));
        assert_eq!(judge_one(&good, &trust, Some(&team)).problem, None);
        let wrong = entry(5, "alice", Event::Checkpoint { seq: 4, sum: "0".repeat(32) }, Some(&alice));
        let p = judge_one(&wrong, &trust, Some(&team)).problem.expect("flagged");
        assert!(p.contains("a checkpoint naming event 4"), "{p}");
        let by_bob = entry(5, "bob", Event::Checkpoint { seq: 4, sum: format!("{:032x}", 5) }, Some(&alice));
        let p = judge_one(&by_bob, &trust, Some(&team)).problem.expect("flagged");
        assert!(p.contains("bob is not an approver"), "{p}");
        let unsigned = entry(5, "alice", Event::Checkpoint { seq: 4, sum: format!("{:032x}", 5) }, None);
        assert!(judge_one(&unsigned, &trust, Some(&team)).problem.is_some(), "an unsigned checkpoint proves nothing");
    }
}
