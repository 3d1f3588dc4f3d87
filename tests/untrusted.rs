//! Untrusted text: whatever a data file or the journal holds, no control or direction
//! character reaches a terminal raw, from any command or the dashboard.

mod common;

use std::fs::OpenOptions;
use std::io::Write;

use common::{NOW, Sample};
use sprout::model::{CheckoutResult, Event};
use sprout::store::journal;

/// ESC (a colour and a screen clear), BEL, a C1 CSI, DEL, a right-to-left override and a newline.
const NASTY: &str = "ok\u{1b}[31m\u{1b}[2J\u{7}\u{9b}1m\u{7f}\u{202e}10SMI-SOB\nrecorded #99";

/// Raw bytes a terminal would act on: C0 controls other than newline, DEL, C1, bidi overrides.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars().filter(|&c| sprout::safe::is_unsafe(c) && c != '\n').collect()
}

/// Append a correctly chained checkout with `note`, as someone with write access would.
fn plant(s: &Sample, note: &str) {
    let loaded = sprout::live::load_dir(&s.path()).expect("load");
    let index = &loaded.data.journal;
    let event = Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "BOS-IMS01".into(),
        phase: "Local low impact".into(),
        result: CheckoutResult::Pass,
        note: note.into(),
    };
    let (_, line) = journal::encode(
        index.seq + 1,
        NOW.parse().expect("time"),
        "mal\u{202e}lory\u{1b}]0;pwned\u{7}",
        None,
        event,
        &index.sum,
    )
    .expect("encode");
    let mut f = OpenOptions::new().append(true).open(s.file("journal.ron")).expect("journal");
    writeln!(f, "{line}").expect("append");
}

#[test]
fn a_planted_note_reaches_no_command_raw() {
    let s = Sample::new();
    plant(&s, NASTY);
    let mut outputs = 0;
    for args in [
        vec!["status"],
        vec!["status", "--format", "markdown"],
        vec!["status", "--format", "json"],
        vec!["server", "BOS-IMS01"],
        vec!["server", "BOS-IMS01", "--format", "json"],
        vec!["check"],
        vec!["verify"],
        vec!["frame", "--view", "journal", "--width", "120", "--height", "40"],
        vec!["frame", "--view", "server", "--width", "120", "--height", "40"],
    ] {
        let r = s.run(&args);
        for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(raw_controls(text).is_empty(), "{args:?} {stream} holds {:?}:\n{text}", raw_controls(text));
            outputs += 1;
        }
    }
    // The note is there, shown visibly: the history line has it in one piece, on one line.
    let server = s.run(&["server", "BOS-IMS01"]).stdout;
    assert!(
        server.contains("checkout Pass: ok\\e[31m\\e[2J\\u{7}\\u{9b}1m\\u{7f}\\u{202e}10SMI-SOB\\nrecorded #99"),
        "{server}"
    );
    let json = s.run(&["server", "BOS-IMS01", "--format", "json"]).stdout;
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("still valid JSON");
    assert!(parsed.to_string().contains("10SMI-SOB"));
    // `check` names the event's line and what it holds.
    let check = s.run(&["check"]);
    assert!(!check.ok);
    assert!(
        check.stderr.contains("journal.ron:40:")
            && check.stderr.contains("the note holds control or direction characters"),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("the operator holds control or direction characters"), "{}", check.stderr);
    println!("untrusted text: {outputs} outputs of 9 commands searched, no raw control character");
}

#[test]
fn a_dashboard_frame_shows_no_raw_control() {
    use ratatui::{Terminal, backend::TestBackend};
    use sprout::app::{Action, App, Tab};
    let s = Sample::new();
    plant(&s, NASTY);
    let op = sprout::store::Operator { name: "watcher".into(), from: None };
    let mut app =
        App::load(sprout::store::FileStore::open(s.path()), op, true, NOW.parse().expect("time"), true, Some(0))
            .expect("load");
    for tab in [Tab::Journal, Tab::Server, Tab::Fleet] {
        app.selected = app.live.state.server_index("BOS-IMS01");
        app.update(Action::Tab(tab));
        let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        t.draw(|f| sprout::ui::draw(f, &app, &sprout::ui::Theme::new(true))).expect("draw");
        let cells: String = t.backend().buffer().content.iter().map(|c| c.symbol()).collect();
        assert!(raw_controls(&cells).is_empty(), "{tab:?} draws {:?}", raw_controls(&cells));
        if tab == Tab::Journal {
            // Not dropped silently either: the operator's hidden character is shown.
            assert!(cells.contains("mal\\u{20"), "the journal shows the planted operator visibly");
        }
    }
}

#[test]
fn record_refuses_a_note_with_control_characters_and_check_names_a_disguised_server() {
    let s = Sample::new();
    let r = s.run(&["record", "backup", "BOS-PF01", "--note", "tape\u{1b}[2J"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("the note holds control or direction characters (\\e)"), "{}", r.stderr);
    assert!(raw_controls(&r.stderr).is_empty());
    let r = s.run(&["record", "backup", "BOS-PF01", "--note", "two\nlines"]);
    assert!(!r.ok && r.stderr.contains("(\\n)"), "{}", r.stderr);
    // A server whose name carries a right-to-left mark and a look-alike letter.
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let fleet =
        fleet.replacen("\"BOS-PF03\"", "\"BOS-PF\\u{200f}03\"", 1).replacen("\"MSP-PF01\"", "\"MSP-PF0\\u{217c}\"", 1);
    std::fs::write(s.file("fleet.ron"), fleet).expect("write");
    let check = s.run(&["check"]);
    assert!(!check.ok);
    assert!(check.stderr.contains("server 'BOS-PF\\u{200f}03' has the character \\u{200f}"), "{}", check.stderr);
    assert!(check.stderr.contains("server 'MSP-PF0ⅼ' has the character ⅼ"), "{}", check.stderr);
    assert!(raw_controls(&check.stderr).is_empty());
}

#[test]
fn an_argument_quoted_back_by_the_command_line_parser_is_shown_not_emitted() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
        .arg("x\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}\u{202e}")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unrecognized subcommand"), "{stderr}");
    assert!(raw_controls(&stderr).is_empty(), "{stderr:?}");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_sprout")).arg("--help").output().expect("run");
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("Usage: sprout"));
}
