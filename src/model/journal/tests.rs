use super::*;

/// One event of every kind (a new kind belongs here too).
fn one_of_each() -> Vec<Event> {
    let s = || "x".to_string();
    vec![
        Event::Install { server: s(), product: s(), level: 1, verified: None },
        Event::Verify { server: s(), product: s(), level: 1, winver: s() },
        Event::Backup { server: s(), note: s() },
        Event::Checkout { rollout: s(), server: s(), phase: s(), result: CheckoutResult::Pass, note: s() },
        Event::SignOff { rollout: s(), phase: s(), group: s(), note: s() },
        Event::SoakExtended { rollout: s(), phase: s(), days: 1, reason: s() },
        Event::Excluded { rollout: s(), server: s(), reason: s() },
        Event::PhaseOpened { rollout: s(), phase: s(), override_reason: None, approver: None, overridden: vec![] },
        Event::BackedOut { server: s(), product: s(), to_level: 1, reason: s() },
        Event::HotFixApplied { server: s(), hot_fix: s() },
        Event::RiskOverride { rollout: s(), server: s(), priority: 1, reason: s(), approver: None },
        Event::OverrideRequested {
            rollout: s(),
            asked: Asked::Priority { server: s(), priority: 1, overridden: vec![] },
            reason: s(),
            needs: 1,
        },
        Event::OverrideConfirmed { rollout: s(), request: 1 },
        Event::OverrideWithdrawn { rollout: s(), request: 1, reason: s() },
        Event::BaselineChanged { file: s(), hash: s(), changes: vec![], note: s() },
        Event::MeetingStarted { rollout: None, title: s(), attendees: vec![] },
        Event::MeetingEnded { started: 1, attendees: vec![] },
        Event::MeetingJoined { attendee: Attendee { operator: s(), from: None } },
        Event::MeetingLeft { operator: s() },
        Event::MeetingDriver { started: 1 },
        Event::KeyAdded { operator: s(), key: s(), note: s() },
        Event::KeyRevoked { operator: s(), fingerprint: s(), reason: s() },
        Event::Checkpoint { seq: 1, sum: s() },
    ]
}

#[test]
fn every_kind_has_its_own_word_in_kinds() {
    let events = one_of_each();
    let words: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(words, Event::KINDS, "KINDS lists every kind, in kind_index order");
    assert!(Event::KINDS.len() <= 64, "the journal filter keeps kinds in a 64-bit mask");
}
