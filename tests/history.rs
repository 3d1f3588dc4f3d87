//! `check` re-runs the rules over history: an event appended by hand around the write path,
//! correctly chained, is still reported at its line if the write path would have refused it.

mod common;

use std::io::Write;

use common::{NOW, Sample, append_by_hand, opening_unmet};
use sprout::model::Event;
use sprout::store::journal;

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
    let line = append_by_hand(&s, "mallory", opening_unmet());
    assert!(s.run(&["status"]).stdout.contains("phase 4"), "the state shows the opened phase");
    let check = s.run(&["check"]);
    assert!(!check.ok);
    let expected = format!(
        "journal.ron:{line}:1: advance by mallory would have been refused: gate unmet for phase 3: 6 item(s): \
         MSP-BH01: install not verified (winver);"
    );
    assert!(check.stderr.contains(&expected), "{}", check.stderr);
    assert!(check.stderr.contains("opening phase 4 anyway needs an override reason and an approver"));
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

#[test]
fn lines_cut_off_the_end_are_noticed_and_only_an_explicit_accept_takes_them() {
    let s = Sample::new();
    assert!(s.run(&["status"]).ok, "this user has now seen #39");
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let kept: Vec<&str> = text.lines().take(37).collect();
    std::fs::write(s.file("journal.ron"), kept.join("\n") + "\n").expect("cut");
    // The shorter chain is still whole: only the witness can tell, and every command does.
    for args in [&["status"][..], &["verify"], &["record", "backup", "BOS-PF01", "--note", "x"]] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?}");
        assert!(
            r.stderr.contains("it ends at #37, but you have seen #39: 2 events at its end are gone"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("sprout accept-journal"), "{}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal").lines().count(), 37, "nothing written");
    let accept = s.run(&["accept-journal"]);
    assert!(accept.ok, "{}", accept.stderr);
    assert!(
        accept.stdout.contains("2 events at its end are gone") && accept.stdout.contains("accepted: 37 events"),
        "{}",
        accept.stdout
    );
    assert!(s.run(&["status"]).ok, "accepted");
}

/// The head rewritten to describe the journal as it now is, in the same generation: what
/// someone with write access to the directory can do after editing it.
fn forge_head(s: &Sample) {
    use sprout::store::dir::{files::FileId, head};
    let old = head::read(&s.path()).expect("a head");
    let journal = FileId::of(&s.file("journal.ron")).expect("journal id");
    head::write(&s.path(), head::Head { journal, generation: old.generation }).expect("head");
}

#[test]
fn an_event_cut_off_after_the_cache_behind_a_forged_head_is_noticed_by_every_command() {
    let s = Sample::new();
    // The first record writes the derived-state cache; the second, a Fail, moves this user's
    // witness past it.
    assert!(s.run(&["record", "backup", "BOS-PF01", "--note", "tape 7"]).ok);
    let fail = s.run(&["record", "checkout", "BOS-IMS01", "fail", "--note", "queue stuck"]);
    assert!(fail.ok, "{}", fail.stderr);
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let lines: Vec<&str> = text.lines().collect();
    // mallory cuts the Fail off and forges the head, so the cache's tail read would find the
    // journal "unchanged since the cache".
    std::fs::write(s.file("journal.ron"), lines[..lines.len() - 1].join("\n") + "\n").expect("cut");
    forge_head(&s);
    let sign = ["record", "signoff", "Network services", "--note", "all fine"];
    for args in [&["status"][..], &["server", "BOS-IMS01"], &sign, &["frame"]] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?} took the shorter journal: {}", r.stdout);
        assert!(r.stderr.contains("1 event at its end is gone"), "{args:?}: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal").lines().count(), lines.len() - 1);
}

#[test]
fn an_event_replaced_after_the_cache_behind_a_forged_head_is_noticed() {
    let s = Sample::new();
    assert!(s.run(&["record", "backup", "BOS-PF01", "--note", "tape 7"]).ok);
    assert!(s.run(&["record", "checkout", "BOS-IMS01", "fail", "--note", "queue stuck"]).ok);
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let lines: Vec<&str> = text.lines().collect();
    // mallory puts a Pass in the Fail's place, chained where it was, and forges the head.
    let fail = journal::decode(lines[lines.len() - 1], lines.len()).expect("the Fail");
    let prev = journal::decode(lines[lines.len() - 2], lines.len() - 1).expect("the line before");
    let pass = Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "fine".into(),
    };
    let (_, forged) = journal::encode(fail.seq, fail.at, "mfinger", None, pass, &prev.sum).expect("encode");
    std::fs::write(s.file("journal.ron"), lines[..lines.len() - 1].join("\n") + "\n" + &forged + "\n").expect("put");
    forge_head(&s);
    for args in [&["status"][..], &["server", "BOS-IMS01"]] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?} took the rewritten journal: {}", r.stdout);
        assert!(r.stderr.contains("is not the one you have seen: the history was rewritten"), "{args:?}: {}", r.stderr);
    }
}

