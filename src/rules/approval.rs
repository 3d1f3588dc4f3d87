//! Overrides: without a team, recorded with the approver's name; with a team, asked for by
//! anyone and confirmed by as many of its approvers as the phase needs, none of them the one who
//! asked, each from their own session; withdrawn by whoever asked, or declined by an approver.

use chrono::{DateTime, Utc};

use crate::model::{Asked, Data, Event, Team};

use super::lookup::{Refusal, phase_index, refuse, rollout_index, server_index};
use super::replay::{Request, State};
use super::view::FleetView;

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
    FleetView::build(data, state, Some(r), now).rollout.map(|v| v.unmet()).unwrap_or_default()
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
mod tests {
    use super::*;
    use crate::model::{CheckoutResult, Team};
    use crate::rules::fixture::{apply, now, sample};

    const RO: &str = "ex55-sp4";

    fn team(approvers: &[&str]) -> Option<Team> {
        Some(Team { approvers: approvers.iter().map(|a| a.to_string()).collect() })
    }

    fn request(data: &Data, state: &State) -> Event {
        let asked = Asked::Open { phase: "Local high impact".into(), overridden: unmet(data, state, 0, now()) };
        let needs = data.plan.rollouts[0].approvers_for(&asked);
        Event::OverrideRequested { rollout: RO.into(), asked, reason: "change board".into(), needs }
    }

    fn confirm(seq: u64) -> Event {
        Event::OverrideConfirmed { rollout: RO.into(), request: seq }
    }

    fn current(state: &State) -> Option<usize> {
        state.progress[0].current
    }

