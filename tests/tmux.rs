//! The real binary in a real terminal (tmux): record a checkout through the form, quit,
//! and find the event in the journal; the terminal is restored afterwards.

mod common;

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::Sample;
use common::tmux::Tmux;

#[test]
fn record_a_checkout_through_the_form_in_a_real_terminal() {
    let s = Sample::new();
    let t = Tmux::new("checkout");
    let bin = env!("CARGO_BIN_EXE_sprout");
    // A shell stays behind after sprout exits, so the restored screen can be read.
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "sh"]);
    t.keys(&["clear", "Enter"]);
    let command = format!("{bin} --data {} --now {} ; echo sprout-exited-$?", s.path().display(), common::NOW);
    t.keys(&[&command, "Enter"]);
    t.wait_for("1 Fleet");
    t.keys(&["3"]);
    let screen = t.wait_for("Gates of phase 3");
    assert!(screen.contains("✗ overdue"), "{screen}");
    t.keys(&["c"]);
    t.wait_for("Record a checkout of");
    t.keys(&["all quiet"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("✓ recorded #40");
    assert!(screen.contains("all quiet"), "{screen}");
    t.keys(&["q"]);
    let screen = t.wait_for("sprout-exited-0");
    assert!(!screen.contains("1 Fleet"), "the alternate screen is gone after quitting:\n{screen}");
    let journal = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let last = journal.lines().last().expect("a line");
    assert!(
        last.contains("event:Checkout(") && last.contains("result:Pass") && last.contains("note:\"all quiet\""),
        "{last}"
    );
}

#[test]
fn resizing_below_the_minimum_says_so_and_recovers() {
    let s = Sample::new();
    let t = Tmux::new("resize");
    let bin = env!("CARGO_BIN_EXE_sprout");
    let command = format!("{bin} --data {} --now {}", s.path().display(), common::NOW);
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", &command]);
    t.wait_for("1 Fleet");
    t.cmd(&["resize-window", "-t", "t", "-x", "50", "-y", "12"]);
    t.wait_for("sprout needs at least 60x16");
    t.cmd(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    t.wait_for("1 Fleet");
    t.keys(&["q"]);
}

#[test]
fn another_operators_write_shows_within_a_second() {
    let s = Sample::new();
    let t = Tmux::new("live");
    let bin = env!("CARGO_BIN_EXE_sprout");
    let command = format!("{bin} --data {} --now {}", s.path().display(), common::NOW);
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "100", "-y", "30", &command]);
    t.wait_for("1 Fleet");
    let r = s.run(&["record", "backup", "BOS-PF02", "--note", "from another session"]);
    assert!(r.ok, "{}", r.stderr);
    let written = Instant::now();
    let screen = t.wait_for("1 new event");
    let seen = written.elapsed();
    println!("another process's write seen after {} ms", seen.as_millis());
    assert!(seen < Duration::from_secs(1), "took {seen:?}");
    assert!(screen.contains("● BOS-PF02"), "the changed server is marked:\n{screen}");
    t.keys(&["q"]);
}

#[test]
fn a_panic_inside_a_draw_leaves_the_terminal_usable() {
    let s = Sample::new();
    let t = Tmux::new("panic");
    let bin = env!("CARGO_BIN_EXE_sprout");
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "sh"]);
    let command = format!(
        "SPROUT_TEST_PANIC_IN_DRAW=1 {bin} --data {} ; clear; stty -a | tr ' ' '\\n' | grep -x -e echo -e icanon; echo typed-$((40+2))-after-panic",
        s.path().display()
    );
    t.keys(&[&command, "Enter"]);
    // The marker is computed by the shell, so it only appears once the shell runs again.
    let screen = t.wait_for("typed-42-after-panic");
    // Cooked mode is back: echo and canonical input are on, and the shell reads our line.
    assert!(screen.contains("\necho\n") || screen.lines().any(|l| l.trim() == "echo"), "{screen}");
    assert!(screen.lines().any(|l| l.trim() == "icanon"), "{screen}");
}

