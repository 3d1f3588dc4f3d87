use chrono::{DateTime, Utc};

use super::*;
use crate::model::{Asked, Attendee, CheckoutResult, Event, Signature};
use crate::store::journal;

fn at() -> DateTime<Utc> {
    "2026-11-24T12:00:00.123456789Z".parse().expect("time")
}

/// One event of every kind, each optional field left empty where it may be (what a line
/// leaves out) and filled in another.
fn every_kind() -> Vec<Event> {
    let s = |t: &str| t.to_string();
    vec![
        Event::Install { server: s("A"), product: s("ex55"), level: 4, verified: None },
        Event::Install { server: s("A"), product: s("ex55"), level: 4, verified: Some(s("build 2650")) },
        Event::Verify { server: s("A"), product: s("ex55"), level: 4, winver: s("w") },
        Event::Backup { server: s("A"), note: s("tape\nsecond line") },
        Event::Checkout {
            rollout: s("r"),
            server: s("A"),
            phase: s("Lab"),
            result: CheckoutResult::Concern,
            note: s(""),
        },
        Event::SignOff { rollout: s("r"), phase: s("Lab"), group: s("g"), note: s("n") },
        Event::SoakExtended { rollout: s("r"), phase: s("Lab"), days: 3, reason: s("why") },
        Event::Excluded { rollout: s("r"), server: s("A"), reason: s("why") },
        Event::PhaseOpened {
            rollout: s("r"),
            phase: s("Lab"),
            override_reason: None,
            approver: None,
            overridden: vec![],
        },
        Event::PhaseOpened {
            rollout: s("r"),
            phase: s("Pilot"),
            override_reason: Some(s("late")),
            approver: Some(s("boss")),
            overridden: vec![s("soak")],
        },
        Event::BackedOut { server: s("A"), product: s("ex55"), to_level: 3, reason: s("why") },
        Event::HotFixApplied { server: s("A"), hot_fix: s("Q1") },
        Event::RiskOverride { rollout: s("r"), server: s("A"), priority: 2, reason: s("why"), approver: None },
        Event::OverrideRequested {
            rollout: s("r"),
            asked: Asked::Priority { server: s("A"), priority: 1, overridden: vec![] },
            reason: s("why"),
            needs: 2,
        },
        Event::OverrideRequested {
            rollout: s("r"),
            asked: Asked::Open { phase: s("Lab"), overridden: vec![s("x")] },
            reason: s("why"),
            needs: 1,
        },
        Event::OverrideConfirmed { rollout: s("r"), request: 7 },
        Event::OverrideWithdrawn { rollout: s("r"), request: 7, reason: s("no") },
        Event::BaselineChanged { file: s("fleet.ron"), hash: s("h"), changes: vec![], note: s("") },
        Event::MeetingStarted { rollout: None, title: s(""), attendees: vec![] },
        Event::MeetingStarted {
            rollout: Some(s("r")),
            title: s("weekly"),
            attendees: vec![
                Attendee { operator: s("a"), from: None },
                Attendee { operator: s("b"), from: Some(s("h")) },
            ],
        },
        Event::MeetingEnded { started: 3, attendees: vec![] },
        Event::MeetingJoined { attendee: Attendee { operator: s("a"), from: None } },
        Event::MeetingLeft { operator: s("a") },
        Event::MeetingDriver { started: 3 },
        Event::KeyAdded { operator: s("a"), key: s("ssh-ed25519 AAAA"), note: s("") },
        Event::KeyRevoked { operator: s("a"), fingerprint: s("SHA256:x"), reason: s("lost") },
        Event::Checkpoint { seq: 9, sum: s("abc") },
    ]
}

/// The journal text of `events`, chained, with a blank line and an entry with `from` and `sig`.
fn text_of(events: Vec<Event>) -> String {
    let (mut text, mut prev) = (String::new(), String::new());
    for (i, event) in events.into_iter().enumerate() {
        let from = (i % 3 == 0).then(|| "ssh 10.0.0.1".to_string());
        let sig = (i % 4 == 0).then(|| Signature { key: "SHA256:k".into(), sig: "-----BEGIN-----".into() });
        let entry = Entry { seq: i as u64 + 1, at: at(), by: "op".into(), from, event, prev, sig, sum: String::new() };
        let (e, line) = journal::seal(entry).expect("seal");
        prev = e.sum;
        text.push_str(&line);
        text.push_str(if i == 5 { "\n\n" } else { "\n" });
    }
    text
}

fn lines_of(text: &str) -> Vec<Option<Entry>> {
    (text.lines().enumerate())
        .map(|(n, l)| (!l.trim().is_empty()).then(|| journal::decode(l, n + 1).expect("a good line")))
        .collect()
}

#[test]
fn a_kept_block_says_exactly_what_its_lines_say_for_every_kind_of_event() {
    let text = text_of(every_kind());
    let lines = lines_of(&text);
    let key = *blake3::hash(text.as_bytes()).as_bytes();
    let refs: Vec<Option<&Entry>> = lines.iter().map(Option::as_ref).collect();
    let bytes = seal(&key, &refs).expect("seal");
    assert_eq!(open(&bytes, &key).expect("the block opens"), lines, "event for event, blank lines too");
    // Every line still leaves its empty fields out: the line format did not change.
    for left_out in ["verified:None", "from:None", "sig:None", "title:\"\"", "approver:None"] {
        assert!(!text.contains(left_out), "{left_out} in {text}");
    }
    assert!(text.contains("event:PhaseOpened(rollout:\"r\",phase:\"Lab\"),"), "{text}");
}

#[test]
fn a_damaged_or_misnamed_block_is_not_used() {
    let text = text_of(every_kind());
    let lines = lines_of(&text);
    let refs: Vec<Option<&Entry>> = lines.iter().map(Option::as_ref).collect();
    let key = *blake3::hash(text.as_bytes()).as_bytes();
    let bytes = seal(&key, &refs).expect("seal");
    let other = *blake3::hash(b"another block").as_bytes();
    assert!(open(&bytes, &other).is_none(), "a block under another block's name");
    for at in [3, 20, 60, bytes.len() / 2, bytes.len() - 1] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        assert!(open(&damaged, &key).is_none(), "a byte changed at {at}");
    }
    assert!(open(&bytes[..bytes.len() - 1], &key).is_none(), "cut short");
}
