//! `sprout check` over a store: the whole journal replayed once, every event asked again of the
//! rules with the state just before it, and every problem located in its file.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::progress::Progress;
use crate::rules;
use crate::store::Store;

use super::judged::{Judged, baseline_changed};
use super::{Loaded, load_full, plans};

/// `sprout check`: every syntax and cross-reference problem, each located.
pub fn check(store: &Arc<dyn Store>, now: DateTime<Utc>) -> Result<Loaded, Vec<String>> {
    match run(store, now, &mut Judged::new(now)) {
        (Some(loaded), problems) if problems.is_empty() => Ok(loaded),
        (_, problems) => Err(problems),
    }
}

/// BLAKE3 of the fleet's bytes a state was built from, as an import records it: from the
/// digest the store kept of them (`Loaded::fleet_digest`, "length:hash") when there is one,
/// with no 30 MB read again; else the fleet as the store has it now.
pub(super) fn fleet_hash(store: &Arc<dyn Store>, digest: Option<&str>) -> String {
    match digest.and_then(|d| d.split_once(':')).filter(|(_, hash)| hash.len() == 64) {
        Some((_, hash)) => hash.to_string(),
        None => blake3::hash(store.sources().fleet.as_bytes()).to_hex().to_string(),
    }
}

/// `check`, noting in `judged` what it found in the journal's events (the header's count is
/// kept from it and followed as events are applied: `judged`): the state when the journal
/// loaded, and every problem, each located.
pub(super) fn run(store: &Arc<dyn Store>, now: DateTime<Utc>, judged: &mut Judged) -> (Option<Loaded>, Vec<String>) {
    let (mut journal, mut history) = (Vec::new(), Vec::new());
    let stamp = store.stamp();
    let loaded = plans(store).and_then(|plans| {
        load_full(store, stamp, plans, &Progress::new(), None, super::full::Servers::Kept, |line, e, data, state| {
            judged.event(data, state, line, e, now, &mut journal, &mut history);
        })
    });
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(problems) => return (None, problems),
    };
    let mut problems = rules::check::check(&loaded.data, &loaded.state);
    judged.files_among(problems.len(), &loaded.data, &loaded.state);
    // fleet.ron as the last import recorded it: a change by hand since is named.
    if judged.baseline.is_some() {
        problems.extend(baseline_changed(&judged.baseline, &fleet_hash(store, loaded.fleet_digest.as_deref())));
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
        return (Some(loaded), Vec::new());
    }
    let sources = store.sources();
    let located = problems
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
        .collect();
    (Some(loaded), located)
}