/// The pids of dashboards running on `dir` (the data directory is unique to the test).
fn dashboards_on(dir: &std::path::Path) -> Vec<u32> {
    // Anchored at the binary: the shell and tmux holding the same command line do not match.
    let pattern = format!("^{} --data {} ", env!("CARGO_BIN_EXE_sprout"), dir.display());
    let out = Command::new("pgrep").args(["-f", &pattern]).output().expect("pgrep");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// Wait up to `limit` for every dashboard on `dir` to end; the time it took.
fn ended_within(dir: &std::path::Path, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if dashboards_on(dir).is_empty() {
            return Some(start.elapsed());
        }
        sleep(Duration::from_millis(20));
    }
    None
}

/// A dashboard whose terminal goes away without a SIGHUP reaching it (started under setsid)
/// ends within a second instead of spinning on the dead terminal; SIGTERM and SIGHUP end one
/// too. Whatever happens, no dashboard is left behind.
#[test]
fn a_lost_terminal_or_a_signal_ends_the_dashboard_within_a_second() {
    let s = Sample::new();
    let bin = env!("CARGO_BIN_EXE_sprout");
    let dir = s.path();
    let command = format!("setsid {bin} --data {} --now {} ; sleep 30", dir.display(), common::NOW);
    let cleanup = || {
        for pid in dashboards_on(&dir) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    };
    let t = Tmux::new("lost");
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", &command]);
    t.wait_for("1 Fleet");
    t.cmd(&["kill-server"]);
    let took = ended_within(&dir, Duration::from_secs(1));
    cleanup();
    let took = took.expect("the dashboard ended within a second of losing its terminal");
    println!("lost terminal: ended in {} ms", took.as_millis());

    for signal in ["TERM", "HUP"] {
        let t = Tmux::new(&format!("signal-{signal}"));
        let command = format!("{bin} --data {} --now {} ; echo sprout-exited-$?; sleep 30", dir.display(), common::NOW);
        t.cmd(&["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", &command]);
        t.wait_for("1 Fleet");
        let pids = dashboards_on(&dir);
        assert_eq!(pids.len(), 1, "{pids:?}");
        let _ = Command::new("kill").args([&format!("-{signal}"), &pids[0].to_string()]).status();
        let took = ended_within(&dir, Duration::from_secs(1));
        cleanup();
        let took = took.unwrap_or_else(|| panic!("SIG{signal} ended the dashboard within a second"));
        let screen = t.wait_for("sprout-exited-0");
        assert!(!screen.contains("1 Fleet"), "the terminal was restored after SIG{signal}:\n{screen}");
        println!("SIG{signal}: ended in {} ms", took.as_millis());
    }
}

/// Ctrl-Z hands the terminal back to the shell (job control says "Stopped"), `fg` brings the
/// dashboard back whole; `Y` puts the selected server's name on the clipboard with OSC 52
/// (tmux keeps it as a buffer with `set-clipboard on`); with `--mouse`, a click on a tab
/// shows it.
#[test]
fn ctrl_z_suspends_y_copies_and_the_mouse_clicks_a_tab() {
    let s = Sample::new();
    let t = Tmux::new("suspend");
    let bin = env!("CARGO_BIN_EXE_sprout");
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "bash --norc --noprofile -i"]);
    t.cmd(&["set", "-g", "set-clipboard", "on"]);
    let config = s.path().parent().expect("parent").join("config");
    let command =
        format!("SPROUT_CONFIG={} {bin} --data {} --now {} --mouse", config.display(), s.path().display(), common::NOW);
    t.keys(&[&command, "Enter"]);
    t.wait_for("1 Fleet");
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.keys(&["fg", "Enter"]);
    t.wait_for("1 Fleet");
    t.keys(&["j", "Y"]);
    t.wait_for("copied server name");
    let buffer = t.cmd(&["show-buffer"]);
    assert_eq!(buffer, "BOS-NEWS01", "the clipboard holds the selected server's name");
    // Press and release of the left button at column 25, row 2 (1-based): "3 Rollout".
    t.cmd(&["send-keys", "-t", "t", "-l", "\x1b[<0;25;2M\x1b[<0;25;2m"]);
    t.wait_for("Gates of phase 3");
    t.keys(&["q"]);
    // The job ended: the shell says so when asked.
    t.keys(&["clear; jobs; echo jobs-$((40+2))", "Enter"]);
    let screen = t.wait_for("jobs-42");
    assert!(!screen.contains("Stopped") && !screen.contains("1 Fleet"), "{screen}");
}

