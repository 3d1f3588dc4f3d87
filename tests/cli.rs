//! The real binary on the sample: status, server, manifest, check, and the write path.

mod common;

use common::{NOW, Sample};

#[test]
fn status_explains_why_the_current_phase_cannot_advance() {
    let s = Sample::new();
    let r = s.run(&["status"]);
    assert!(r.ok, "{}", r.stderr);
    let out = r.stdout;
    assert!(out.contains("▶ 3    Local low impact"), "{out}");
    assert!(out.contains("BOS-IMS01: OVERDUE, no Pass checkout by day 15 (maximum 14)"), "{out}");
    assert!(out.contains("MSP-BH01: install not verified (winver)"), "{out}");
    assert!(out.contains("MSP-BH01: day 4 of 10, 6 days left"), "{out}");
    assert!(out.contains("sign-off missing from Network services"), "{out}");
    assert!(out.contains("Cannot advance to phase 4: 4 of 4 gates unmet."), "{out}");
    assert!(out.contains("✗ VIOLATIONS: 3 product(s) on servers three or more service packs behind"), "{out}");
}

#[test]
fn the_sample_shows_every_hot_fix_status() {
    let s = Sample::new();
    let out = s.run(&["status"]).stdout;
    for expected in [
        "ready to apply",
        "blocked: install SP4 first",
        "blocked: install SP6a first",
        "in SP4: install the service pack",
        "in SP3: install the service pack",
    ] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
    // The publicised NT fix reaches every role; role-specific ones only theirs.
    let server = s.run(&["server", "BOS-NEWS01"]).stdout;
    assert!(server.contains("Q244599  blocked    TCP/IP SYN flood protection (publicised)"), "{server}");
    assert!(!server.contains("Q247869"), "a mailbox-only fix must not show on a news server:\n{server}");
}

#[test]
fn status_formats_markdown_and_json() {
    let s = Sample::new();
    let md = s.run(&["status", "--format", "markdown"]).stdout;
    assert!(md.starts_with("# sprout status"), "{md}");
    assert!(md.contains("| Mailbox server"), "{md}");
    // The forecast: phase 3 opened on 6 Nov, its gates met ~29 Nov (rules::forecast's tests).
    assert!(md.contains("## Forecast: projected end ~2001-01-16 13:00 UTC"), "{md}");
    assert!(md.contains("| 3     | Local low impact"), "{md}");
    assert!(md.contains("| 2000-11-06 | 2000-11-06  | ~2000-11-29 |"), "{md}");
    assert!(md.contains("  - MSP-BH01: soaking, day 4 of 10: +7 days"), "{md}");
    let json = s.run(&["status", "--format", "json"]).stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    assert_eq!(v["rollout"]["current"], 3);
    assert_eq!(v["rollout"]["can_advance"], false);
    assert_eq!(v["servers"], 38);
    assert_eq!(v["rollout"]["projected_end"], "2001-01-16T13:00:00Z");
    assert_eq!(v["rollout"]["phases"][3]["projected_open"], "2000-11-29T22:00:00Z");
    assert_eq!(v["rollout"]["delays"][0]["days"], 7);
}

#[test]
fn server_shows_levels_reasons_soak_and_history() {
    let s = Sample::new();
    let r = s.run(&["server", "BOS-IMS01"]);
    assert!(r.ok, "{}", r.stderr);
    let out = r.stdout;
    assert!(out.contains("tier Low, priority 1"), "{out}");
    assert!(out.contains("soak: overdue: day 15, past the 14-day maximum"), "{out}");
    assert!(out.contains("BOS-IMS01: installed ex55 level 4, verified"), "{out}");
    let unknown = s.run(&["server", "NOPE01"]);
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("unknown server 'NOPE01'"), "{}", unknown.stderr);
}

#[test]
fn manifest_lists_service_packs_in_prerequisite_order_then_unsuperseded_fixes() {
    let s = Sample::new();
    let out = s.run(&["manifest", "BOS-IMS01"]).stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "Rebuild manifest for BOS-IMS01",
            " 1. Windows NT Server 4.0 SP6a",
            " 2. hot fix Q244599: TCP/IP SYN flood protection",
            " 3. Exchange Server 5.5 SP4",
            " 4. hot fix Q275453: IMS stops on a malformed SMTP address",
        ],
        "Q248838 was built for SP3 and is folded into SP4, so a rebuild skips it"
    );
}