/// mallory flips an event well before the cache's end (a Pass into a Fail), makes every link
/// after it again (same line lengths need not hold) and forges the head: the line the cache
/// ends on is no longer there as it was, so no command takes the cached state, and a record
/// is refused rather than chained onto a journal everyone else reads differently.
#[test]
fn an_event_rewritten_before_the_cache_and_rechained_behind_a_forged_head_is_noticed() {
    let s = Sample::new();
    assert!(s.run(&["record", "backup", "BOS-PF01", "--note", "tape 7"]).ok);
    assert!(s.run(&["status"]).ok, "the cache is written and used");
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let k = lines.iter().position(|l| l.contains("result:Pass")).expect("a Pass checkout in the sample");
    let mut prev = journal::decode(&lines[k - 1], k).expect("the line before").sum;
    for (n, line) in lines.iter_mut().enumerate().skip(k) {
        let mut e = journal::decode(line, n + 1).expect("a line");
        if n == k {
            let Event::Checkout { result, .. } = &mut e.event else { panic!("a checkout") };
            *result = sprout::model::CheckoutResult::Fail;
        }
        let (sealed, text) = journal::encode(e.seq, e.at, &e.by, e.from, e.event, &prev).expect("encode");
        prev = sealed.sum;
        *line = text;
    }
    std::fs::write(s.file("journal.ron"), lines.join("\n") + "\n").expect("rewrite");
    forge_head(&s);
    let before = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let record = ["record", "backup", "BOS-MBX02", "--note", "tape 8"];
    for args in [&["status"][..], &record, &["frame"]] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?} took the cached state: {}", r.stdout);
        assert!(r.stderr.contains("the history was rewritten"), "{args:?}: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal"), before, "nothing appended");
}

#[test]
fn a_different_journal_put_in_its_place_is_noticed() {
    let s = Sample::new();
    assert!(s.run(&["status"]).ok);
    // Another directory's sample, seeded for another day: as long, validly chained, different.
    let other = tempfile::tempdir().expect("tempdir");
    let init = common::run_in(
        &other.path().join("d"),
        "2000-12-24T12:00:00Z",
        &["init", other.path().join("d").to_str().expect("utf8")],
    );
    assert!(init.ok, "{}", init.stderr);
    std::fs::copy(other.path().join("d/journal.ron"), s.file("journal.ron")).expect("replace");
    let r = s.run(&["status"]);
    assert!(!r.ok && r.stderr.contains("its first event is not the one you have seen"), "{}", r.stderr);
}

