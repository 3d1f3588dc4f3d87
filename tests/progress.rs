//! Progress bars are for a person at a terminal: with stderr piped, `gen`, `verify`, `import`
//! and a first load print what they always printed and not one byte of a bar. The binary is
//! told to show its bar at once (`SPROUT_TEST_PROGRESS_NOW`), so only the pipe keeps it quiet.
//! `tests/tmux.rs` shows the bar on a real terminal.

mod common;

use std::process::{Command, Output};

use common::Sample;

/// Nothing a bar draws with: no escape, no carriage return (its words would be in stderr,
/// which is asserted empty).
fn assert_no_bar(what: &str, bytes: &[u8]) {
    for control in [0x1b, b'\r'] {
        let at = bytes.iter().position(|&b| b == control);
        assert!(at.is_none(), "{what}: byte {control:#x} at {at:?}");
    }
}

fn piped(mut command: Command) -> Output {
    command.env("SPROUT_TEST_PROGRESS_NOW", "1").env_remove("NO_COLOR").env("TERM", "xterm-256color");
    command.output().expect("run sprout")
}

#[test]
fn gen_verify_import_and_a_first_load_print_no_bar_to_a_pipe() {
    let s = Sample::new();
    let dir = s.dir.path().join("gen");
    let bin = env!("CARGO_BIN_EXE_sprout");

    let mut generate = Command::new(bin);
    generate.args(["gen", "--servers", "2000", "--events", "20000", "--now", common::NOW]).arg(&dir);
    let out = piped(generate);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stderr, b"", "gen: stderr is empty");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("wrote 2000 servers and 20000 journal events to {}\n", dir.display())
    );

    let out = piped(common::command(&dir, common::NOW, &["verify"]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stderr, b"", "verify: stderr is empty");
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("chain ok: 20000 events, sequence 1..20000\n"));

    let out = piped(common::command(&dir, common::NOW, &["verify", "--format", "json"]));
    assert_eq!(out.stderr, b"", "verify --format json: stderr is empty");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"events\": 20000"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A first load (no cache yet) of the generated fleet, as `status` and the dashboard do it.
    let out = piped(common::command(&dir, common::NOW, &["status"]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stderr, b"", "status: stderr is empty");
    assert_no_bar("status", &out.stdout);

    let csv = s.dir.path().join("cmdb.csv");
    std::fs::write(&csv, "name,role,site,ex55,nt4\nBOS-NEW01,ims,BOS,SP3,SP6a\n").expect("csv");
    let csv = csv.display().to_string();
    for args in [&["import", &csv, "--dry-run"][..], &["import", &csv]] {
        let out = piped(common::command(&s.path(), common::NOW, args));
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stderr, b"", "{args:?}: stderr is empty");
        assert_no_bar("import", &out.stdout);
    }
}
