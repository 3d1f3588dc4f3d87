//! The checks of journal events: what names nothing that exists, and what the write path
//! would have refused when the event was appended.

use chrono::{DateTime, Utc};

use crate::model::Data;
use crate::model::Event;

use super::Problem;
use crate::rules::replay::State;

/// What the write path would have refused when the event was appended, asked again over
/// history with the state just before it and the event's own time: every rule of
/// `record::rules` (who may record it, separation of duties, gates, backups, open phases,
/// override requests), and the clock's order. An event appended by hand around the write path
/// is reported at its line. Asked of an event `event` found no problem in: its texts, which
/// `event` looked at, are not looked at again.
pub fn history(
    data: &Data,
    state: &State,
    line: usize,
    e: &crate::model::Entry,
    now: DateTime<Utc>,
    out: &mut Vec<Problem>,
) {
    let mut push = |message: String| {
        out.push(Problem { file: "journal.ron", last: false, near: None, after: Vec::new(), line: Some(line), message })
    };
    // Written out only for a problem: nearly every event has none.
    let by = || crate::safe::visible(&e.by);
    if let Err(refusal) = crate::rules::time::in_time_order(data.journal.last_at, e.at) {
        push(format!("{} by {} is out of time order: {refusal}", e.event.kind(), by()));
    }
    let latest = now.checked_add_signed(chrono::Duration::minutes(crate::rules::time::CLOCK_TOLERANCE_MINUTES));
    if latest.is_some_and(|latest| e.at > latest) {
        push(format!("{} by {} is dated {}, in the future", e.event.kind(), by(), e.at.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Err(refusal) = crate::rules::record::rules_of_plain_text(data, state, &e.event, &e.by, e.at) {
        push(format!("{} by {} would have been refused: {}", e.event.kind(), by(), crate::safe::visible(&refusal.0)));
    }
}

/// Problems of one journal event (on `line` of journal.ron), streamed by the loader.
pub fn event(data: &Data, state: &State, line: usize, e: &crate::model::Entry, out: &mut Vec<Problem>) {
    let cat = &data.catalog;
    {
        let mut push = |message: String| {
            out.push(Problem {
                file: "journal.ron",
                last: false,
                near: None,
                after: Vec::new(),
                line: Some(line),
                message,
            })
        };
        let context = e.from.as_deref().map(|f| ("where it came from", f));
        for (what, text) in e.event.texts().into_iter().chain([("the operator", e.by.as_str())]).chain(context) {
            if let Some(bad) = crate::safe::find_unsafe(text) {
                push(format!("{} event: {what} holds control or direction characters ({bad})", e.event.kind()));
            }
        }
        if let Some(name) = crate::rules::keys::operator_problem(&e.by) {
            push(format!("{} event: {name}", e.event.kind()));
        }
        if let Some(s) = e.event.server().filter(|s| state.server_index(s).is_none()) {
            let s = crate::safe::visible(s);
            push(format!("{} event for unknown server '{s}'", e.event.kind()));
        }
        if let Some(id) = e.event.rollout() {
            match data.plan.rollouts.iter().find(|r| r.id == id) {
                None => push(format!("{} event for unknown rollout '{id}'", e.event.kind())),
                Some(ro) => {
                    let phase = e.event.phase();
                    if let Some(ph) = phase.filter(|ph| ro.phase_index(ph).is_none()) {
                        push(format!("{} event for unknown phase '{ph}' of rollout {id}", e.event.kind()));
                    }
                }
            }
        }
        match &e.event {
            Event::Install { product, .. } | Event::Verify { product, .. } | Event::BackedOut { product, .. }
                if cat.product(product).is_none() =>
            {
                push(format!("{} event for unknown product '{product}'", e.event.kind()));
            }
            Event::HotFixApplied { hot_fix, .. } if cat.hot_fix(hot_fix).is_none() => {
                push(format!("hotfix event for unknown hot fix '{hot_fix}'"))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entry;
    use crate::rules::fixture::{now, sample};

    #[test]
    fn a_journal_event_naming_what_does_not_exist_is_reported_at_its_line() {
        let (data, state) = sample();
        let entry = |event| Entry {
            seq: 1,
            at: now(),
            by: "op".into(),
            from: None,
            event,
            prev: String::new(),
            sig: None,
            sum: String::new(),
        };
        let mut out = Vec::new();
        event(&data, &state, 7, &entry(Event::Backup { server: "NO-SUCH".into(), note: String::new() }), &mut out);
        let phase =
            Event::SoakExtended { rollout: "ex55-sp4".into(), phase: "Moon".into(), days: 1, reason: "r".into() };
        event(&data, &state, 8, &entry(phase), &mut out);
        let fix = Event::HotFixApplied { server: "BOS-PF01".into(), hot_fix: "Q999999".into() };
        event(&data, &state, 9, &entry(fix), &mut out);
        let found: Vec<(Option<usize>, &str)> = out.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (Some(7), "backup event for unknown server 'NO-SUCH'"),
                (Some(8), "extend event for unknown phase 'Moon' of rollout ex55-sp4"),
                (Some(9), "hotfix event for unknown hot fix 'Q999999'")
            ]
        );
    }
}
