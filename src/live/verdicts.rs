//! Every event judged as `sprout verify` judges it (against the trust at the journal's head),
//! counted, and every event whose mark says it is not proven by its operator's key listed, where
//! signatures matter (required, or a key trusted): `status`'s signatures and the dashboard
//! header's count of failing signatures. The verdicts are kept beside the derived-state cache.

use serde::{Deserialize, Serialize};

use super::Loaded;
use super::rests::Seqs;
use super::signing::{Mark, Signing};

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

/// How many events' signatures fail (`✗`), for the dashboard's header: counted on its background
/// worker, never on a key press; `None` where signatures do not matter or the data cannot be read.
pub fn failing(store: &std::sync::Arc<dyn crate::store::Store>) -> Option<usize> {
    // Whether signatures matter is known from the trust root alone (`Signing::in_use`): where
    // they do not, the store is not loaded a second time beside the dashboard's own state.
    let root = crate::store::trust::load(&store.place()).ok()?;
    if !root.required && root.keys.is_empty() {
        return None;
    }
    let loaded = super::load(store).ok()?;
    build(&loaded).ok().flatten().map(|b| b.signatures.failed)
}