/// On a terminal, `gen` and a first load show what they are doing, then clear it: the bar is
/// drawn from its own thread while `main` holds the stderr lock, so neither may wait on it.
#[test]
fn a_slow_start_shows_a_bar_on_the_terminal_then_clears_it() {
    let s = Sample::new();
    let t = Tmux::new("progress");
    let bin = env!("CARGO_BIN_EXE_sprout");
    let dir = s.dir.path().join("gen");
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "30", "sh"]);
    t.keys(&["clear", "Enter"]);
    // Shown at once (debug builds only), so a small fleet is enough to see it.
    let generate = format!(
        "SPROUT_TEST_PROGRESS_NOW=1 {bin} gen --servers 3000 --events 200000 --now {} {}; echo gen-exited-$?",
        common::NOW,
        dir.display()
    );
    t.keys(&[&generate, "Enter"]);
    t.wait_for("making up journal events [");
    let screen = t.wait_for("gen-exited-0");
    assert!(screen.contains("wrote 3000 servers and 200000 journal events"), "{screen}");
    assert!(!screen.contains("making up"), "the bar is cleared before gen says what it wrote:\n{screen}");
    t.keys(&["clear", "Enter"]);
    let cache = dir.parent().map(|p| p.join("cache")).unwrap_or_default();
    let dashboard = format!(
        "SPROUT_TEST_PROGRESS_NOW=1 XDG_CACHE_HOME={} {bin} --data {} --now {}; echo sprout-exited-$?",
        cache.display(),
        dir.display(),
        common::NOW
    );
    t.keys(&[&dashboard, "Enter"]);
    t.wait_for("reading and replaying the journal [");
    t.wait_for("1 Fleet");
    t.keys(&["q"]);
    let screen = t.wait_for("sprout-exited-0");
    assert!(!screen.contains("replaying") && !screen.contains("1 Fleet"), "nothing is left behind:\n{screen}");
}

