//! The status in a few Markdown lines, for the minutes: compliance, the phase, its gates, what
//! waits for approvers; and the open items with their owners.

use chrono::{DateTime, Utc};

use crate::cli::markdown::inline;
use crate::model::Data;
use crate::rules::State;

use super::{Report, build};

/// At most this many items under one line: the minutes stay readable for a large fleet.
const SHOWN: usize = 5;

/// The state as compact Markdown list lines, and the open items as (owner, item) pairs.
pub(crate) fn summary(
    data: &Data,
    state: &State,
    rollout: Option<usize>,
    now: DateTime<Utc>,
) -> (String, Vec<(String, String)>) {
    let report = build(String::new(), now, data, state, rollout);
    (lines(&report), open_items(data, &report))
}

fn nested(o: &mut String, items: &[String]) {
    for item in items.iter().take(SHOWN) {
        o.push_str(&format!("  - {}\n", inline(item)));
    }
    if items.len() > SHOWN {
        o.push_str(&format!("  - … and {} more\n", items.len() - SHOWN));
    }
}

fn lines(r: &Report) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "- {} servers: {} product(s) three or more service packs behind (violations), {} at the limit of two\n",
        r.servers,
        r.violations.len(),
        r.at_limit.len()
    ));
    nested(&mut o, &r.violations.iter().map(|v| format!("✗ {}", v.text)).collect::<Vec<_>>());
    let Some(ro) = &r.rollout else {
        o.push_str("- no rollout in rollout.ron\n");
        return o;
    };
    let Some(c) = ro.current else {
        o.push_str(&format!("- rollout {}: no phase open yet\n", inline(&ro.id)));
        return o;
    };
    o.push_str(&format!(
        "- rollout {} ({}): phase {c} of {} open, {}\n",
        inline(&ro.id),
        inline(&ro.title),
        ro.phases.len(),
        inline(&ro.phases[c - 1].name)
    ));
    let met = ro.gates.iter().filter(|g| g.met).count();
    o.push_str(&format!("- gates of phase {c}: {met} of {} met\n", ro.gates.len()));
    for g in &ro.gates {
        let mark = if g.met { "✓ met:" } else { "✗ UNMET:" };
        let count = if g.met { String::new() } else { format!(" ({} item(s))", g.unmet.len()) };
        o.push_str(&format!("  - {mark} {}{count}\n", inline(g.label)));
    }
    if let Some(halt) = &ro.halted {
        o.push_str(&format!("- ! {}\n", inline(halt)));
    }
    if !ro.pending_overrides.is_empty() {
        o.push_str(&format!("- {} override request(s) waiting for approvers\n", ro.pending_overrides.len()));
        nested(&mut o, &ro.pending_overrides.iter().map(|q| q.text.clone()).collect::<Vec<_>>());
    }
    o.push_str(&if ro.can_advance {
        format!("- all gates met: phase {} may open\n", c + 1)
    } else if c == ro.phases.len() {
        "- this is the last phase\n".to_string()
    } else {
        format!("- phase {} may not open yet\n", c + 1)
    });
    o
}

/// What the phase waits on, and on whom: the waiting-on list (site operators, sign-off groups)
/// and every override request (the approvers who may still confirm it).
fn open_items(data: &Data, r: &Report) -> Vec<(String, String)> {
    let Some(ro) = &r.rollout else { return Vec::new() };
    let mut items: Vec<(String, String)> = ro
        .waiting_on
        .iter()
        .map(|w| {
            let item = w.text.split_once(": ").map_or(w.text.as_str(), |(_, t)| t);
            (if w.who.is_empty() { "anyone".to_string() } else { w.who.clone() }, item.to_string())
        })
        .collect();
    for q in &ro.pending_overrides {
        let may: Vec<&str> = data.team.as_ref().map_or_else(Vec::new, |t| {
            t.approvers.iter().filter(|a| **a != q.asked_by && !q.confirmed.contains(a)).map(String::as_str).collect()
        });
        let owner = if may.is_empty() { "approvers".to_string() } else { format!("approvers ({})", may.join(", ")) };
        items.push((owner, format!("confirm or withdraw override request #{}: {} ({})", q.request, q.asks, q.reason)));
    }
    items
}
