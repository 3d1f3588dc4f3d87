//! What sprout promises about its files, tested against the real binary and write path.
//! Each test prints the figure it checks (`cargo test -- --nocapture` shows them).

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::place::Place;
use common::{NOW, Sample};
use sprout::model::Event;
use sprout::store::{self, journal};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator, so a failure can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

/// The same promises from the same test code, against each store in turn.
#[test]
fn eight_writers_at_once_lose_nothing_and_keep_the_chain() {
    for place in Place::both() {
        // Each record is a new process and a new database connection: fewer records there by
        // default, so the test stays near a minute (SPROUT_PG_WRITERS_EACH=500 runs 4000).
        let each = match place {
            Place::Dir(_) => env_count("SPROUT_WRITERS_EACH", 500),
            Place::Pg(..) => env_count("SPROUT_PG_WRITERS_EACH", 100),
        };
        eight_writers(&place, each);
    }
}

fn eight_writers(place: &Place, each: usize) {
    let started = Instant::now();
    let children: Vec<_> = (0..8)
        .map(|w| {
            let script = format!(
                "i=0; while [ $i -lt {each} ]; do \"$0\" --data \"$1\" --now {NOW} record checkout BOS-IMS02 pass --note \"w{w} n$i\" >/dev/null || exit 1; i=$((i+1)); done"
            );
            let probe = place.sprout(w);
            Command::new("sh")
                .arg("-c")
                .arg(script)
                .arg(env!("CARGO_BIN_EXE_sprout"))
                .arg(place.data(w))
                .envs(probe.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
                .env_remove("SPROUT_DATA")
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn writer")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success(), "{}: a writer failed", place.name());
    }
    let loaded = sprout::live::load(&place.store()).expect("the journal loads");
    let added = loaded.data.journal.len() - 39;
    println!("{}: 8 writers x {each}: {added} events in {:.1} s", place.name(), started.elapsed().as_secs_f64());
    assert_eq!(added, 8 * each, "{}", place.name());
    let all: Vec<usize> = (0..loaded.data.journal.len()).collect();
    let entries = loaded.entries(&all).expect("every event reads back");
    assert!(entries.windows(2).all(|w| w[1].seq == w[0].seq + 1 && w[1].prev == w[0].sum));
    let notes: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match &e.event {
            sprout::model::Event::Checkout { note, .. } if note.starts_with('w') => Some(note.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 8 * each, "{}: every writer's every event, once", place.name());
    assert!(place.sprout(0).arg("verify").output().expect("verify").status.success());
}

#[test]
fn two_operators_opening_the_same_phase_at_once_exactly_one_succeeds() {
    for round in 0..5 {
        for place in Place::both() {
            let spawn = |who: usize| {
                place
                    .sprout(who)
                    .args(["advance", "--phase", "4", "--override", "change board", "--approver", "mtracy"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn")
            };
            let (a, b) = (spawn(0), spawn(1));
            let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
            let wins = [a.status.success(), b.status.success()].iter().filter(|w| **w).count();
            assert_eq!(wins, 1, "{} round {round}: exactly one opens phase 4", place.name());
            let loser = if a.status.success() { &b } else { &a };
            let said = String::from_utf8_lossy(&loser.stderr);
            assert!(said.contains("phase 4 (Local high impact) is already open"), "{}: {said}", place.name());
            let loaded = sprout::live::load(&place.store()).expect("load");
            let advances = loaded.data.journal.lines.iter().filter(|l| Event::KINDS[usize::from(l.kind)] == "advance");
            assert_eq!(advances.count(), 4, "{}", place.name());
        }
    }
    println!("5 rounds of two simultaneous advances, on each store: one winner each");
}

#[test]
fn a_refused_record_writes_nothing_on_either_store() {
    for place in Place::both() {
        let before = sprout::live::load(&place.store()).expect("load").data.journal.len();
        let out = place.sprout(0).args(["advance", "--phase", "4"]).output().expect("advance");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}: opening phase 4 with phase 3's gate unmet", place.name());
        assert!(said.contains("refused: gate unmet for phase 3"), "{}: {said}", place.name());
        assert!(said.contains("needs an override reason and an approver"), "{}: {said}", place.name());
        let out = place.sprout(1).args(["record", "checkout", "NO-SUCH-HOST", "pass"]).output().expect("record");
        assert!(!out.status.success(), "{}: an unknown server", place.name());
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown server 'NO-SUCH-HOST'"), "{}", place.name());
        let after = sprout::live::load(&place.store()).expect("load").data.journal.len();
        assert_eq!(before, after, "{}: nothing recorded", place.name());
    }
}

/// A child records events in a loop and prints "recorded #N" after each fsync; we kill it
/// with SIGKILL at random moments. Every acknowledged event must survive, every time.
#[test]
fn sigkill_at_random_moments_never_loses_an_acknowledged_event() {
    let s = Sample::new();
    let rounds = env_count("SPROUT_CRASH_ROUNDS", 200);
    let mut rng = Lcg(0x5eed ^ rounds as u64);
    let mut acknowledged = BTreeSet::new();
    let mut repaired = 0;
    for round in 0..rounds {
        let script = "while true; do \"$0\" --data \"$1\" --now 2000-11-24T12:00:00Z record backup BOS-PF01 --note crash || exit 1; done";
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_sprout"))
            .arg(s.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_micros(500 + rng.next(15_000)));
        // SIGKILL the whole group: the shell and the sprout in the middle of its write.
        let pid = child.id() as i32;
        // The shell's own kill (always there) signals the group; if that fails, kill the shell
        // at least, so the test can never hang on a missing tool.
        let killed =
            Command::new("sh").arg("-c").arg(format!("kill -s KILL -- -{pid}")).status().is_ok_and(|s| s.success());
        if !killed {
            let _ = child.kill();
        }
        let _ = child.wait();
        let mut out = String::new();
        let _ = child.stdout.take().expect("stdout").read_to_string(&mut out);
        for line in out.lines() {
            if let Some(seq) = line.strip_prefix("recorded #").and_then(|r| r.split_whitespace().next()) {
                acknowledged.insert(seq.parse::<u64>().expect("seq"));
            }
        }
        let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
        let parsed = journal::parse(&text).unwrap_or_else(|e| panic!("round {round}: the journal must load: {e}"));
        if parsed.torn.is_some() {
            repaired += 1;
        }
        let present: BTreeSet<u64> = parsed.entries.iter().map(|e| e.seq).collect();
        let lost: Vec<_> = acknowledged.difference(&present).collect();
        assert!(lost.is_empty(), "round {round}: acknowledged events lost: {lost:?}");
        assert!(sprout::live::load_dir(&s.path()).is_ok(), "round {round}: every file loads");
    }
    println!(
        "{rounds} SIGKILLs: {} acknowledged events all present; {repaired} torn last lines set aside",
        acknowledged.len()
    );
    assert!(!acknowledged.is_empty());
}

#[test]
fn a_journal_cut_at_every_byte_of_its_last_line_loads_with_repair() {
    let s = Sample::new();
    let text = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let start = text[..text.len() - 1].rfind('\n').expect("lines") + 1;
    let mut cases = 0;
    for cut in start..text.len() {
        let parsed = journal::parse(&text[..cut]).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let whole = cut + 1 >= text.len();
        let expected = if whole { 39 } else { 38 };
        assert_eq!(parsed.entries.len(), expected, "cut at {cut}");
        assert_eq!(parsed.torn.is_some(), !whole && cut > start, "cut at {cut}");
        cases += 1;
    }
    // And the next record repairs it for real, leaving a valid chain.
    let cut = start + (text.len() - start) / 2;
    std::fs::write(s.file("journal.ron"), &text[..cut]).expect("write");
    let r = s.run(&["record", "backup", "BOS-PF01"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(s.run(&["verify"]).stdout.contains("chain ok: 39 events"));
    // A whole last line that only lost its newline keeps its event and gets the newline back.
    let full = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    std::fs::write(s.file("journal.ron"), full.trim_end_matches('\n')).expect("write");
    assert!(s.run(&["record", "backup", "BOS-PF02"]).ok);
    assert!(s.run(&["verify"]).stdout.contains("chain ok: 40 events"));
    println!("{cases} cut offsets of the last line: all load, torn ones flagged");
}

#[test]
fn a_flipped_byte_in_any_middle_line_is_refused_at_that_line() {
    let s = Sample::new();
    let text = std::fs::read(s.file("journal.ron")).expect("journal");
    let lines: Vec<usize> =
        std::iter::once(0).chain(text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)).collect();
    let mut rng = Lcg(7);
    let mut checked = 0;
    for n in 0..lines.len() - 2 {
        let (from, to) = (lines[n], lines[n + 1] - 1);
        let at = from + rng.next((to - from) as u64) as usize;
        let mut damaged = text.clone();
        damaged[at] ^= 0x01;
        std::fs::write(s.file("journal.ron"), &damaged).expect("write");
        let err = sprout::live::load_dir(&s.path()).expect_err("damage is refused").to_string();
        assert!(err.contains(&format!("journal.ron:{}:", n + 1)), "byte {at} in line {}: {err}", n + 1);
        checked += 1;
    }
    println!("{checked} middle lines with a flipped byte: each refused at its own line");
}

#[test]
fn read_only_opens_no_file_for_writing() {
    let s = Sample::new();
    let before: Vec<_> = std::fs::read_dir(s.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    let r = s.run(&["--read-only", "record", "checkout", "BOS-IMS01", "pass"]);
    assert!(!r.ok && r.stderr.contains("read-only"));
    let after: Vec<_> = std::fs::read_dir(s.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(before, after, "not even the lock file is created");
}

#[test]
fn three_dashboards_follow_one_writer_to_the_same_state() {
    use ratatui::{Terminal, backend::TestBackend};
    use sprout::app::{Action, App, Tab};

    let s = Sample::new();
    let events = env_count("SPROUT_LIVE_EVENTS", 1000);
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().expect("time");
    let dashboard = |name: &str| {
        let op = store::Operator { name: name.into(), from: None };
        App::load(sprout::store::FileStore::open(s.path()), op, true, now, true, Some(0)).expect("load")
    };
    let mut watchers: Vec<App> = ["a", "b", "c"].iter().map(|n| dashboard(n)).collect();
    for (k, w) in watchers.iter_mut().enumerate() {
        w.update(Action::Tab([Tab::Fleet, Tab::Rollout, Tab::Journal][k]));
    }
    let dir = s.path();
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        let op = store::Operator { name: "writer".into(), from: None };
        for i in 0..events {
            let event =
                sprout::model::Event::Backup { server: format!("BOS-PF0{}", 1 + i % 3), note: format!("live {i}") };
            sprout::live::record(
                &store::FileStore::open(&dir),
                &op,
                now,
                Default::default(),
                move |_, _, _| Ok(event),
                |_| {},
            )
            .expect("record");
        }
    });
    let mut reloads = 0;
    loop {
        let done = writer.is_finished();
        // Each watcher does what the dashboard's loop does on its 250 ms tick.
        for w in watchers.iter_mut() {
            if w.watch() {
                reloads += 1;
            }
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().expect("writer");
    println!("1 writer, {events} events, 3 watchers: {reloads} reloads in {:.1} s", started.elapsed().as_secs_f64());
    let screens: Vec<String> = watchers
        .iter_mut()
        .map(|w| {
            assert_eq!(w.live.data.journal.len(), 39 + events);
            w.update(Action::Tab(Tab::Journal));
            // How many events each watcher's last reload brought differs; the state must not.
            w.notice = None;
            assert_eq!(w.view, watchers_view_of(w));
            let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            t.draw(|f| sprout::ui::draw(f, w, &sprout::ui::Theme::new(true))).expect("draw");
            // The operator name differs per watcher; the rest of the screen must not.
            t.backend().to_string().replace("a │", "? │").replace("b │", "? │").replace("c │", "? │")
        })
        .collect();
    assert_eq!(screens[0], screens[1]);
    assert!(watchers.windows(2).all(|p| p[0].view == p[1].view && p[0].live.data.journal == p[1].live.data.journal));
    assert_eq!(screens[1], screens[2]);
    assert!(screens[0].contains(&format!("live {}", events - 1)));
}

/// The view a fresh load of the same directory derives, to compare a watcher against.
fn watchers_view_of(w: &sprout::app::App) -> sprout::rules::FleetView {
    let loaded = sprout::live::load(&w.live.store).expect("load");
    sprout::rules::FleetView::build(&loaded.data, &loaded.state, w.rollout, w.now)
}
