//! The signatures part of `status`, in words: what `live::verdicts` judged and counted.

use crate::live::Loaded;
use crate::live::signing::Mark;
use crate::live::verdicts::{Built, Signatures};

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