/// A review meeting on one host: a driver presents, two follow (one read-only); the followers
/// mirror the driver's view and selection (the time it took is printed), everyone is listed,
/// one who quits drops out, and a follower's own sign-off shows on the driver's screen.
#[test]
fn a_review_meeting_follows_its_driver_and_lists_who_is_there() {
    let s = Sample::new();
    let bin = env!("CARGO_BIN_EXE_sprout");
    let config = s.path().parent().expect("parent").join("config");
    let start = |t: &Tmux, name: &str, extra: &str| {
        let command = format!(
            "SPROUT_CONFIG={} {bin} --data {} --now {} {extra}",
            config.display(),
            s.path().display(),
            common::NOW
        );
        t.cmd(&["new-session", "-d", "-s", name, "-x", "100", "-y", "30", &command]);
    };
    let driver = Tmux::new("driver");
    start(&driver, "t", "");
    driver.wait_for("1 Fleet");
    driver.keys(&["P"]);
    driver.wait_for("● presenting");
    let follower = Tmux::new("follower");
    start(&follower, "t", "--follow root");
    let watcher = Tmux::new("watcher");
    start(&watcher, "t", "--read-only --follow root");
    follower.wait_for("▶ following root");
    watcher.wait_for("▶ following root");
    driver.wait_for("3 here");

    // The driver moves: both followers show the same view, then the same server.
    let moved = Instant::now();
    driver.keys(&["3"]);
    follower.wait_for("Gates of phase 3");
    let took = moved.elapsed();
    watcher.wait_for("Gates of phase 3");
    println!("a follower mirrored the driver's view after {} ms (tmux's own polling included)", took.as_millis());
    assert!(took < Duration::from_secs(1), "took {took:?}");
    driver.keys(&["1", "G", "enter"]);
    let shown = driver.wait_for("(esc back");
    let name = shown.lines().nth(3).and_then(|l| l.split_whitespace().next()).expect("the server's name").to_string();
    follower.wait_for(&name);
    watcher.wait_for(&name);

    // One leaves: the driver's count drops.
    watcher.keys(&["q"]);
    driver.wait_for("2 here");

    // The follower records its own part: a key of its own stops following, the form opens.
    follower.keys(&["3", "s"]);
    follower.wait_for("Sign off phase 3");
    follower.keys(&["Enter"]);
    follower.wait_for("✓ recorded");
    let screen = driver.wait_for("new event from root");
    assert!(screen.contains("sign-off") || screen.contains("signed off"), "{screen}");
    driver.keys(&["q"]);
    follower.keys(&["q"]);
    sleep(Duration::from_millis(300));
    let left = std::fs::read_dir(s.path().join("presence")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "every dashboard withdrew its presence on the way out");
}

/// The dashboard shows the present: asked for history (`--as-of`) it says where history is
/// read and starts nothing, rather than the present judged at another time with no word.
#[test]
fn the_dashboard_asked_for_history_says_where_it_is_read() {
    let s = Sample::new();
    let t = Tmux::new("asof");
    let bin = env!("CARGO_BIN_EXE_sprout");
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "250", "-y", "24", "sh"]);
    let command = format!("{bin} --data {} --as-of 2000-11-20T00:00:00Z; echo exit-$?-done", s.path().display());
    t.keys(&[&command, "Enter"]);
    let screen = t.wait_for("-done");
    assert!(screen.contains("exit-1-done"), "{screen}");
    assert!(screen.contains("--as-of reads history") && screen.contains("the dashboard shows the present"), "{screen}");
    assert!(dashboards_on(&s.path()).is_empty(), "no dashboard left running");
}

#[test]
fn a_launch_from_the_caches_front_shows_the_fleet_then_takes_keys() {
    let s = Sample::new();
    let bin = env!("CARGO_BIN_EXE_sprout");
    // `frame` writes the cache and its front: the launch below draws its first frame from them.
    let out = Command::new(bin)
        .args(["--data", &s.path().display().to_string(), "--now", common::NOW, "frame"])
        .output()
        .expect("frame");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cache = sprout::store::FileStore::new(s.path()).cache_path().expect("a cache directory");
    struct Gone(std::path::PathBuf);
    impl Drop for Gone {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let front = Gone(cache.with_extension("front"));
    assert!(front.0.exists(), "frame kept the front");
    let t = Tmux::new("front");
    let command = format!("{bin} --data {} --now {} --no-presence", s.path().display(), common::NOW);
    t.cmd(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "40", &command]);
    // Waited for by its last part: tmux can be read while it is still taking the frame in.
    t.wait_for("1 Fleet");
    let screen = t.wait_for("quit");
    assert!(screen.contains("Fleet: ") && screen.contains("LAB-"), "the fleet's first rows:\n{screen}");
    assert!(!screen.contains('▶'), "the cursor starts on a group line:\n{screen}");
    // A key pressed now waits for the full load behind the first frame, then moves the cursor.
    t.keys(&["j"]);
    let screen = t.wait_for("▶");
    assert!(screen.contains("Fleet: "), "{screen}");
}
