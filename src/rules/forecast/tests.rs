//! Dates worked out by hand on the sample (now: Friday 2000-11-24 12:00 UTC; phase 3 open).
//! Boston is EST (UTC-5), Minneapolis CST (UTC-6), Denver MST (UTC-7, after hours 18..6);
//! after hours elsewhere is 19..7; every soak here is 10 days but where extended.

use super::*;
use crate::model::{CheckoutResult, Event, Freeze};
use crate::rules::fixture::{apply, now, sample};

fn run(data: &Data, state: &State, at: DateTime<Utc>) -> Forecast {
    let view = FleetView::build(data, state, Some(0), at);
    forecast(data, state, &view, at).expect("a rollout")
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().expect("time")
}

fn finish(f: &Forecast, phase: usize) -> DateTime<Utc> {
    f.phases[phase].finish.expect("a finish")
}

fn delay(f: &Forecast, text: &str) -> Option<i64> {
    f.items.iter().find(|i| i.text.starts_with(text)).unwrap_or_else(|| panic!("{text}: {:?}", f.items)).days
}

#[test]
fn the_sample_across_weekend_and_after_hours_windows_and_a_staggered_start() {
    let (data, state) = sample();
    let f = run(&data, &state, now());
    // Phases 1 and 2 are done: each ran from its opening to the next one's.
    assert_eq!(f.phases[0].opened, Some(utc("2000-10-11T08:30:00Z")));
    assert_eq!(finish(&f, 1), utc("2000-11-06T08:00:00Z"));
    assert!(f.phases[2].is_actual() && !f.phases[3].is_actual());
    // Phase 3: MSP-BH01 installed Sun 19 Nov 22:00 UTC, soaks 10 days to Wed 29 Nov 22:00 UTC,
    // 16:00 in Minneapolis, within working hours: its checkout and the sign-off then.
    assert_eq!(finish(&f, 2), utc("2000-11-29T22:00:00Z"));
    // Phase 4 (weekend, first 1 soaks 3 days) opens then. BOS-MSM01 goes first at the next
    // Boston weekend, Sat 2 Dec 00:00 EST = 05:00 UTC; 3 days on is Tue 5 Dec 00:00 EST, its
    // checkout at 07:00 EST = 12:00 UTC. MSP-MSM01 (NT SP4: its NT SP5 goes in the same
    // window) waits for that, then for the next Minneapolis weekend, Sat 9 Dec 00:00 CST =
    // 06:00 UTC; 10 days on is Tue 19 Dec 00:00 CST, its checkout at 07:00 CST = 13:00 UTC.
    assert_eq!(f.phases[3].open, Some(utc("2000-11-29T22:00:00Z")));
    assert_eq!(finish(&f, 3), utc("2000-12-19T13:00:00Z"));
    // Phase 5 (after hours, DEN-IMS01): opens Tue 19 Dec 06:00 MST, the end of Denver's night;
    // the next after hours is 18:00 MST = Wed 20 Dec 01:00 UTC. 10 days on is Fri 29 Dec 18:00
    // MST, after hours, then the weekend: the checkout is Mon 1 Jan 06:00 MST = 13:00 UTC.
    assert_eq!(finish(&f, 4), utc("2001-01-01T13:00:00Z"));
    // Phase 6 (weekend): Denver's Sat 6 Jan 00:00 MST = 07:00 UTC, 10 days on Tue 16 Jan 00:00
    // MST, checked out at 06:00 MST = 13:00 UTC, the last of every site.
    assert_eq!(f.end, Some(utc("2001-01-16T13:00:00Z")));
    // Were MSP-BH01 soaked now, phase 3 would finish with MSP-BH01's verification, Fri 24 Nov
    // 07:00 CST = 13:00 UTC; BOS-MSM01 would go Sat 25 Nov, MSP-MSM01 Sat 2 Dec, phase 4 end
    // Tue 12 Dec 13:00 UTC: a week earlier, and every later phase with it.
    assert_eq!(f.items[0].text, "MSP-BH01: soaking, day 4 of 10");
    assert_eq!(f.items[0].days, Some(7));
    // The overdue and due checkouts are done today, before MSP-BH01 is: they cost nothing.
    assert_eq!(delay(&f, "BOS-IMS01: checkout OVERDUE"), Some(0));
    assert_eq!(delay(&f, "sign-off missing from Network services"), Some(0));
}

#[test]
fn a_staggered_start_costs_the_weekend_it_waits_for() {
    let (mut data, state) = sample();
    data.plan.rollouts[0].phases[3].stagger = None;
    // Both install Sat 2 Dec; MSP-MSM01's checkout is Tue 12 Dec 13:00 UTC, a week sooner.
    assert_eq!(finish(&run(&data, &state, now()), 3), utc("2000-12-12T13:00:00Z"));
}

