//! `sprout check` over a store: the whole journal replayed once, every event asked again of the
//! rules with the state just before it, and every problem located in its file.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::progress::Progress;
use crate::rules;
use crate::store::Store;

use super::{Loaded, load_full, plans};

/// `sprout check`: every syntax and cross-reference problem, each located.
pub fn check(store: &Arc<dyn Store>, now: DateTime<Utc>) -> Result<Loaded, Vec<String>> {
    run(store, now, &mut None)
}

/// `check`, noting in `latest` the time of the latest event read: the only problem that
/// depends on the clock is an event dated in the future.
pub(super) fn run(
    store: &Arc<dyn Store>,
    now: DateTime<Utc>,
    latest: &mut Option<DateTime<Utc>>,
) -> Result<Loaded, Vec<String>> {
    let (mut journal, mut history) = (Vec::new(), Vec::new());
    let mut baseline: Option<(usize, String)> = None;
    let stamp = store.stamp();
    let plans = plans(store)?;
    let loaded = load_full(store, stamp, plans, &Progress::new(), None, |line, e, data, state| {
        *latest = (*latest).max(Some(e.at));
        if let crate::model::Event::BaselineChanged { file, hash, .. } = &e.event
            && file == crate::store::FLEET
        {
            baseline = Some((line, hash.clone()));
        }
        let before = journal.len();
        rules::check::event(data, state, line, e, &mut journal);
        // An event naming what does not exist is reported once, not again as a refusal.
        if journal.len() == before {
            rules::check::history(data, state, line, e, now, &mut history);
        }
    })?;
    let mut problems = rules::check::check(&loaded.data, &loaded.state, now);
    // fleet.ron as the last import recorded it: a change by hand since is named.
    if let Some((line, hash)) = baseline {
        let now_hash = blake3::hash(store.sources().fleet.as_bytes()).to_hex().to_string();
        if now_hash != hash {
            problems.push(rules::check::Problem {
                file: crate::store::FLEET,
                last: false,
                near: None,
                after: Vec::new(),
                line: Some(1),
                message: format!(
                    "changed since journal.ron line {line} recorded it (by import); record inventory changes with sprout import"
                ),
            });
        }
    }
    // History judged by broken files repeats their problem at every event: one problem, once.
    if problems.is_empty() || history.is_empty() {
        problems.extend(journal);
        problems.extend(history);
    } else {
        problems.extend(journal);
        problems.push(rules::check::Problem {
            file: crate::store::JOURNAL,
            last: false,
            near: None,
            after: Vec::new(),
            line: Some(1),
            message: format!(
                "{} event(s) the rules would refuse with these files; fix the problems above and check again",
                history.len()
            ),
        });
    }
    if problems.is_empty() {
        return Ok(loaded);
    }
    let sources = store.sources();
    Err(problems
        .into_iter()
        .map(|p| {
            let text = match p.file {
                crate::store::CATALOG => &sources.catalog,
                crate::store::FLEET => &sources.fleet,
                crate::store::ROLLOUT => &sources.rollout,
                crate::store::TEAM => &sources.team,
                _ => "",
            };
            let (line, col) = p
                .line
                .map(|l| (l, 1))
                .or_else(|| {
                    // Past each anchor in turn, then the text itself.
                    let from =
                        p.after.iter().try_fold(0, |from, a| text[from..].find(a.as_str()).map(|k| from + k + a.len()));
                    let (text, skipped) = match from {
                        Some(from) if !p.after.is_empty() => (&text[from..], &text[..from]),
                        _ => (text, ""),
                    };
                    let (line, col) = crate::store::parse::locate(text, p.near.as_deref()?, p.last)?;
                    let lines_before = skipped.matches('\n').count();
                    let col =
                        if line == 1 { col + skipped.len() - skipped.rfind('\n').map_or(0, |n| n + 1) } else { col };
                    Some((line + lines_before, col))
                })
                .unwrap_or((1, 1));
            format!("{}: {}", store.locate(p.file, &[line, col]), p.message)
        })
        .collect())
}