#[test]
fn a_refused_record_repairs_nothing() {
    let s = Sample::new();
    let mut text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    text.push_str("(seq:40,at:\"2000-11-24T11:00:00Z\",by:\"x\",ev");
    std::fs::write(s.file("journal.ron"), &text).expect("torn");
    let r = s.run(&["record", "backup", "NO-SUCH-SERVER"]);
    assert!(!r.ok && r.stderr.contains("unknown server"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal"), text, "no repair, no truncation");
    assert!(!s.file("journal.ron.broken").exists());
    let ok = s.run(&["record", "backup", "BOS-PF01"]);
    assert!(ok.ok && ok.stderr.contains("moved to journal.ron.broken"), "{}", ok.stderr);
}

#[test]
fn repair_sets_a_torn_line_aside_and_records_nothing() {
    let s = Sample::new();
    let whole = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let torn = "(seq:40,at:\"2000-11-24T11:00:00Z\",by:\"x\",ev";
    std::fs::write(s.file("journal.ron"), format!("{whole}{torn}")).expect("torn");
    assert!(!s.run(&["--read-only", "repair"]).ok, "read-only repairs nothing");
    let r = s.run(&["repair"]);
    assert!(r.ok && r.stdout.contains("moved to journal.ron.broken"), "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read_to_string(s.file("journal.ron")).expect("journal"), whole, "only the torn line went");
    assert!(std::fs::read_to_string(s.file("journal.ron.broken")).expect("broken").contains(torn));
    let again = s.run(&["repair"]);
    assert!(again.ok && again.stdout.contains("every line is whole; nothing to repair"), "{}", again.stdout);
    assert!(s.run(&["verify"]).ok);
}

#[test]
fn events_keep_time_order_and_none_is_in_the_future() {
    let s = Sample::new();
    // The sample's last event is 2000-11-20 08:00; this host's clock an hour behind is refused.
    let early = s.run_at("2000-11-20T07:00:00Z", &["record", "backup", "BOS-PF01", "--note", "x"]);
    assert!(!early.ok);
    assert!(
        early.stderr.contains("60 minutes before the event before it")
            && early.stderr.contains("set its clock (NTP) and record again"),
        "{}",
        early.stderr
    );
    let skewed = s.run_at("2000-11-20T07:57:00Z", &["record", "backup", "BOS-PF01", "--note", "x"]);
    assert!(skewed.ok, "within the tolerance: {}", skewed.stderr);
    // Appended by hand: one from next year, then one back in time; check names both.
    let backup = || Event::Backup { server: "BOS-PF02".into(), note: String::new() };
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let index = &loaded.data.journal;
    let (e1, l1) = journal::encode(
        index.seq + 1,
        "2001-06-01T00:00:00Z".parse().expect("t"),
        "mallory",
        None,
        backup(),
        &index.sum,
    )
    .expect("encode");
    let (_, l2) =
        journal::encode(e1.seq + 1, "2000-11-21T00:00:00Z".parse().expect("t"), "mallory", None, backup(), &e1.sum)
            .expect("encode");
    let mut f = std::fs::OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
    writeln!(f, "{l1}\n{l2}").expect("append");
    let check = s.run(&["check"]);
    assert!(!check.ok);
    assert!(
        check.stderr.contains("journal.ron:41:1: backup by mallory is dated 2001-06-01 00:00 UTC, in the future"),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("journal.ron:42:1: backup by mallory is out of time order"), "{}", check.stderr);
}

/// Every refusal of the write path is asked again of history, not only authority and gates:
/// each event below, appended by hand and correctly chained, is reported at its line.
#[test]
fn every_rule_of_the_write_path_is_asked_again_of_history() {
    let install =
        |server: &str| Event::Install { server: server.into(), product: "ex55".into(), level: 4, verified: None };
    let cases: Vec<(Event, &str)> = vec![
        (install("BOS-PF01"), "install by mallory would have been refused: no full backup of BOS-PF01 is confirmed"),
        (install("LAB-MBX01"), "install by mallory would have been refused: LAB-MBX01 already has"),
        (install("MSP-MSM01"), "install by mallory would have been refused: blocked: Exchange Server 5.5 SP4 requires"),
        (
            Event::Checkout {
                rollout: "ex55-sp4".into(),
                server: "BOS-PF01".into(),
                phase: "Local low impact".into(),
                result: sprout::model::CheckoutResult::Pass,
                note: String::new(),
            },
            "checkout by mallory would have been refused: BOS-PF01 is a member of phase 6",
        ),
        (
            Event::RiskOverride {
                rollout: "ex55-sp4".into(),
                server: "BOS-PF01".into(),
                priority: 1,
                reason: "moved".into(),
                approver: None,
            },
            "priority by mallory would have been refused: an approver for the priority override (--approver NAME) is required",
        ),
    ];
    for (event, expected) in cases {
        let s = Sample::new();
        let line = append_by_hand(&s, "mallory", event);
        let check = s.run(&["check"]);
        assert!(!check.ok);
        assert!(check.stderr.contains(&format!("journal.ron:{line}:1: {expected}")), "{expected}\n{}", check.stderr);
        assert!(check.stderr.contains("1 problem found"), "one problem, reported once: {}", check.stderr);
    }
}

/// With a team, an override confirmed by the one who asked for it, or opened directly, is
/// caught by `check` even when correctly chained.
#[test]
fn a_hand_appended_self_approval_is_caught_by_check() {
    let s = Sample::new();
    std::fs::write(s.file("team.ron"), "(approvers: [\"mallory\", \"mtracy\"])").expect("team.ron");
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let overridden = sprout::rules::approval::unmet(&loaded.data, &loaded.state, 0, NOW.parse().expect("time"));
    let ask = Event::OverrideRequested {
        rollout: "ex55-sp4".into(),
        asked: sprout::model::Asked::Open { phase: "Local high impact".into(), overridden },
        reason: "change board".into(),
        needs: 1,
    };
    let asked = append_by_hand(&s, "mallory", ask);
    assert!(s.run(&["check"]).ok, "asking is allowed: {}", s.run(&["check"]).stderr);
    let seq = loaded.data.journal.seq + 1;
    let line = append_by_hand(&s, "mallory", Event::OverrideConfirmed { rollout: "ex55-sp4".into(), request: seq });
    assert_eq!(line, asked + 1);
    assert!(s.run(&["status"]).stdout.contains("▶ 4"), "the state shows the phase opened");
    let check = s.run(&["check"]);
    let expected = format!(
        "journal.ron:{line}:1: confirm by mallory would have been refused: an approver may not approve their own override"
    );
    assert!(check.stderr.contains(&expected), "{}", check.stderr);
}

/// A line dated at the end of the calendar is reported, not a panic.
#[test]
fn a_line_from_the_end_of_the_calendar_is_reported_not_a_crash() {
    let s = Sample::new();
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let index = &loaded.data.journal;
    let far: chrono::DateTime<chrono::Utc> = "+262142-12-31T23:58:00Z".parse().expect("far");
    let backup = Event::Backup { server: "BOS-PF01".into(), note: String::new() };
    let (_, line) = journal::encode(index.seq + 1, far, "mallory", None, backup, &index.sum).expect("encode");
    let mut f = std::fs::OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}").expect("append");
    let check = s.run(&["check"]);
    assert!(!check.ok && !check.stderr.contains("panicked"), "{}", check.stderr);
    assert!(check.stderr.contains("in the future"), "{}", check.stderr);
}
