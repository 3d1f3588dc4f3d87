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
        e.0.starts_with(&format!("the unmet gates changed since request #{seq} was asked (now also unmet: BOS-IMS01")),
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
    assert_eq!(state.progress[0].members[i].priority_override, Some(Box::new((1, "user complaints".into()))));
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
    assert!(e.0.starts_with("phase 6 (Everything else, primary mailbox servers last) is not the next phase"), "{e}");
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
