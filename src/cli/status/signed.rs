//! The signatures part of `status`: each event judged as `sprout verify` judges it (against the
//! trust at the journal's head), counted, and every event whose mark says it is not proven by
//! its operator's key listed, where signatures matter (required, or a key trusted).

use serde::{Deserialize, Serialize};

use crate::live::Loaded;
use crate::live::rests::Seqs;
use crate::live::signing::{Mark, Signing};

/// `status --format json`'s `signatures`: `null` where no key is trusted and none required.
#[derive(Debug, Serialize, Deserialize)]
pub struct Signatures {
    pub required: bool,
    pub verified: usize,
    pub unsigned: usize,
    /// Events marked `?` (unsigned where required or its operator has a key).
    pub unproven: usize,
    /// Events marked `✗` (a signature or key change that fails).
    pub failed: usize,
    /// Events not proven by their operator's key, `unproven` and `failed` together: the text's
    /// "n event(s) not proven" (said from the counts, never kept).
    #[serde(default)]
    pub not_proven: usize,
    /// The marked events, oldest first; the first `KEPT` of them.
    pub events: Vec<Marked>,
    /// Key changes that counted only because team.ron (inside the data directory) names their
    /// signer an approver, there being no approvers file in the trust root: "#seq: why".
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One event that carries a mark.
#[derive(Debug, Serialize, Deserialize)]
pub struct Marked {
    pub seq: u64,
    pub by: String,
    pub kind: String,
    /// `verified`, `unsigned`, `bad`, `unknown key` or `revoked`.
    pub signature: String,
    /// `?` or `✗`.
    pub mark: String,
    pub problem: Option<String>,
}

const KEPT: usize = 1000;

/// The verdicts of a journal up to event `upto` (whose sum was `sum`), under a trust whose
/// digest was `trust`: kept beside the derived-state cache, so that `status` verifies only the
/// events appended since (a million signed events take most of a minute to verify).
#[derive(Serialize, Deserialize)]
struct Cached {
    trust: String,
    upto: u64,
    sum: String,
    signatures: Signatures,
    /// Every marked event's seq: what a derived fact's mark is looked up in.
    marked: Seqs,
}

/// The signatures part of `status`, the trust it was judged under, and every marked event's
/// seq in order (not only the first `KEPT`).
pub struct Built {
    pub signatures: Signatures,
    pub signing: Signing,
    pub marked: Seqs,
}

/// Judge every event of `loaded` (read a slice at a time, verified on both cores), or only
/// those after the verdicts cached for this trust, when the journal still holds the event they
/// end at.
pub fn build(loaded: &Loaded) -> Result<Option<Built>, String> {
    let signing = Signing::at_head(loaded)?;
    if !signing.in_use() {
        return Ok(None);
    }
    let digest = signing.digest();
    let (mut s, mut marked, from) = cached(loaded, &digest).unwrap_or_else(|| {
        let fresh = Signatures {
            required: signing.trust.required,
            verified: 0,
            unsigned: 0,
            unproven: 0,
            failed: 0,
            not_proven: 0,
            events: Vec::new(),
            warnings: Vec::new(),
        };
        (fresh, Seqs::default(), 0)
    });
    let positions: Vec<usize> = (from..loaded.data.journal.len()).collect();
    for chunk in positions.chunks(16 * 1024) {
        let entries = loaded.entries(chunk)?;
        let judged = crate::parallel::halves(&entries, |_, part| {
            part.iter().map(|e| (signing.judge(e), e)).map(|(j, e)| (signing.mark(e, &j), j)).collect::<Vec<_>>()
        });
        for ((mark, j), e) in judged.into_iter().flatten().zip(&entries) {
            s.verified += usize::from(j.verdict.is_verified());
            s.unsigned += usize::from(j.verdict.mark() == "unsigned");
            let Some(mark) = mark else { continue };
            marked.push(e.seq);
            match mark {
                Mark::Unproven => s.unproven += 1,
                Mark::Failed => s.failed += 1,
                Mark::Verified => continue,
            }
            if s.events.len() < KEPT {
                s.events.push(Marked {
                    seq: e.seq,
                    by: e.by.clone(),
                    kind: e.event.kind().to_string(),
                    signature: j.verdict.mark().to_string(),
                    mark: mark.symbol().to_string(),
                    problem: j.problem,
                });
            }
        }
    }
    let journal = &loaded.data.journal;
    if !positions.is_empty() {
        let kept = Cached { trust: digest, upto: journal.seq, sum: journal.sum.clone(), signatures: s, marked };
        if let Ok(bytes) = serde_json::to_vec(&kept) {
            loaded.store.save_cache_part("signatures", &bytes);
        }
        (s, marked) = (kept.signatures, kept.marked);
    }
    s.not_proven = s.unproven + s.failed;
    // Said from the key changes as read now, never from kept verdicts.
    s.warnings = signing.warnings().into_iter().map(|(seq, why)| format!("#{seq}: {why}")).collect();
    Ok(Some(Built { signatures: s, signing, marked }))
}

/// The cached verdicts and the position to go on from, if they were made under this trust and
/// the journal still holds the event they end at, unchanged.
fn cached(loaded: &Loaded, digest: &str) -> Option<(Signatures, Seqs, usize)> {
    let c: Cached = serde_json::from_slice(&loaded.store.cache_part("signatures")?).ok()?;
    let upto = usize::try_from(c.upto).ok()?;
    if c.trust != digest || upto == 0 || upto > loaded.data.journal.len() {
        return None;
    }
    let e = loaded.entries(&[upto - 1]).ok()?.pop()?;
    (e.seq == c.upto && e.sum == c.sum).then_some((c.signatures, c.marked, upto))
}

/// The text and Markdown lines: how many events rest on no proof, and the first few.
pub fn text(s: &Signatures, out: &mut String, bullet: &str) {
    for w in &s.warnings {
        out.push_str(&format!("{bullet}warning: key change {}\n", crate::safe::visible(w)));
    }
    let marked = s.unproven + s.failed;
    if marked == 0 {
        out.push_str(&format!("{bullet}every event is proven by its operator's key ({} verified)\n", s.verified));
        return;
    }
    out.push_str(&format!(
        "{bullet}{marked} event(s) not proven by their operator's key: {} failed ✗ (signature fails), {} unproven ? (unsigned{})\n",
        s.failed,
        s.unproven,
        if s.required { "; this directory requires every event signed" } else { " by an operator who has a key" }
    ));
    // The failures first: they are what someone must look into.
    let failed = s.events.iter().filter(|m| m.mark == Mark::Failed.symbol());
    for m in failed.chain(s.events.iter().filter(|m| m.mark != Mark::Failed.symbol())).take(5) {
        let why = m.problem.as_deref().unwrap_or("unsigned, though a key is listed for its operator");
        out.push_str(&format!(
            "{bullet}{} #{} {} by {}: {}\n",
            m.mark,
            m.seq,
            m.kind,
            crate::safe::visible(&m.by),
            crate::safe::visible(why)
        ));
    }
    if marked > 5 {
        out.push_str(&format!("{bullet}... and {} more: sprout verify lists them at their lines\n", marked - 5));
    }
}

/// Fill in what the gates and phases rest on that is not proven, from the marked events.
pub(super) fn rests_on(loaded: &Loaded, built: &Built, ro: &mut super::RolloutReport) -> Result<(), String> {
    let of = |seqs: &[u64]| crate::live::rests::of(loaded, &built.signing, seqs, Some(&built.marked));
    for g in &mut ro.gates {
        g.rests_on = of(&g.rests)?;
    }
    for p in &mut ro.phases {
        p.rests_on = of(p.opened_seq.as_slice())?;
    }
    Ok(())
}