#[test]
fn an_extended_soak_moves_the_checkout_past_a_weekend() {
    let (data, mut state) = sample();
    let extend = Event::SoakExtended {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        days: 4,
        reason: "SMTP queue".into(),
    };
    apply(&data, &mut state, "mtracy", extend);
    let f = run(&data, &state, now());
    // 14 days from Sun 19 Nov 22:00 UTC is Sun 3 Dec 16:00 CST: the checkout waits for Monday
    // 07:00 CST = 13:00 UTC. BOS-BH01 (day 11 of 14 now) soaks to Sun 26 Nov, checked out Mon 27.
    assert_eq!(finish(&f, 2), utc("2000-12-04T13:00:00Z"));
    let bh = f.items.iter().find(|i| i.text.starts_with("BOS-BH01")).expect("BOS-BH01");
    assert_eq!(bh.text, "BOS-BH01: soaking, day 11 of 14");
    assert_eq!(bh.at, Some(utc("2000-11-27T12:00:00Z")));
}

#[test]
fn an_overdue_member_checked_out_on_monday_misses_the_weekend() {
    let (data, mut state) = sample();
    // Only BOS-IMS01 left: MSP-BH01 excluded, BOS-BH01 passed, Network services signed off.
    let i = state.server_index("MSP-BH01").expect("server");
    state.progress[0].members[i].excluded = Some("decommissioned".into());
    let pass = Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-BH01".into(),
        phase: "Local low impact".into(),
        result: CheckoutResult::Pass,
        note: String::new(),
    };
    apply(&data, &mut state, "mfinger", pass);
    let sign = Event::SignOff {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        group: "Network services".into(),
        note: String::new(),
    };
    apply(&data, &mut state, "jdoe", sign);
    // Read on Saturday 25 Nov 15:00 UTC: the overdue checkout waits for Monday 07:00 EST =
    // 12:00 UTC. Phase 4 then opens after its weekend: BOS-MSM01 Sat 2 Dec, MSP-MSM01 Sat 9 Dec,
    // finished Tue 19 Dec 13:00 UTC. Checked out now, phase 4 would open this very weekend:
    // BOS-MSM01 at once (Sat 10:00 EST), clear Tue 28 Nov 10:00 EST, MSP-MSM01 Sat 2 Dec,
    // finished Tue 12 Dec 13:00 UTC. Two days late on the calendar, seven on the end.
    let saturday = utc("2000-11-25T15:00:00Z");
    let f = run(&data, &state, saturday);
    assert_eq!(f.items.len(), 1, "{:?}", f.items);
    assert_eq!(f.items[0].text, "BOS-IMS01: checkout OVERDUE (day 16, max 14)");
    assert_eq!(f.items[0].at, Some(utc("2000-11-27T12:00:00Z")));
    assert_eq!(finish(&f, 3), utc("2000-12-19T13:00:00Z"));
    assert_eq!(f.items[0].days, Some(7));
}

#[test]
fn a_change_freeze_skips_the_weekend_it_covers() {
    let (mut data, state) = sample();
    let day = |d: &str| d.parse().expect("date");
    let msp = data.fleet.sites.iter_mut().find(|s| s.name == "MSP").expect("MSP");
    msp.freezes.push(Freeze { from: day("2000-12-08"), to: day("2000-12-10"), reason: "year end".into() });
    // MSP-MSM01's weekend of 9 Dec is frozen: the next is Sat 16 Dec 00:00 CST = 06:00 UTC,
    // 10 days on Tue 26 Dec 00:00 CST, checked out 07:00 CST = 13:00 UTC.
    assert_eq!(finish(&run(&data, &state, now()), 3), utc("2000-12-26T13:00:00Z"));
}

#[test]
fn a_freeze_with_no_end_in_sight_leaves_no_end_date() {
    let (mut data, state) = sample();
    let day = |d: &str| d.parse().expect("date");
    let msp = data.fleet.sites.iter_mut().find(|s| s.name == "MSP").expect("MSP");
    msp.freezes.push(Freeze { from: day("2000-11-01"), to: day("2010-01-01"), reason: "merger".into() });
    let f = run(&data, &state, now());
    assert_eq!(f.phases[3].open, Some(utc("2000-11-29T22:00:00Z")), "MSP-BH01 is installed already");
    assert_eq!(f.phases[3].finish, None, "MSP-MSM01 cannot install within two years");
    assert_eq!(f.end, None);
    assert!(f.items.iter().all(|i| i.days.is_none()));
}

#[test]
fn a_back_out_halts_the_phase_until_it_installs_again() {
    let (data, mut state) = sample();
    let back = Event::BackedOut {
        server: "BOS-IMS02".into(),
        product: "ex55".into(),
        to_level: 3,
        reason: "store corruption".into(),
    };
    apply(&data, &mut state, "jsmith", back);
    let f = run(&data, &state, now());
    // Fri 24 Nov 12:00 UTC is 07:00 EST; after hours begins 19:00 EST = Sat 00:00 UTC. Soaked
    // 10 days, Mon 4 Dec 19:00 EST is after hours: the checkout is Tue 5 Dec 07:00 EST.
    let item = f.items.iter().find(|i| i.text.starts_with("BOS-IMS02")).expect("the halt");
    assert_eq!(item.text, "BOS-IMS02: backed out: halts the phase until it installs again");
    assert_eq!(item.at, Some(utc("2000-12-05T12:00:00Z")));
    assert_eq!(f.items[0].text, item.text, "the costliest item");
}
