//! The derived views against a full derivation, and the rules they show.

use super::*;
use crate::model::{CheckoutResult, Event};
use crate::rules::fixture::{apply, now, sample};

fn checkout_in(phase: &str, server: &str, result: CheckoutResult) -> Event {
    Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: server.into(),
        phase: phase.into(),
        result,
        note: String::new(),
    }
}

fn checkout(server: &str, result: CheckoutResult) -> Event {
    checkout_in("Local low impact", server, result)
}

#[test]
fn an_update_about_some_servers_equals_a_full_derivation() {
    let (data, mut state) = sample();
    let mut view = FleetView::build(&data, &state, Some(0), now());
    let changed: Vec<usize> = ["BOS-IMS01", "BOS-PF02"].iter().filter_map(|n| state.server_index(n)).collect();
    apply(&data, &mut state, "op", checkout("BOS-IMS01", CheckoutResult::Pass));
    let priority = Event::RiskOverride {
        rollout: "ex55-sp4".into(),
        server: "BOS-PF02".into(),
        priority: 1,
        reason: "r".into(),
        approver: Some("mtracy".into()),
    };
    apply(&data, &mut state, "op", priority);
    view.update(&data, &state, &changed, now());
    assert!(view == FleetView::build(&data, &state, Some(0), now()), "incremental and full derivations differ");
}

#[test]
fn a_tick_within_a_day_equals_a_full_derivation_and_a_new_day_asks_for_one() {
    let (data, state) = sample();
    let day = now().date_naive();
    let at = |minutes: i64| day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + chrono::Duration::minutes(minutes);
    let mut view = FleetView::build(&data, &state, Some(0), at(1));
    let mut before = at(1);
    let mut soaks_changed = 0;
    for minutes in (1..24 * 60).step_by(37) {
        let changed = view.tick(&data, &state, before, at(minutes)).expect("the same day");
        soaks_changed += changed.len();
        assert!(
            view == FleetView::build(&data, &state, Some(0), at(minutes)),
            "tick and build differ at {minutes} min"
        );
        before = at(minutes);
    }
    assert!(soaks_changed > 0, "some soak crossed a day's mark during the day");
    assert_eq!(view.tick(&data, &state, before, at(24 * 60 + 1)), None, "a new date derives everything");
}

#[test]
fn waiting_on_lists_overdue_first_then_due_then_sign_offs_each_with_whom() {
    let (data, state) = sample();
    let view = FleetView::build(&data, &state, Some(0), now());
    let waiting = view.rollout.map(|v| v.waiting.clone()).unwrap_or_default();
    assert_eq!(
        waiting,
        [
            "BOS operators: BOS-IMS01 checkout OVERDUE (day 15, max 14)",
            "BOS operators: BOS-BH01 checkout due (day 11 of 14)",
            "MSP operators: MSP-BH01 verify the install (winver)",
            "Network services: sign-off of phase 3 (Local low impact)",
        ]
    );
}

/// A phase-3 member of the sample, changed in place: (data, state, its index).
fn member_changed(name: &str, change: impl Fn(&mut Server)) -> (Data, State, usize) {
    let (data, mut state) = sample();
    let i = state.server_index(name).expect("server");
    change(&mut state.servers[i]);
    (data, state, i)
}

#[test]
fn a_member_already_at_the_target_needs_only_its_verification() {
    // BOS-IMS02 as if its SP4 came with the baseline: no install of it in the journal.
    let (data, mut state, i) = member_changed("BOS-IMS02", |_| {});
    state.progress[0].members[i] = Default::default();
    let row = &FleetView::build(&data, &state, Some(0), now()).rows[i];
    assert_eq!(row.soak, Some(SoakState::AtTarget { verified: false }));
    let v = FleetView::build(&data, &state, Some(0), now()).rollout.expect("rollout");
    let lines: Vec<String> = v.unmet().into_iter().filter(|l| l.starts_with("BOS-IMS02")).collect();
    assert_eq!(lines, ["BOS-IMS02: at the target already, not verified (winver)"], "no soak, no checkout");
    assert!(v.waiting.contains(&"BOS operators: BOS-IMS02 verify (winver): it had the target already".to_string()));
    let e = crate::rules::record::check(
        &data,
        &state,
        &Event::Install { server: "BOS-IMS02".into(), product: "ex55".into(), level: 4, verified: None },
        "op",
        now(),
    )
    .expect_err("already has it");
    assert!(e.0.contains("it counts as installed; record its verification"), "{e}");
    let verify =
        Event::Verify { server: "BOS-IMS02".into(), product: "ex55".into(), level: 4, winver: "5.5.2650".into() };
    apply(&data, &mut state, "op", verify);
    let view = FleetView::build(&data, &state, Some(0), now());
    assert_eq!(view.rows[i].soak, Some(SoakState::AtTarget { verified: true }));
    assert!(!view.rollout.expect("rollout").unmet().iter().any(|l| l.starts_with("BOS-IMS02")), "it holds no gate");
}

