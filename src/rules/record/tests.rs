use super::*;
use crate::model::CheckoutResult;
use crate::rules::fixture::{apply, now, sample};

fn refusal(data: &Data, state: &State, event: Event) -> String {
    check(data, state, &event, "tester", now()).expect_err("refused").0
}

fn install(server: &str) -> Event {
    Event::Install { server: server.into(), product: "ex55".into(), level: 4, verified: None }
}

#[test]
fn an_install_needs_a_backup_an_open_phase_and_a_level_it_lacks() {
    let (data, mut state) = sample();
    // BOS-MBX01 is in the last phase, which is not open.
    apply(&data, &mut state, "op", Event::Backup { server: "BOS-MBX01".into(), note: String::new() });
    assert!(refusal(&data, &state, install("BOS-MBX01")).contains("which is not open; the current phase is 3"));
    // BOS-PF01 is in the open phase but has no backup since its last install.
    let e = refusal(&data, &state, install("BOS-PF01"));
    assert!(e.starts_with("no full backup of BOS-PF01 is confirmed"), "{e}");
    // A lab server already on SP4.
    assert!(refusal(&data, &state, install("LAB-MBX01")).contains("already has"));
    let unreleased = Event::Install { server: "BOS-PF01".into(), product: "ex55".into(), level: 9, verified: None };
    assert!(refusal(&data, &state, unreleased).contains("has no service pack level 9"));
}

#[test]
fn a_prerequisite_missing_blocks_the_install_with_the_reason() {
    let (data, state) = sample();
    let nt_sp3 = Event::Install { server: "MSP-MSM01".into(), product: "ex55".into(), level: 4, verified: None };
    let e = refusal(&data, &state, nt_sp3);
    assert!(e.starts_with("blocked:") && e.contains("install that first"), "{e}");
}

#[test]
fn texts_that_explain_a_record_are_required() {
    let (data, state) = sample();
    let extend = |days, reason: &str| Event::SoakExtended {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        days,
        reason: reason.into(),
    };
    assert_eq!(refusal(&data, &state, extend(2, " ")), "a reason to extend the soak is required");
    assert_eq!(refusal(&data, &state, extend(0, "holiday")), "extend the soak by at least one day");
    let exclude = Event::Excluded { rollout: "ex55-sp4".into(), server: "BOS-PF01".into(), reason: String::new() };
    assert_eq!(refusal(&data, &state, exclude), "a reason to exclude a server is required");
    let priority = Event::RiskOverride {
        rollout: "ex55-sp4".into(),
        server: "BOS-PF01".into(),
        priority: 4,
        reason: "r".into(),
        approver: Some("mtracy".into()),
    };
    assert_eq!(refusal(&data, &state, priority), "priority must be 1, 2 or 3, not 4");
}

#[test]
fn a_sign_off_is_owed_once_by_a_group_the_phase_names() {
    let (data, mut state) = sample();
    let sign = |group: &str| Event::SignOff {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        group: group.into(),
        note: String::new(),
    };
    let e = refusal(&data, &state, sign("Help desk"));
    assert!(e.contains("needs no sign-off from 'Help desk'; it needs: Messaging ops, Network services"), "{e}");
    assert!(refusal(&data, &state, sign("Messaging ops")).starts_with("Messaging ops already signed off phase 3"));
    assert!(check(&data, &state, &sign("Network services"), "tester", now()).is_ok());
    apply(&data, &mut state, "tester", sign("Network services"));
    assert!(refusal(&data, &state, sign("Network services")).contains("already signed off"));
}

#[test]
fn opening_with_a_gate_unmet_needs_a_reason() {
    let (data, state) = sample();
    let open = |reason: Option<&str>, approver: Option<&str>| Event::PhaseOpened {
        rollout: "ex55-sp4".into(),
        phase: "Local high impact".into(),
        override_reason: reason.map(str::to_string),
        approver: approver.map(str::to_string),
        overridden: Vec::new(),
    };
    assert!(refusal(&data, &state, open(None, None)).starts_with("gate unmet for phase 3:"));
    assert_eq!(refusal(&data, &state, open(Some("board"), None)), "an approver for the override is required");
    assert!(check(&data, &state, &open(Some("board"), Some("mt")), "tester", now()).is_ok());
    let skip = Event::PhaseOpened {
        rollout: "ex55-sp4".into(),
        phase: "One remote low impact".into(),
        override_reason: None,
        approver: None,
        overridden: Vec::new(),
    };
    assert!(refusal(&data, &state, skip).starts_with("the next phase of 'ex55-sp4' is 4 (Local high impact)"));
    let checkout = |phase: &str| Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-PF01".into(),
        phase: phase.into(),
        result: CheckoutResult::Pass,
        note: String::new(),
    };
    let e = refusal(&data, &state, checkout("Local low impact"));
    assert_eq!(
        e,
        "BOS-PF01 is a member of phase 6 (Everything else, primary mailbox servers last), not of 'Local low impact'"
    );
    let e = refusal(&data, &state, checkout("Everything else, primary mailbox servers last"));
    assert!(e.contains("nothing is soaking to check out"), "{e}");
}
