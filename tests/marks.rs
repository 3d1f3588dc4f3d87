// Marks: whether each event is proven by its operator's key, as status, journal and the
// dashboard show it. Keys made here with ssh-keygen, an ssh-agent per test.
mod common;
#[path = "common/signing.rs"]
mod signing;

use signing::{World, backup, fingerprint, rechain};
use sprout::model::Event;

#[test]
fn status_and_journal_json_say_per_event_whether_its_signature_is_verified() {
    let w = World::new();
    w.team(&["alice"]);
    w.agent.add(&w.keys[0].0);
    w.agent.add(&w.keys[1].0);
    w.record("bob", "tape B-1").expect("bob signs");
    let revoke =
        Event::KeyRevoked { operator: "bob".into(), fingerprint: fingerprint(&w.keys[1].1), reason: "left".into() };
    w.record_event("alice", revoke).expect("alice revokes");
    w.append_signed("bob", &w.keys[1], backup("after revocation"));
    // An unsigned line in the name of alice, who has a key: not proven, though not required.
    let loaded = sprout::live::load_dir(&w.s.path()).expect("load");
    let index = &loaded.data.journal;
    let (_, line) = sprout::store::journal::encode(
        index.seq + 1,
        common::NOW.parse().expect("t"),
        "alice",
        None,
        backup("x"),
        &index.sum,
    )
    .expect("encode");
    let mut lines = w.lines();
    lines.push(line);
    w.write_lines(&lines);

    let status = w.run(&["status", "--format", "json"]);
    assert!(status.ok, "{}", status.stderr);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
    let s = &json["signatures"];
    assert_eq!(
        (s["verified"].as_u64(), s["failed"].as_u64(), s["unproven"].as_u64(), s["not_proven"].as_u64()),
        (Some(2), Some(1), Some(1), Some(2)),
        "{s}"
    );
    let events = s["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "jsmith's unsigned sample events carry no mark (no key of theirs): {s}");
    assert_eq!(
        (events[0]["seq"].as_u64(), events[0]["signature"].as_str(), events[0]["mark"].as_str()),
        (Some(42), Some("revoked"), Some("✗"))
    );
    assert_eq!(
        (events[1]["seq"].as_u64(), events[1]["signature"].as_str(), events[1]["mark"].as_str()),
        (Some(43), Some("unsigned"), Some("?"))
    );
    let text = w.run(&["status"]).stdout;
    assert!(
        text.contains("2 event(s) not proven by their operator's key: 1 failed ✗ (signature fails), 1 unproven ?"),
        "{text}"
    );
    assert!(text.contains("✗ #42 backup by bob: signed by SHA256:"), "{text}");

    let journal: serde_json::Value =
        serde_json::from_str(&w.run(&["journal", "--format", "json"]).stdout).expect("json");
    let by_seq = |seq: usize| &journal["events"][seq - 1];
    assert_eq!(by_seq(40)["signature"], "verified");
    assert_eq!(by_seq(40)["mark"], serde_json::Value::Null);
    assert_eq!(by_seq(41)["kind"], "revoke");
    assert_eq!(by_seq(42)["signature"], "revoked");
    assert_eq!(by_seq(1)["signature"], "unsigned");
    assert_eq!(by_seq(1)["mark"], serde_json::Value::Null, "no key, nothing required: no mark");

    // History rewritten under the kept verdicts, every hash recomputed: they are not used.
    let mut lines = w.lines();
    lines[39] = lines[39].replace("tape B-1", "tape B-9");
    rechain(&mut lines, 39);
    w.write_lines(&lines);
    let again = w.run_fresh(&["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&again.stdout).expect("json");
    assert_eq!(json.pointer("/signatures/events/0/seq"), Some(&serde_json::json!(40)), "{}", again.stdout);
    assert_eq!(json.pointer("/signatures/events/0/signature"), Some(&serde_json::json!("bad")));
}

#[test]
fn the_journal_and_server_views_mark_an_unproven_event_at_80_columns() {
    let w = World::new();
    w.agent.add(&w.keys[1].0);
    let ims = |note: &str| Event::Backup { server: "BOS-IMS01".into(), note: note.into() };
    w.record_event("bob", ims("tape B-1")).expect("bob signs");
    // bob's key is taken out of the trust file: his event is now signed by a key no one lists.
    let signers = w.s.dir.path().join("config/allowed_signers");
    std::fs::write(&signers, format!("alice {}\n", w.keys[0].1)).expect("signers");
    w.append_signed("bob", &w.keys[0], ims("signed with alice's key"));
    let frame = w.run(&["frame", "--view", "journal", "--width", "80", "--height", "24"]);
    assert!(frame.ok, "{}", frame.stderr);
    let rows: Vec<&str> = frame.stdout.lines().collect();
    assert!(rows.iter().any(|r| r.contains("✗#41") && r.contains("bob")), "{}", frame.stdout);
    assert!(rows.iter().any(|r| r.contains("✗#40") && r.contains("bob")), "{}", frame.stdout);
    assert!(
        rows.iter().any(|r| r.contains(" #39") && !r.contains('?') && r.contains("jsmith")),
        "no key of jsmith's: no mark: {}",
        frame.stdout
    );
    let server = w.run(&["frame", "--view", "server", "--width", "80", "--height", "60"]);
    assert!(server.stdout.contains("✗ 2000-11-24 12:00 bob"), "the server's history: {}", server.stdout);
}

#[test]
fn an_operator_with_a_key_who_records_unsigned_is_warned_that_it_shows_as_not_proven() {
    let w = World::new();
    let r = w.record("alice", "tape A-1").expect("not required: written");
    assert!(r.entry.sig.is_none());
    let warned = r.warnings.join("\n");
    assert!(
        warned.contains("recorded without a signature, so it shows as not proven (?): a key is listed for alice"),
        "{warned}"
    );
    assert!(warned.contains("your ssh-agent holds no key listed for alice") && warned.contains("ssh-add"), "{warned}");
    assert!(w.record("jsmith", "tape J-1").expect("written").warnings.is_empty(), "jsmith has no key: no warning");
    let status = w.run(&["status"]).stdout;
    assert!(status.contains("? #40 backup by alice: unsigned, though a key is listed for its operator"), "{status}");
}

#[test]
fn an_events_popup_says_its_signature_in_words() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let w = World::new();
    w.agent.add(&w.keys[1].0);
    w.record("bob", "tape B-1").expect("bob signs");
    w.append_signed("bob", &w.keys[0], backup("signed with alice's key"));
    let now = common::NOW.parse().expect("time");
    let op = sprout::store::Operator { name: "tester".into(), from: None };
    let store = sprout::store::FileStore::open(w.s.path());
    let mut app = sprout::app::App::load(store, op, true, now, true, Some(0)).expect("load");
    let mut press = |code| app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    press(KeyCode::Char('4'));
    press(KeyCode::Enter);
    let screen = |app: &mut sprout::app::App, down: bool| {
        if down {
            app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            app.handle_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
            app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        }
        let backend = ratatui::backend::TestBackend::new(100, 30);
        let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
        terminal.draw(|f| sprout::ui::draw(f, app, &sprout::ui::Theme::new(true))).expect("draw");
        let buffer = terminal.backend().buffer().clone();
        (0..30)
            .map(|y| (0..100).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n")
            .collect::<String>()
    };
    let newest = screen(&mut app, false);
    assert!(newest.contains("signature   ✗ names operator bob but is signed by"), "{newest}");
    assert!(newest.contains("the key of alice"), "{newest}");
    let before = screen(&mut app, true);
    assert!(before.contains("#40 backup") && before.contains("signature   ✓ verified: signed by"), "{before}");
}

fn signoff(by_group: &str) -> Event {
    Event::SignOff {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        group: by_group.into(),
        note: "approved".into(),
    }
}

fn gate<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let gates = json.pointer("/rollout/gates").and_then(|g| g.as_array()).expect("gates");
    gates.iter().find(|g| g["gate"] == id).expect("gate")
}

#[test]
fn a_gate_met_by_an_unsigned_sign_off_still_counts_and_says_what_it_rests_on() {
    let w = World::new();
    // bob has a listed key but his agent holds none: his sign-off is written unsigned.
    let seq = w.record_event("bob", signoff("Network services")).expect("written unsigned").entry.seq;
    let status = w.run(&["status", "--format", "json"]);
    assert!(status.ok, "{}", status.stderr);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
    let signed_off = gate(&json, "signed_off");
    assert_eq!(signed_off["met"], true, "the rules do not change: {signed_off}");
    assert_eq!(
        signed_off["rests_on"],
        serde_json::json!([{"seq": seq, "by": "bob", "kind": "signoff", "signature": "unsigned", "mark": "?"}])
    );
    assert_eq!(gate(&json, "installed")["rests_on"], serde_json::json!([]), "jsmith has no key: no mark");
    let text = w.run(&["status"]).stdout;
    assert!(text.contains("✓ met   every required sign-off recorded  ? met, but rests on unproven events"), "{text}");
    assert!(text.contains(&format!("? rests on #{seq}, unsigned (signoff by bob)")), "{text}");

    let frame = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]);
    assert!(frame.ok, "{}", frame.stderr);
    let row = frame.stdout.lines().find(|r| r.contains("every required sign-off")).expect("the gate's row");
    assert!(
        row.contains("✓ ? every required sign-off") && row.contains(&format!("rests on #{seq}")),
        "the mark and the event, within 80 columns: {}",
        frame.stdout
    );

    // alice's unsigned Pass checkout of BOS-IMS01: its Server view says what the checkout
    // rests on, and that jsmith's install (no key of his) rests on nothing unproven.
    let checkout = Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "queues normal".into(),
    };
    let pass = w.record_event("alice", checkout).expect("written unsigned").entry.seq;
    let server = server_view(&w, "BOS-IMS01");
    assert!(server.contains(&format!("Pass checkout ? rests on #{pass}, unsigned")), "{server}");
    assert!(!server.contains("install ?") && !server.contains("set by"), "{server}");
}