#[test]
fn a_missing_prerequisite_is_the_reason_in_the_gate_the_row_and_the_waiting_list() {
    // BOS-BH01 (phase 3) as if its install had not happened and it ran NT SP4.
    let (data, mut state, i) = member_changed("BOS-BH01", |s| {
        s.products.insert("nt4".into(), 4);
        s.products.insert("ex55".into(), 3);
    });
    state.progress[0].members[i].installed_at = None;
    state.progress[0].members[i].verified = None;
    state.progress[0].members[i].checkouts.clear();
    let view = FleetView::build(&data, &state, Some(0), now());
    assert_eq!(view.rows[i].soak, Some(SoakState::Blocked));
    let v = view.rollout.expect("rollout");
    let lines: Vec<String> = v.unmet().into_iter().filter(|l| l.starts_with("BOS-BH01")).collect();
    assert_eq!(
        lines,
        [
            "BOS-BH01: blocked: needs Windows NT Server 4.0 SP5 first",
            "BOS-BH01: soak not started (blocked)",
            "BOS-BH01: no checkout (blocked)"
        ]
    );
    assert!(
        v.waiting
            .contains(&"BOS operators: BOS-BH01 install Windows NT Server 4.0 SP5 first (SP4 needs it)".to_string()),
        "{:?}",
        v.waiting
    );
    assert!(!v.waiting.iter().any(|w| w.contains("BOS-BH01") && w.contains("backup")), "no backup is offered first");
}

#[test]
fn a_fail_halts_nothing_but_a_back_out_halts_the_phase() {
    let (data, mut state) = sample();
    apply(&data, &mut state, "op", checkout("BOS-IMS02", CheckoutResult::Fail));
    let view = FleetView::build(&data, &state, Some(0), now());
    let v = view.rollout.expect("rollout");
    assert!(v.halted.is_none());
    assert!(v.unmet().iter().any(|u| u == "BOS-IMS02: latest checkout is Fail"));
    let back = Event::BackedOut { server: "BOS-IMS02".into(), product: "ex55".into(), to_level: 3, reason: "r".into() };
    apply(&data, &mut state, "op", back);
    let v = FleetView::build(&data, &state, Some(0), now()).rollout.expect("rollout");
    assert_eq!(v.halted.as_deref(), Some("halted: BOS-IMS02 was backed out; re-install or exclude it"));
}

#[test]
fn a_checkout_recorded_in_another_phase_does_not_meet_this_phases_gate() {
    let (data, mut state) = sample();
    apply(&data, &mut state, "jdoe", checkout_in("Lab", "BOS-IMS01", CheckoutResult::Pass));
    let unmet = FleetView::build(&data, &state, Some(0), now()).rollout.map(|v| v.unmet()).unwrap_or_default();
    assert!(unmet.iter().any(|u| u.starts_with("BOS-IMS01: OVERDUE")), "{unmet:?}");
    apply(&data, &mut state, "jdoe", checkout("BOS-IMS01", CheckoutResult::Pass));
    let unmet = FleetView::build(&data, &state, Some(0), now()).rollout.map(|v| v.unmet()).unwrap_or_default();
    assert!(!unmet.iter().any(|u| u.starts_with("BOS-IMS01")), "{unmet:?}");
}

