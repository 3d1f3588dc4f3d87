//! `check` re-runs the rules over history: an event appended by hand around the write path,
//! correctly chained, is still reported at its line if the write path would have refused it.

mod common;

use std::io::Write;

use common::{NOW, Sample};
use sprout::model::Event;
use sprout::store::journal;

/// Append `event` by `by`, correctly chained, as someone with write access to the directory could.
fn append_by_hand(s: &Sample, by: &str, event: Event) -> usize {
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let index = &loaded.data.journal;
    let (_, line) =
        journal::encode(index.seq + 1, NOW.parse().expect("time"), by, None, event, &index.sum).expect("encode");
    let mut f = std::fs::OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}").expect("append");
    index.line_count + 1
}

#[test]
fn a_hand_appended_sign_off_by_a_checker_is_caught_by_check() {
    let s = Sample::new();
    // mfinger checked out BOS-BH01 and BOS-IMS02 in phase 3: the write path refuses this.
    let sign = Event::SignOff {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        group: "Network services".into(),
        note: String::new(),
    };
    let line = append_by_hand(&s, "mfinger", sign);
    assert!(s.run(&["verify"]).ok, "the chain is whole: only the rules can tell");
    let check = s.run(&["check"]);
    assert!(!check.ok);
    let expected = format!(
        "journal.ron:{line}:1: signoff by mfinger would have been refused: mfinger recorded the checkout of BOS-"
    );
    assert!(check.stderr.contains(&expected), "{}", check.stderr);
}

#[test]
fn a_hand_appended_phase_opening_with_gates_unmet_is_caught_by_check() {
    let s = Sample::new();
    let open = Event::PhaseOpened {
        rollout: "ex55-sp4".into(),
        phase: "Local high impact".into(),
        override_reason: None,
        approver: None,
        overridden: Vec::new(),
    };
    let line = append_by_hand(&s, "mallory", open);
    assert!(s.run(&["status"]).stdout.contains("phase 4"), "the state shows the opened phase");
    let check = s.run(&["check"]);
    assert!(!check.ok);
    assert!(
        check.stderr.contains(&format!("journal.ron:{line}:1: phase 'Local high impact' was opened by mallory with"))
            && check
                .stderr
                .contains("gate item(s) unmet and no override (first: MSP-BH01: install not verified (winver))"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_soak_extension_cannot_wrap_round_or_break_the_directory() {
    let s = Sample::new();
    let r = s.run(&["record", "extend", "4294967286", "--reason", "x"]);
    assert!(!r.ok && r.stderr.contains("extend the soak by at most 365 days at a time"), "{}", r.stderr);
    // Appended by hand, huge extensions neither crash a command nor pass a gate.
    for days in [100_000_000, 4_294_967_286] {
        let extend = Event::SoakExtended {
            rollout: "ex55-sp4".into(),
            phase: "Local low impact".into(),
            days,
            reason: "x".into(),
        };
        append_by_hand(&s, "mallory", extend);
    }
    for args in [&["status"][..], &["server", "MSP-BH01"], &["frame", "--view", "rollout"]] {
        let r = s.run(args);
        assert!(r.ok, "{args:?}: {}", r.stderr);
    }
    let status = s.run(&["status"]).stdout;
    assert!(status.contains("✗ UNMET every member soaked the minimum days"), "{status}");
}