#[test]
fn a_gate_resting_on_signed_events_carries_no_mark_and_a_revoked_keys_event_marks_it() {
    let w = World::new();
    w.team(&["alice", "bob"]);
    w.agent.add(&w.keys[1].0);
    w.record_event("bob", signoff("Network services")).expect("bob signs");
    let json: serde_json::Value = serde_json::from_str(&w.run(&["status", "--format", "json"]).stdout).expect("json");
    assert_eq!(gate(&json, "signed_off")["met"], true);
    assert_eq!(gate(&json, "signed_off")["rests_on"], serde_json::json!([]), "signed by bob's own key: no mark");
    assert!(!w.run(&["status"]).stdout.contains("rests on"), "no mark in the text either");
    let frame = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]).stdout;
    let row = frame.lines().find(|r| r.contains("every required sign-off")).expect("the gate's row");
    assert!(!row.contains('?') && !row.contains("#"), "{frame}");

    // alice revokes bob's key; a checkout he signs with it afterwards proves nothing.
    w.agent.add(&w.keys[0].0);
    let revoke =
        Event::KeyRevoked { operator: "bob".into(), fingerprint: fingerprint(&w.keys[1].1), reason: "left".into() };
    w.record_event("alice", revoke).expect("alice revokes");
    let checkout = Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "queues normal".into(),
    };
    let late = w.append_signed("bob", &w.keys[1], checkout);
    let json: serde_json::Value = serde_json::from_str(&w.run(&["status", "--format", "json"]).stdout).expect("json");
    let checked = gate(&json, "checked_out");
    let rests = checked["rests_on"].as_array().expect("rests_on");
    assert_eq!(rests.len(), 1, "{checked}");
    assert_eq!(
        (rests[0]["seq"].as_u64(), rests[0]["signature"].as_str(), rests[0]["mark"].as_str()),
        (Some(late.seq), Some("revoked"), Some("✗"))
    );
    assert!(checked["unmet"].as_array().expect("unmet").iter().all(|u| u["server"] != "BOS-IMS01"), "it still counts");
    let text = w.run(&["status"]).stdout;
    assert!(text.contains(&format!("✗ rests on #{}, revoked (checkout by bob)", late.seq)), "{text}");
    let frame = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]).stdout;
    let row = frame.lines().find(|r| r.contains("Pass checkout after its soak")).expect("the gate's row");
    assert!(row.contains("✗ ✗ every member") && row.contains(&format!("rests on #{}", late.seq)), "{frame}");
    let server = server_view(&w, "BOS-IMS01");
    assert!(server.contains(&format!("Pass checkout ✗ rests on #{}, its signature fails", late.seq)), "{server}");

    // A phase opened by hand in bob's name with his revoked key is open all the same, and says so.
    let open = Event::PhaseOpened {
        rollout: "ex55-sp4".into(),
        phase: "Local high impact".into(),
        override_reason: Some("by hand".into()),
        approver: None,
        overridden: vec![],
    };
    let opened = w.append_signed("bob", &w.keys[1], open);
    let json: serde_json::Value = serde_json::from_str(&w.run(&["status", "--format", "json"]).stdout).expect("json");
    assert_eq!(json.pointer("/rollout/current"), Some(&serde_json::json!(4)), "the rules do not change");
    assert_eq!(json.pointer("/rollout/phases/3/rests_on/0/seq"), Some(&serde_json::json!(opened.seq)));
    assert_eq!(json.pointer("/rollout/phases/3/rests_on/0/signature"), Some(&serde_json::json!("revoked")));
    let text = w.run(&["status"]).stdout;
    assert!(text.contains("✗ phase 4 was opened by an event not proven by its operator's key"), "{text}");
    let frame = w.run(&["frame", "--view", "rollout", "--width", "80", "--height", "24"]).stdout;
    assert!(frame.contains(&format!("Local high impact (2) ✗ opened by #{}", opened.seq)), "{frame}");

    // A priority override in bob's name with his revoked key: the Server view's risk line says so.
    let priority = Event::RiskOverride {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        priority: 3,
        reason: "by hand".into(),
        approver: None,
    };
    let late = w.append_signed("bob", &w.keys[1], priority);
    let server = server_view(&w, "BOS-IMS01");
    assert!(server.contains(&format!("priority 3 (overridden in the journal) ✗ rests on #{}", late.seq)), "{server}");
}

/// The Server view of `name` at 80x40, as the dashboard draws it.
fn server_view(w: &World, name: &str) -> String {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let now = common::NOW.parse().expect("time");
    let op = sprout::store::Operator { name: "tester".into(), from: None };
    let store = sprout::store::FileStore::open(w.s.path());
    let mut app = sprout::app::App::load(store, op, true, now, true, Some(0)).expect("load");
    app.selected = app.live.state.server_index(name);
    app.handle_key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 40)).expect("terminal");
    terminal.draw(|f| sprout::ui::draw(f, &app, &sprout::ui::Theme::new(true))).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..40).map(|y| (0..80).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}