#[test]
fn the_lab_phase_needs_a_passed_lab_member_of_every_role() {
    let (data, mut state) = sample();
    state.progress[0].current = Some(0);
    let gate = |data: &Data, state: &State| -> Vec<String> {
        let v = FleetView::build(data, state, Some(0), now()).rollout.expect("rollout");
        v.gates.iter().filter(|g| g.gate.id == "lab_coverage").flat_map(|g| g.unmet.clone()).collect()
    };
    assert_eq!(gate(&data, &state), Vec::<String>::new(), "the sample's lab covers every role");
    // Without its lab mailbox server, the Mailbox role has no lab server at all.
    let mbx = state.server_index("LAB-MBX01").expect("lab mailbox");
    state.progress[0].members[mbx].excluded = Some("lent to another project".into());
    assert_eq!(gate(&data, &state), ["role Mailbox server: no lab server in this phase"]);
    state.progress[0].members[mbx].excluded = None;
    state.progress[0].members[mbx].checkouts.clear();
    assert_eq!(gate(&data, &state), ["role Mailbox server: none of its 1 lab server(s) passed yet"]);
    // Other phases do not have the gate at all.
    state.progress[0].current = Some(2);
    let v = FleetView::build(&data, &state, Some(0), now()).rollout.expect("rollout");
    assert!(v.gates.iter().all(|g| g.gate.id != "lab_coverage"));
}

#[test]
fn a_tick_at_a_phase_split_on_two_threads_puts_the_same_gate_and_waiting_lines_as_a_full_derivation() {
    let now = now();
    let store = crate::synthetic::memory_store(30_000, 100_000, now);
    let loaded = crate::live::load(&store.arc()).expect("load");
    let (data, state) = (&loaded.data, &loaded.state);
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let at = |minutes: i64| midnight + chrono::Duration::minutes(minutes);
    let mut view = FleetView::build(data, state, Some(0), at(1));
    let shown = view.rollout.clone().expect("a rollout");
    let p = shown.current.expect("a phase open");
    assert!(
        shown.members[p].len() >= crate::parallel::MIN_SPLIT,
        "the phase's lines are derived on two threads ({} members)",
        shown.members[p].len()
    );
    let mut before = at(1);
    let (mut soaks_changed, mut lines_changed) = (0, 0);
    for minutes in (61..24 * 60).step_by(173) {
        let was = view.rollout.clone().expect("a rollout");
        let ticked = view.ticked(data, state, before, at(minutes)).expect("the same day");
        let (changed, replaced) = view.take_tick(ticked, data, state, at(minutes));
        assert!(replaced.is_none(), "the view shown is kept and its lines replaced");
        soaks_changed += changed.len();
        let fresh = FleetView::build(data, state, Some(0), at(minutes));
        let (v, f) = (view.rollout.as_deref().expect("a rollout"), fresh.rollout.as_deref().expect("a rollout"));
        let differ = v.waiting.iter().zip(&f.waiting).position(|(v, f)| v != f);
        assert_eq!((v.waiting.len(), differ), (f.waiting.len(), None), "waiting-on at {minutes} min");
        assert!(v.gates == f.gates, "the gates at {minutes} min");
        assert!(view == fresh, "tick and build differ at {minutes} min");
        lines_changed += usize::from(v.waiting != was.waiting || v.gates != was.gates);
        before = at(minutes);
    }
    assert!(soaks_changed > 0 && lines_changed > 0, "soaks and lines changed over the day");
    // The next date: every row derived again, only those that changed kept and taken in.
    let next = at(48 * 60 - 1);
    assert!(view.ticked(data, state, before, next).is_none(), "a new date is not a tick");
    let dated = FleetView::dated_rows(&view.rows, Some(0), data, state, next);
    let (changed, _) = view.take_tick(dated, data, state, next);
    assert!(!changed.is_empty(), "the new date moved some soak");
    assert!(view == FleetView::build(data, state, Some(0), next), "the new date and a build differ");
}

#[test]
fn a_rollouts_view_from_its_members_places_alone_is_the_one_the_fleet_view_derives() {
    let store = crate::store::MemoryStore::sample(now()).expect("sample").arc();
    let events = crate::live::load(&store).expect("load").data.journal.len() as u64;
    let mut phases = std::collections::BTreeSet::new();
    for seq in 0..=events {
        let loaded = crate::live::load_until(&store, crate::live::Until::Seq(seq)).expect("load");
        let (data, state) = (&loaded.data, &loaded.state);
        for days in [0, 2, 9, 40] {
            let at = now() + chrono::Duration::days(days);
            let full = FleetView::build(data, state, Some(0), at).rollout.expect("a rollout selected");
            assert!(RolloutView::of(data, state, 0, at) == *full, "after event {seq}, {days} days on");
            phases.insert(full.current);
        }
    }
    assert!(phases.len() >= 3, "the journal walks the rollout through several phases: {phases:?}");
}
