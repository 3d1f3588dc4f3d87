//! Overrides: without a team, recorded with the approver's name; with a team, asked for by
//! anyone and confirmed by as many of its approvers as the phase needs, none of them the one who
//! asked, each from their own session; withdrawn by whoever asked, or declined by an approver.

use chrono::{DateTime, Utc};

use crate::model::{Asked, Data, Event, Team};

use super::lookup::{Refusal, phase_index, refuse, rollout_index, server_index};
use super::replay::{Request, State};
use super::view::RolloutView;

/// Check an override event (and refuse a direct override where a team must confirm it).
pub fn check(data: &Data, state: &State, event: &Event, operator: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    let team = data.team.as_ref();
    match event {
        Event::PhaseOpened { override_reason: Some(_), approver, .. } => match team {
            Some(_) => refuse(
                "with team.ron an override is asked for and confirmed by approvers other than the one who asks: \
                 sprout advance --override REASON asks, an approver runs sprout approve --request N",
            ),
            None => need("an approver for the override", approver.as_deref()),
        },
        Event::RiskOverride { approver, .. } => match team {
            Some(_) => refuse(
                "with team.ron a priority override is asked for and confirmed by approvers other than the one who \
                 asks: sprout record priority asks, an approver runs sprout approve --request N",
            ),
            None => need("an approver for the priority override (--approver NAME)", approver.as_deref()),
        },
        Event::OverrideRequested { rollout, asked, reason, needs } => {
            let Some(team) = team else {
                return refuse(
                    "without team.ron there are no approvers to ask: record the override with the approver's name \
                     (--approver NAME)",
                );
            };
            let r = rollout_index(data, rollout)?;
            let ro = &data.plan.rollouts[r];
            need("a reason for the override", Some(reason))?;
            if let Some(q) = state.progress[r].requests.iter().find(|q| same_target(&q.asked, asked)) {
                return refuse(format!(
                    "{} asked for this override already (request #{}, {}); it waits for {}",
                    q.by,
                    q.seq,
                    q.at.format("%Y-%m-%d %H:%M"),
                    still_needed(q)
                ));
            }
            let wanted = ro.approvers_for(asked);
            if *needs != wanted {
                return refuse(format!(
                    "the request says {needs} approver(s) must confirm it; rollout.ron says {wanted}"
                ));
            }
            let others = distinct(team).into_iter().filter(|a| *a != operator).count();
            if others < usize::from(wanted) {
                return refuse(format!(
                    "this override needs {wanted} approver(s) other than {operator}, and team.ron names only {others}"
                ));
            }
            still_possible(data, state, r, asked)?;
            let Some((listed, current)) = covered(data, state, r, asked, now) else {
                return refuse("every gate is met: open the phase with sprout advance, no override needed");
            };
            if listed != &current {
                return refuse("the request does not list the unmet gate items as they are now; ask again");
            }
            Ok(())
        }
        Event::OverrideConfirmed { rollout, request } => {
            let Some(team) = team else {
                return refuse("without team.ron there is nothing to confirm: overrides name their approver");
            };
            let r = rollout_index(data, rollout)?;
            let q = pending(state, r, Some(*request))?;
            may_confirm(team, q, operator)?;
            // What the request asks must still be possible: the phase still the next one, the
            // server still there, the priority one of 1, 2, 3.
            still_possible(data, state, r, &q.asked)?;
            let Some((listed, current)) = covered(data, state, r, &q.asked, now) else {
                return refuse(format!(
                    "every gate is met now: open the phase with sprout advance (and withdraw request #{})",
                    q.seq
                ));
            };
            if let Some(change) = worse(listed, &current) {
                return refuse(format!(
                    "the unmet gates changed since request #{} was asked ({change}): it should be withdrawn and asked again",
                    q.seq
                ));
            }
            Ok(())
        }
        Event::OverrideWithdrawn { rollout, request, reason } => {
            let r = rollout_index(data, rollout)?;
            let q = pending(state, r, Some(*request))?;
            need("a reason to withdraw the request", Some(reason))?;
            if q.by != operator && !team.is_some_and(|t| t.may_approve(operator)) {
                return refuse(format!("only {}, who asked, or an approver may withdraw request #{}", q.by, q.seq));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The unmet items a request listed, and the same items as they are now (for a priority, its
/// server's); `None` when opening a phase and every gate is met (no override is needed).
fn covered<'a>(
    data: &Data,
    state: &State,
    r: usize,
    asked: &'a Asked,
    now: DateTime<Utc>,
) -> Option<(&'a Vec<String>, Vec<String>)> {
    let now_unmet = unmet(data, state, r, now);
    match asked {
        Asked::Open { overridden, .. } => (!now_unmet.is_empty()).then_some((overridden, now_unmet)),
        Asked::Priority { server, overridden, .. } => Some((overridden, unmet_of(&now_unmet, server))),
    }
}

/// What a request asks can still be done: the phase it opens is the next one, the server it
/// moves exists, the priority is 1, 2 or 3.
fn still_possible(data: &Data, state: &State, r: usize, asked: &Asked) -> Result<(), Refusal> {
    let ro = &data.plan.rollouts[r];
    match asked {
        Asked::Open { phase, .. } => {
            let p = phase_index(ro, phase)?;
            let next = state.progress[r].current.map_or(0, |c| c + 1);
            if p != next {
                return refuse(format!(
                    "phase {} ({}) is not the next phase of '{}': the next is {}",
                    p + 1,
                    ro.phases[p].name,
                    ro.id,
                    next + 1
                ));
            }
        }
        Asked::Priority { server, priority, .. } => {
            server_index(state, server)?;
            if !(1..=3).contains(priority) {
                return refuse(format!("priority must be 1, 2 or 3, not {priority}"));
            }
        }
    }
    Ok(())
}

/// The team's approvers, each once.
fn distinct(team: &Team) -> Vec<&str> {
    let mut names: Vec<&str> = team.approvers.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The unmet gate items about `server` ("BOS-IMS01: ...").
pub fn unmet_of(unmet: &[String], server: &str) -> Vec<String> {
    let prefix = format!("{server}: ");
    unmet.iter().filter(|l| l.starts_with(&prefix)).cloned().collect()
}

/// The request an event confirms, as it was before: what `effect` reports on.
pub fn confirmed(data: &Data, state: &State, event: &Event) -> Option<Request> {
    let Event::OverrideConfirmed { rollout, request } = event else { return None };
    let r = data.plan.rollouts.iter().position(|ro| &ro.id == rollout)?;
    state.progress[r].requests.iter().find(|q| q.seq == *request).cloned()
}

/// What an override event did, read from the state just after it (`before`: the request it
/// confirmed, from `confirmed`): who a request still waits for, or what the last confirmation
/// put into effect.
pub fn effect(data: &Data, state: &State, entry: &crate::model::Entry, before: Option<&Request>) -> Option<String> {
    let r = entry.event.rollout().and_then(|id| data.plan.rollouts.iter().position(|ro| ro.id == id))?;
    let seq = match &entry.event {
        Event::OverrideRequested { .. } => entry.seq,
        Event::OverrideConfirmed { request, .. } => *request,
        _ => return None,
    };
    if let Some(q) = state.progress[r].requests.iter().find(|q| q.seq == seq) {
        let who = data.team.as_ref().map_or_else(Vec::new, |t| {
            t.approvers.iter().filter(|a| **a != q.by && !q.confirmed.contains(a)).cloned().collect()
        });
        return Some(format!(
            "request #{seq} waits for {} ({} may confirm it: sprout approve --request {seq})",
            still_needed(q),
            who.join(", ")
        ));
    }
    let ro = &data.plan.rollouts[r];
    let done = match &before?.asked {
        Asked::Open { phase, .. } => match ro.phase_index(phase) {
            Some(p) if state.progress[r].current == Some(p) => format!("phase {} ({phase}) is open", p + 1),
            _ => format!("phase {phase} did not open: it is no longer the next one"),
        },
        Asked::Priority { server, priority, .. } => format!("{server} now has priority {priority}"),
    };
    Some(format!("every approver it needed confirmed: {done}"))
}

/// Whether `operator` may confirm `q`: an approver, not the one who asked, not twice.
/// The approvers who can still confirm `q`: not who asked, not who confirmed already.
pub fn can_confirm<'a>(team: &'a Team, q: &Request) -> Vec<&'a str> {
    team.approvers.iter().map(String::as_str).filter(|a| *a != q.by && !q.confirmed.iter().any(|c| c == a)).collect()
}

pub fn may_confirm(team: &Team, q: &Request, operator: &str) -> Result<(), Refusal> {
    if !team.may_approve(operator) {
        return refuse(format!(
            "only an approver may confirm an override; {operator} is not among the approvers in team.ron ({})",
            team.approvers.join(", ")
        ));
    }
    if q.by == operator {
        return refuse(format!(
            "an approver may not approve their own override: {operator} asked for request #{}; another approver must confirm it",
            q.seq
        ));
    }
    if q.confirmed.iter().any(|c| c == operator) {
        return refuse(format!("{operator} already confirmed request #{}; it waits for {}", q.seq, still_needed(q)));
    }
    Ok(())
}

/// The pending request meant: the one numbered, else the only one.
pub fn pending(state: &State, r: usize, request: Option<u64>) -> Result<&Request, Refusal> {
    let requests = &state.progress[r].requests;
    match request {
        Some(seq) => requests.iter().find(|q| q.seq == seq).ok_or_else(|| {
            Refusal(format!("no override request #{seq} is pending: it was confirmed, withdrawn or never asked"))
        }),
        None => match requests.as_slice() {
            [] => refuse("no override request is pending"),
            [only] => Ok(only),
            many => {
                let numbers: Vec<String> = many.iter().map(|q| format!("#{}", q.seq)).collect();
                refuse(format!(
                    "{} override requests are pending ({}): name one with --request",
                    many.len(),
                    numbers.join(", ")
                ))
            }
        },
    }
}

/// "2 more approvers (of mtracy, kdavis)": what a request still waits for.
pub fn still_needed(q: &Request) -> String {
    let left = usize::from(q.needed).saturating_sub(q.confirmed.len());
    format!("{left} more approver{}", if left == 1 { "" } else { "s" })
}

/// Two requests ask for the same thing: opening a phase, or one server's priority.
fn same_target(a: &Asked, b: &Asked) -> bool {
    match (a, b) {
        (Asked::Open { .. }, Asked::Open { .. }) => true,
        (Asked::Priority { server: x, .. }, Asked::Priority { server: y, .. }) => x == y,
        _ => false,
    }
}

fn need(what: &str, text: Option<&str>) -> Result<(), Refusal> {
    if text.is_none_or(|t| t.trim().is_empty()) { refuse(format!("{what} is required")) } else { Ok(()) }
}

/// The unmet gate items of the rollout's current phase, now.
pub fn unmet(data: &Data, state: &State, r: usize, now: DateTime<Utc>) -> Vec<String> {
    RolloutView::of(data, state, r, now).unmet()
}

/// What an unmet item is about and why, with the counts of days left out: the same servers and
/// groups holding the same gates for the same reasons are no change, however many days passed.
fn item_key(line: &str) -> String {
    let (subject, why) = line.split_once(": ").unwrap_or((line, ""));
    // "its Pass came too early" says when a Pass was, not that anything got worse.
    let why = why.replace(" (its Pass came too early)", "");
    let words: Vec<String> = why
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| if w == "days" { "day".to_string() } else { w.to_string() })
        .collect();
    format!("{subject}: {}", words.join(" "))
}

/// What is unmet now that was not when the request was asked, if anything: the override would
/// pass more than the approvers were asked for. Items met since make it no worse.
pub fn worse(asked: &[String], now: &[String]) -> Option<String> {
    let before: std::collections::BTreeSet<String> = asked.iter().map(|l| item_key(l)).collect();
    let new: Vec<String> =
        now.iter().filter(|l| !before.contains(&item_key(l))).map(|l| crate::safe::visible(l).into_owned()).collect();
    if new.is_empty() {
        return None;
    }
    let mut s = new.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    if new.len() > 3 {
        s.push_str(&format!("; {} more", new.len() - 3));
    }
    Some(format!("now also unmet: {s}"))
}

#[cfg(test)]
mod tests;