    #[test]
    fn a_request_opens_the_phase_when_another_approver_confirms_it() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy", "kdavis"]);
        let ask = request(&data, &state);
        assert_eq!(check(&data, &state, &ask, "jsmith", now()), Ok(()));
        let seq = apply(&data, &mut state, "mtracy", ask);
        assert_eq!(current(&state), Some(2), "asking opens nothing");
        let e = check(&data, &state, &confirm(seq), "mtracy", now()).expect_err("own request");
        assert!(e.0.starts_with("an approver may not approve their own override: mtracy asked"), "{e}");
        let e = check(&data, &state, &confirm(seq), "jsmith", now()).expect_err("not an approver");
        assert!(e.0.starts_with("only an approver may confirm an override; jsmith"), "{e}");
        assert_eq!(check(&data, &state, &confirm(seq), "kdavis", now()), Ok(()));
        apply(&data, &mut state, "kdavis", confirm(seq));
        assert_eq!(current(&state), Some(3), "the confirmation opened phase 4");
        let opened = state.progress[0].opened[3].as_ref().expect("opened");
        assert_eq!((opened.by.as_str(), opened.approvers.clone()), ("mtracy", vec!["kdavis".to_string()]));
        assert_eq!(opened.override_reason.as_deref(), Some("change board"));
        assert!(state.progress[0].requests.is_empty(), "nothing is pending any more");
        let e = check(&data, &state, &confirm(seq), "jsmith", now()).expect_err("gone");
        assert!(e.0.contains("only an approver") || e.0.contains("is pending"), "{e}");
    }

    #[test]
    fn a_phase_that_needs_two_approvers_waits_for_both_and_neither_is_the_one_who_asked() {
        let (mut data, mut state) = sample();
        data.plan.rollouts[0].phases[3].approvers = 2;
        data.team = team(&["mtracy", "kdavis"]);
        let e = check(&data, &state, &request(&data, &state), "mtracy", now()).expect_err("too few approvers");
        assert_eq!(e.0, "this override needs 2 approver(s) other than mtracy, and team.ron names only 1");
        let ask = request(&data, &state);
        let seq = apply(&data, &mut state, "jsmith", ask);
        assert_eq!(state.progress[0].requests[0].needed, 2);
        apply(&data, &mut state, "kdavis", confirm(seq));
        assert_eq!(current(&state), Some(2), "one of two confirmations opens nothing");
        let e = check(&data, &state, &confirm(seq), "kdavis", now()).expect_err("twice");
        assert_eq!(e.0, format!("kdavis already confirmed request #{seq}; it waits for 1 more approver"));
        apply(&data, &mut state, "mtracy", confirm(seq));
        assert_eq!(current(&state), Some(3));
    }

    #[test]
    fn a_confirmation_is_refused_when_the_unmet_gates_changed_but_not_when_only_days_passed() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy", "kdavis"]);
        let ask = request(&data, &state);
        let seq = apply(&data, &mut state, "jsmith", ask);
        let later = now() + chrono::Duration::days(1);
        assert_eq!(check(&data, &state, &confirm(seq), "kdavis", later), Ok(()), "a day passing changes no gate");
        let fail = Event::Checkout {
            rollout: RO.into(),
            server: "BOS-IMS01".into(),
            phase: "Local low impact".into(),
            result: CheckoutResult::Fail,
            note: "store errors".into(),
        };
        apply(&data, &mut state, "jsmith", fail);
        let e = check(&data, &state, &confirm(seq), "kdavis", now()).expect_err("changed");
        assert!(
            e.0.starts_with(&format!(
                "the unmet gates changed since request #{seq} was asked (now also unmet: BOS-IMS01"
            )),
            "{e}"
        );
    }

    #[test]
    fn a_request_is_withdrawn_by_whoever_asked_or_an_approver_and_asked_once_at_a_time() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy", "kdavis"]);
        let ask = request(&data, &state);
        let seq = apply(&data, &mut state, "jsmith", ask);
        let e = check(&data, &state, &request(&data, &state), "rlee", now()).expect_err("pending");
        assert!(e.0.starts_with(&format!("jsmith asked for this override already (request #{seq}")), "{e}");
        let withdraw = Event::OverrideWithdrawn { rollout: RO.into(), request: seq, reason: "wait".into() };
        let e = check(&data, &state, &withdraw, "rlee", now()).expect_err("not theirs");
        assert_eq!(e.0, format!("only jsmith, who asked, or an approver may withdraw request #{seq}"));
        assert_eq!(check(&data, &state, &withdraw, "jsmith", now()), Ok(()));
        assert_eq!(check(&data, &state, &withdraw, "kdavis", now()), Ok(()));
        apply(&data, &mut state, "jsmith", withdraw);
        assert!(state.progress[0].requests.is_empty());
        let e = check(&data, &state, &confirm(seq), "kdavis", now()).expect_err("withdrawn");
        assert_eq!(e.0, format!("no override request #{seq} is pending: it was confirmed, withdrawn or never asked"));
    }

    #[test]
    fn with_a_team_a_direct_override_is_refused_and_without_one_it_names_its_approver() {
        let (mut data, state) = sample();
        let priority = |approver: Option<&str>| Event::RiskOverride {
            rollout: RO.into(),
            server: "BOS-PF01".into(),
            priority: 1,
            reason: "r".into(),
            approver: approver.map(str::to_string),
        };
        let e = check(&data, &state, &priority(None), "jsmith", now()).expect_err("no approver");
        assert_eq!(e.0, "an approver for the priority override (--approver NAME) is required");
        assert_eq!(check(&data, &state, &priority(Some("mtracy")), "jsmith", now()), Ok(()));
        let ask = request(&data, &state);
        assert!(check(&data, &state, &ask, "jsmith", now()).expect_err("no team").0.starts_with("without team.ron"));
        data.team = team(&["mtracy"]);
        let e = check(&data, &state, &priority(Some("mtracy")), "mtracy", now()).expect_err("team");
        assert!(e.0.starts_with("with team.ron a priority override is asked for and confirmed"), "{e}");
    }

    #[test]
    fn a_confirmed_priority_request_moves_the_server() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy"]);
        let ask = Event::OverrideRequested {
            rollout: RO.into(),
            asked: Asked::Priority { server: "BOS-PF01".into(), priority: 1, overridden: vec![] },
            reason: "user complaints".into(),
            needs: 1,
        };
        let seq = apply(&data, &mut state, "jsmith", ask);
        let i = state.server_index("BOS-PF01").expect("server");
        assert_eq!(state.progress[0].members[i].priority_override, None);
        apply(&data, &mut state, "mtracy", confirm(seq));
        assert_eq!(state.progress[0].members[i].priority_override, Some((1, "user complaints".into())));
    }

    #[test]
    fn item_keys_ignore_day_counts_and_keep_subjects() {
        assert_eq!(item_key("BOS-IMS01: day 3 of 10, 7 days left"), item_key("BOS-IMS01: day 4 of 12, 8 days left"));
        assert_eq!(item_key("MSP-BH01: day 8 of 10, 2 days left"), item_key("MSP-BH01: day 9 of 10, 1 day left"));
        assert_ne!(item_key("BOS-IMS01: day 3 of 10"), item_key("BOS-IMS02: day 3 of 10"));
        assert_ne!(
            item_key("BOS-IMS01: needs a Pass checkout on or after day 10"),
            item_key("BOS-IMS01: latest checkout is Fail")
        );
        assert_eq!(
            item_key("BOS-BH01: needs a Pass checkout on or after day 10"),
            item_key("BOS-BH01: needs a Pass checkout on or after day 10 (its Pass came too early)")
        );
        assert_ne!(
            item_key("BOS-BH01: needs a Pass checkout on or after day 10"),
            item_key("BOS-BH01: needs a Pass checkout on or after day 10 (latest: Concern)"),
            "a Concern since is worse"
        );
        let (a, b) = ("a: x".to_string(), "b: y".to_string());
        assert_eq!(worse(&[a.clone(), b.clone()], std::slice::from_ref(&a)), None, "items met since make it no worse");
        assert_eq!(worse(std::slice::from_ref(&a), &[a.clone(), b]).as_deref(), Some("now also unmet: b: y"));
    }

    #[test]
    fn a_confirmation_asks_again_whether_the_request_can_still_be_done() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy", "kdavis"]);
        // Appended around the write path: a request to skip to the last phase, and a priority of 255.
        let skip = Event::OverrideRequested {
            rollout: RO.into(),
            asked: Asked::Open { phase: "6".into(), overridden: unmet(&data, &state, 0, now()) },
            reason: "skip".into(),
            needs: 1,
        };
        let s1 = apply(&data, &mut state, "jsmith", skip);
        let e = check(&data, &state, &confirm(s1), "kdavis", now()).expect_err("not next");
        assert!(
            e.0.starts_with("phase 6 (Everything else, primary mailbox servers last) is not the next phase"),
            "{e}"
        );
        apply(&data, &mut state, "kdavis", confirm(s1));
        assert_eq!(current(&state), Some(2), "replay does not skip phases either");
        let wild = Event::OverrideRequested {
            rollout: RO.into(),
            asked: Asked::Priority { server: "BOS-IMS01".into(), priority: 255, overridden: vec![] },
            reason: "x".into(),
            needs: 1,
        };
        let s2 = apply(&data, &mut state, "jsmith", wild);
        assert_eq!(
            check(&data, &state, &confirm(s2), "kdavis", now()).expect_err("255").0,
            "priority must be 1, 2 or 3, not 255"
        );
        apply(&data, &mut state, "kdavis", confirm(s2));
        let i = state.server_index("BOS-IMS01").expect("server");
        assert_eq!(state.progress[0].members[i].priority_override, None);
    }

    #[test]
    fn a_priority_confirmation_is_refused_when_the_server_got_worse() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy"]);
        let overridden = unmet_of(&unmet(&data, &state, 0, now()), "BOS-BH01");
        let asked = Asked::Priority { server: "BOS-BH01".into(), priority: 3, overridden };
        let ask = Event::OverrideRequested { rollout: RO.into(), asked, reason: "move it".into(), needs: 1 };
        assert_eq!(check(&data, &state, &ask, "jsmith", now()), Ok(()));
        let seq = apply(&data, &mut state, "jsmith", ask);
        let fail = Event::Checkout {
            rollout: RO.into(),
            server: "BOS-BH01".into(),
            phase: "Local low impact".into(),
            result: CheckoutResult::Fail,
            note: "queues".into(),
        };
        apply(&data, &mut state, "rlee", fail);
        let e = check(&data, &state, &confirm(seq), "mtracy", now()).expect_err("worse");
        assert!(e.0.contains("now also unmet: BOS-BH01: latest checkout is Fail"), "{e}");
    }

    #[test]
    fn the_number_of_approvers_is_the_one_decided_when_asked() {
        let (mut data, mut state) = sample();
        data.team = team(&["mtracy", "kdavis", "rlee"]);
        data.plan.rollouts[0].phases[3].approvers = 2;
        let ask = request(&data, &state);
        let seq = apply(&data, &mut state, "jsmith", ask);
        // rollout.ron lowered afterwards: the request still waits for two.
        data.plan.rollouts[0].phases[3].approvers = 1;
        apply(&data, &mut state, "kdavis", confirm(seq));
        assert_eq!(current(&state), Some(2), "one of the two it was asked with");
        // A request that claims fewer than rollout.ron asks for is refused.
        data.plan.rollouts[0].phases[3].approvers = 3;
        let e = check(&data, &state, &request(&data, &state), "jsmith", now());
        assert!(e.is_err());
    }
}