#[test]
fn a_recorded_checkout_shows_in_status_and_in_the_journal() {
    let s = Sample::new();
    let r = s.run(&["record", "checkout", "BOS-IMS01", "pass", "--note", "queues normal"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("recorded #40"), "{}", r.stdout);
    let journal = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let last = journal.lines().last().expect("a line");
    assert!(last.contains("Checkout(rollout:\"ex55-sp4\",server:\"BOS-IMS01\""), "{last}");
    assert!(last.contains("note:\"queues normal\""), "{last}");
    let status = s.run(&["status"]).stdout;
    assert!(!status.contains("BOS-IMS01: OVERDUE"), "{status}");
    assert!(s.run(&["verify"]).stdout.contains("chain ok: 40 events"));
}

#[test]
fn the_rules_refuse_what_they_forbid_and_nothing_is_written() {
    let s = Sample::new();
    let before = std::fs::read(s.file("journal.ron")).expect("journal");
    let cases: [(&[&str], &str); 6] = [
        (
            &["record", "hotfix", "BOS-PF02", "Q281220"],
            "Q281220 is blocked on BOS-PF02: install Exchange Server 5.5 SP4 first",
        ),
        (
            &["record", "install", "MSP-MSM01"],
            "blocked: Exchange Server 5.5 SP4 requires Windows NT Server 4.0 SP5 on MSP-MSM01, which has SP4",
        ),
        (&["record", "install", "BOS-MSM01"], "BOS-MSM01 is in phase 4 (Local high impact), which is not open"),
        (&["record", "install", "MSP-PF01"], "no full backup of MSP-PF01 is confirmed"),
        (&["advance"], "gate unmet for phase 3"),
        (&["record", "checkout", "GHOST01", "pass"], "unknown server 'GHOST01'"),
    ];
    for (args, expected) in cases {
        let r = s.run(args);
        assert!(!r.ok, "{args:?} should be refused");
        assert!(r.stderr.contains(expected), "{args:?}: expected '{expected}' in: {}", r.stderr);
    }
    assert_eq!(before, std::fs::read(s.file("journal.ron")).expect("journal"), "a refusal must write nothing");
}

#[test]
fn advancing_past_an_unmet_gate_needs_a_reason_and_an_approver() {
    let s = Sample::new();
    let no_approver = s.run(&["advance", "--override", "change board said go"]);
    assert!(!no_approver.ok);
    assert!(no_approver.stderr.contains("an approver for the override is required"), "{}", no_approver.stderr);
    let r = s.run(&["advance", "--override", "change board said go", "--approver", "mtracy"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("opened by OVERRIDE"), "{}", r.stdout);
    let status = s.run(&["status"]).stdout;
    assert!(status.contains("▶ 4    Local high impact"), "{status}");
    let journal = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    assert!(
        journal
            .lines()
            .last()
            .is_some_and(|l| l.contains("overridden:[") && l.contains("sign-off missing from Network services"))
    );
}

#[test]
fn meeting_the_gates_by_recording_lets_the_phase_advance() {
    let s = Sample::new();
    let later = "2000-12-01T12:00:00Z";
    let steps: [&[&str]; 4] = [
        &["record", "verify", "MSP-BH01", "Exchange 5.5 build 2650.24 (SP4)"],
        &["record", "checkout", "BOS-IMS01", "pass"],
        &["record", "checkout", "BOS-BH01", "pass"],
        &["record", "checkout", "MSP-BH01", "pass"],
    ];
    for args in steps {
        let r = s.run_at(later, args);
        assert!(r.ok, "{args:?}: {}", r.stderr);
    }
    // Whoever checked out may not sign off: the sign-off comes from another operator.
    let own = s.run_at(later, &["record", "signoff", "Network services"]);
    assert!(!own.ok && own.stderr.contains("a sign-off must come from someone else"), "{}", own.stderr);
    common::record_as(
        &s,
        "netops",
        later,
        sprout::model::Event::SignOff {
            rollout: "ex55-sp4".into(),
            phase: "Local low impact".into(),
            group: "Network services".into(),
            note: "DHCP unaffected".into(),
        },
    )
    .expect("another operator signs off");
    let r = s.run_at(later, &["advance"]);
    assert!(r.ok, "{}", r.stderr);
    let status = s.run_at(later, &["status"]).stdout;
    assert!(status.contains("✓ 3    Local low impact"), "{status}");
    assert!(status.contains("▶ 4    Local high impact"), "{status}");
}

#[test]
fn read_only_refuses_every_write() {
    let s = Sample::new();
    let r = s.run(&["--read-only", "record", "backup", "BOS-PF01"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
}

#[test]
fn a_damaged_middle_line_is_refused_with_its_location() {
    let s = Sample::new();
    let path = s.file("journal.ron");
    let text = std::fs::read_to_string(&path).expect("journal");
    std::fs::write(&path, text.replacen("tape P-311", "tape P-999", 1)).expect("write");
    let r = s.run(&["status"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("journal.ron:27:"), "{}", r.stderr);
    assert!(r.stderr.contains("checksum mismatch"), "{}", r.stderr);
    let v = s.run(&["verify"]);
    assert!(!v.ok);
    assert!(v.stderr.contains("journal.ron:27:"), "{}", v.stderr);
}

#[test]
fn a_torn_last_line_is_ignored_then_set_aside_by_the_next_record() {
    let s = Sample::new();
    let path = s.file("journal.ron");
    let mut text = std::fs::read_to_string(&path).expect("journal");
    text.push_str("(seq:40,at:\"2000-11-24T11:00:00Z\",by:\"x\",event:Backup(ser");
    std::fs::write(&path, &text).expect("write");
    let r = s.run(&["status"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stderr.contains("journal.ron:40: the last line is incomplete"), "{}", r.stderr);
    let w = s.run(&["record", "backup", "BOS-PF01", "--note", "tape P-400"]);
    assert!(w.ok, "{}", w.stderr);
    assert!(w.stderr.contains("moved to journal.ron.broken"), "{}", w.stderr);
    let broken = std::fs::read_to_string(s.file("journal.ron.broken")).expect("broken file");
    assert!(broken.contains("event:Backup(ser"));
    assert!(s.run(&["verify"]).stdout.contains("chain ok: 40 events"));
}

#[test]
fn no_subcommand_prints_status_and_first_use_seeds_the_sample() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
        .args(["--now", NOW])
        .env_remove("SPROUT_DATA")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("share"))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("first run: wrote the sample fleet to"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Gates of phase 3"));
    assert!(home.path().join("share/sprout/journal.ron").exists());
}

#[test]
fn the_sample_stays_in_progress_whatever_day_it_is_seeded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    let today = "2031-06-09T12:00:00Z";
    let init = common::run_in(&data, today, &["init", data.to_str().expect("utf8")]);
    assert!(init.ok, "{}", init.stderr);
    let out = common::run_in(&data, today, &["status"]).stdout;
    assert!(out.contains("BOS-IMS01: OVERDUE, no Pass checkout by day 15"), "{out}");
    assert!(out.contains("in 111 days"), "next-release advice moves with the sample: {out}");
}

#[test]
fn with_a_team_only_approvers_sign_off_and_back_out() {
    let s = Sample::new();
    std::fs::write(s.file("team.ron"), "(approvers: [\"mtracy\"])").expect("team.ron");
    let me = sprout::store::Operator::current().name;
    for (args, what) in [
        (&["record", "signoff", "Network services"][..], "sign off for a group"),
        (&["record", "backout", "BOS-IMS02", "--reason", "store errors"][..], "back out an install"),
    ] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?}");
        let expected = format!("only an approver may {what}; {me} is not among the approvers in team.ron (mtracy)");
        assert!(r.stderr.contains(&expected), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn with_a_team_an_override_is_asked_for_and_confirmed_by_another_approver() {
    let s = Sample::new();
    let me = sprout::store::Operator::current().name;
    std::fs::write(s.file("team.ron"), format!("(approvers: [\"{me}\", \"mtracy\"])")).expect("team.ron");
    let asked = s.run(&["advance", "--override", "change board"]);
    assert!(asked.ok, "{}", asked.stderr);
    assert!(asked.stdout.contains("OVERRIDE ASKED: open phase 'Local high impact'"), "{}", asked.stdout);
    assert!(asked.stdout.contains("waits for 1 more approver (mtracy may confirm it"), "{}", asked.stdout);
    let seq: u64 = asked.stdout["recorded #".len()..].split(' ').next().and_then(|n| n.parse().ok()).expect("seq");
    let status = s.run(&["status"]);
    assert!(
        status.stdout.contains(&format!("override request #{seq}: open phase 4 (Local high impact)")),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("confirmed 0 of 1 (mtracy may confirm)"), "{}", status.stdout);
    assert!(status.stdout.contains("▶ 3"), "asking opened nothing: {}", status.stdout);
    let own = s.run(&["approve", "--request", &seq.to_string()]);
    assert!(!own.ok);
    assert!(
        own.stderr.contains(&format!("an approver may not approve their own override: {me} asked for request #{seq}")),
        "{}",
        own.stderr
    );
    let again = s.run(&["advance", "--override", "again"]);
    assert!(again.stderr.contains(&format!("asked for this override already (request #{seq}")), "{}", again.stderr);
    let confirm = sprout::model::Event::OverrideConfirmed { rollout: "ex55-sp4".into(), request: seq };
    let done = common::record_as(&s, "mtracy", NOW, confirm).expect("mtracy confirms");
    assert_eq!(done.effect.as_deref(), Some("every approver it needed confirmed: phase 4 (Local high impact) is open"));
    let status = s.run(&["status"]);
    assert!(status.stdout.contains("▶ 4") && !status.stdout.contains("override request #"), "{}", status.stdout);
    let check = s.run(&["check"]);
    assert!(check.ok, "asked and confirmed through the write path, history agrees: {}", check.stderr);
}

#[test]
fn whoever_signed_off_a_phase_may_not_check_it_out() {
    let s = Sample::new();
    common::record_as(
        &s,
        "tester-a",
        NOW,
        sprout::model::Event::SignOff {
            rollout: "ex55-sp4".into(),
            phase: "Local low impact".into(),
            group: "Network services".into(),
            note: String::new(),
        },
    )
    .expect("sign-off");
    let r = common::record_as(
        &s,
        "tester-a",
        NOW,
        sprout::model::Event::Checkout {
            rollout: "ex55-sp4".into(),
            server: "BOS-IMS01".into(),
            phase: "Local low impact".into(),
            result: sprout::model::CheckoutResult::Pass,
            note: String::new(),
        },
    );
    let err = r.expect_err("refused");
    assert!(err.to_string().contains("tester-a signed off this phase for Network services"), "{err}");
}

#[test]
fn a_generated_fleet_is_valid_and_renders_a_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gen");
    let d = data.to_str().expect("utf8");
    let made = common::run_in(&data, NOW, &["gen", "--servers", "300", "--events", "2000", d]);
    assert!(made.ok, "{}", made.stderr);
    let check = common::run_in(&data, NOW, &["check"]);
    assert!(check.ok, "{}", check.stderr);
    assert!(check.stdout.contains("300 servers, 1 rollouts, 2000 journal events"), "{}", check.stdout);
    let frame = common::run_in(&data, NOW, &["frame", "--width", "80", "--height", "24", "--view", "rollout"]);
    assert!(frame.ok, "{}", frame.stderr);
    assert_eq!(frame.stdout.lines().count(), 24);
    assert!(frame.stdout.contains("Gates of phase 3"), "{}", frame.stdout);
    // The generator is deterministic: a second run writes the same journal.
    let again = dir.path().join("again");
    assert!(
        common::run_in(&again, NOW, &["gen", "--servers", "300", "--events", "2000", again.to_str().expect("utf8")]).ok
    );
    assert_eq!(
        std::fs::read(data.join("journal.ron")).expect("a"),
        std::fs::read(again.join("journal.ron")).expect("b")
    );
}

#[test]
fn read_only_writes_no_directory_not_even_the_sample() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
            .args(["--now", NOW, "--read-only"])
            .args(args)
            .env_remove("SPROUT_DATA")
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("share"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .output()
            .expect("run")
    };
    let first = run(&["status"]);
    assert!(!first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("--read-only writes nothing, not even the sample"));
    for args in [&["init", "x"][..], &["gen", "--servers", "10", "--events", "10", "y"][..]] {
        let out = run(&[args, &["--data", home.path().join("d").to_str().expect("utf8")][..]].concat());
        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("read-only: init and gen write a data directory"));
    }
    let left: Vec<_> = std::fs::read_dir(home.path()).expect("home").flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "read-only created {left:?}");
}

#[test]
fn under_sudo_the_operator_is_whoever_ran_it() {
    let s = Sample::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
        .arg("--data")
        .arg(s.path())
        .args(["--now", NOW, "record", "backup", "BOS-PF01", "--note", "tape"])
        .env("SUDO_UID", "65534")
        .env("SUDO_USER", "forged")
        .env("XDG_CACHE_HOME", s.dir.path().join("cache"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let last = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let last = last.lines().last().expect("a line");
    if sprout::store::Operator::current().name == "root" && std::env::var_os("SUDO_UID").is_none() {
        // Root: SUDO_UID names the person (only root can set it), root is the context.
        let named = last.contains("by:\"nobody\"") || last.contains("by:\"uid:65534\"");
        assert!(named && last.contains("via sudo as root"), "{last}");
    } else {
        // Anyone else: the variables are not believed.
        let me = sprout::store::Operator::current().name;
        assert!(last.contains(&format!("by:\"{me}\"")) && !last.contains("via sudo"), "{last}");
    }
}

/// An extended soak shows wherever the window shows, as the gates use it.
#[test]
fn an_extended_soak_shows_in_status_json_and_the_rollout_view() {
    let s = Sample::new();
    let r = s.run(&["record", "extend", "3", "--reason", "holiday freeze"]);
    assert!(r.ok, "{}", r.stderr);
    let status = s.run(&["status"]);
    assert!(status.stdout.contains("13..17 days (extended 3)"), "{}", status.stdout);
    let json: serde_json::Value = serde_json::from_str(&s.run(&["status", "--format", "json"]).stdout).expect("json");
    let phase = &json["rollout"]["phases"][2];
    assert_eq!((phase["soak_min_days"].as_u64(), phase["extended_days"].as_u64()), (Some(13), Some(3)), "{phase}");
    let frame = s.run(&["frame", "--view", "rollout"]);
    assert!(frame.stdout.contains("Soak 13..17 days"), "{}", frame.stdout);
    assert!(
        frame.stdout.contains("MSP-BH01: day 4 of 13, 9 days left"),
        "the gate counts the extension: {}",
        frame.stdout
    );
}

/// With a team: excluding a member (which takes it out of its phase's gates) needs an approver,
/// and nobody names an approver on someone else's behalf.
#[test]
fn with_a_team_exclusion_needs_an_approver_and_nobody_names_one() {
    let s = Sample::new();
    std::fs::write(s.file("team.ron"), "(approvers: [\"mtracy\"])").expect("team.ron");
    let r = s.run(&["record", "exclude", "BOS-IMS01", "--reason", "gets it out of the gate"]);
    assert!(!r.ok && r.stderr.contains("only an approver may exclude a server from a rollout"), "{}", r.stderr);
    let r = s.run(&["advance", "--override", "board", "--approver", "mtracy"]);
    assert!(!r.ok && r.stderr.contains("drop --approver mtracy"), "{}", r.stderr);
    let r = s.run(&["record", "priority", "BOS-IMS01", "3", "--reason", "r", "--approver", "mtracy"]);
    assert!(!r.ok && r.stderr.contains("drop --approver mtracy"), "{}", r.stderr);
}

/// A team.ron that is a link to nothing is an error, not "no team" (which would let anyone
/// record an override naming any approver).
#[test]
fn a_dangling_team_link_is_refused_not_taken_for_no_team() {
    let s = Sample::new();
    std::os::unix::fs::symlink("/nonexistent/team.ron", s.file("team.ron")).expect("link");
    let r = s.run(&["advance", "--override", "board", "--approver", "anyone"]);
    assert!(!r.ok, "{}", r.stdout);
    assert!(r.stderr.contains("team.ron: a symbolic link to nothing is in its place"), "{}", r.stderr);
}

/// A replacement must match the server it replaces (seed: "Certain recovery operations
/// require..."): manifest --against says what differs, check and status report it.
#[test]
fn a_replacement_that_does_not_match_is_reported_until_it_does() {
    let s = Sample::new();
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let line = "        (name: \"BOS-MBX01\", role: \"mailbox\", site: \"BOS\", environment: Production, products: {\"nt4\": 6, \"ex55\": 3}, users: 1000),\n";
    let new = "        (name: \"BOS-MBX09\", role: \"mailbox\", site: \"BOS\", environment: Production, products: {\"nt4\": 6, \"ex55\": 2}, replaces: \"BOS-MBX01\"),\n";
    assert!(fleet.contains(line));
    std::fs::write(s.file("fleet.ron"), fleet.replace(line, &format!("{line}{new}"))).expect("fleet");
    let m = s.run(&["manifest", "BOS-MBX09", "--against", "BOS-MBX01"]);
    assert!(!m.ok);
    assert!(m.stdout.contains("BOS-MBX09 does not match BOS-MBX01:\n  - lacks Exchange Server 5.5 SP3\n  - has Exchange Server 5.5 SP2 that BOS-MBX01 had not"), "{}", m.stdout);
    let check = s.run(&["check"]);
    assert!(
        check
            .stderr
            .contains("server BOS-MBX09 replaces BOS-MBX01 but does not match it: lacks Exchange Server 5.5 SP3"),
        "{}",
        check.stderr
    );
    let status = s.run(&["status"]);
    assert!(status.stdout.contains("! Replacements that do not match yet: 1"), "{}", status.stdout);
    // Its install of SP3 makes it match.
    assert!(s.run(&["record", "backup", "BOS-MBX09"]).ok);
    let i = s.run(&["record", "install", "BOS-MBX09", "--product", "ex55", "--level", "3"]);
    assert!(i.ok, "{}", i.stderr);
    let m = s.run(&["manifest", "BOS-MBX09", "--against", "BOS-MBX01"]);
    assert!(m.ok && m.stdout.contains("BOS-MBX09 matches BOS-MBX01"), "{}{}", m.stdout, m.stderr);
    assert!(!s.run(&["status"]).stdout.contains("Replacements"));
}

/// `status --format markdown` renders as intended in a CommonMark renderer (with the GFM table
/// extension, as change-board pages use): tables are tables, the gates' items are nested lists,
/// nothing turns into a code block.
#[test]
fn status_markdown_renders_tables_and_nested_lists() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let s = Sample::new();
    let md = s.run(&["status", "--format", "markdown"]).stdout;
    let (mut tables, mut headings, mut depth, mut nested_items, mut code) = (0, 0, 0, 0, 0);
    let mut rows_in_phase_table = None;
    let mut rows = 0;
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => {
                tables += 1;
                rows = 0;
            }
            Event::Start(Tag::TableRow) => rows += 1,
            Event::End(TagEnd::Table) if tables == 3 => rows_in_phase_table = Some(rows),
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => depth -= 1,
            Event::Start(Tag::Item) if depth > 1 => nested_items += 1,
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            _ => {}
        }
    }
    assert_eq!(tables, 4, "roles, hot fixes, phases and the forecast are tables:\n{md}");
    assert_eq!(rows_in_phase_table, Some(6), "six phases (the header row is apart)");
    assert!(headings >= 6, "{headings} headings");
    // Six unmet gate items under their gates, five open items under the forecast's delays.
    assert_eq!(nested_items, 11, "each unmet gate item nested under its gate:\n{md}");
    assert_eq!(code, 0, "no line became a code block:\n{md}");
}

/// Installable like a CLI: shell completions that the shell accepts, and a man page, without
/// looking for (or seeding) a data directory.
#[test]
fn completions_and_a_man_page_come_out_of_the_binary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
            .args(args)
            .env("HOME", &home)
            .env_remove("SPROUT_DATA")
            .env_remove("XDG_DATA_HOME")
            .output()
            .expect("run")
    };
    let bash = run(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = tmp.path().join("sprout.bash");
    std::fs::write(&script, &bash.stdout).expect("write");
    let syntax = std::process::Command::new("bash").arg("-n").arg(&script).status().expect("bash");
    assert!(syntax.success(), "bash accepts the completion script");
    assert!(String::from_utf8_lossy(&bash.stdout).contains("approve"), "it completes the subcommands");
    let man = run(&["man"]);
    assert!(man.status.success() && String::from_utf8_lossy(&man.stdout).starts_with(".ie"), "roff");
    assert!(!home.exists(), "no data directory was seeded");
}
