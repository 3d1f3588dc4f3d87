//! The front of the derived-state cache (`app::front`): the first frame drawn from it is the
//! frame the full load draws at the same time, and a front of another state, a damaged one or
//! one past its span is never drawn.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ratatui::buffer::Buffer;
use ratatui::{Terminal, backend::TestBackend};
use sprout::app::{App, front};
use sprout::model::Fleet;
use sprout::rules::FleetView;
use sprout::store::{MemoryStore, Operator, Store};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The dashboard's app at `now` as a launch without a front builds it (from the cache when it
/// matches, else in full, writing it).
fn full(store: &Arc<dyn Store>, now: DateTime<Utc>) -> App {
    let loaded = sprout::live::load(store).expect("load");
    let rollout = sprout::rules::lookup::chosen_rollout(&loaded.data, None).expect("rollout");
    App::from_loaded(loaded, Operator::current(), true, now, true, rollout)
}

/// Keep the front of the full app derived at `now`.
fn keep_front(store: &Arc<dyn Store>, now: DateTime<Utc>) {
    front::save(&full(store, now));
}

fn launch(store: &Arc<dyn Store>, now: DateTime<Utc>, height: u16) -> Option<App> {
    launch_at(store, now, 120, height)
}

fn launch_at(store: &Arc<dyn Store>, now: DateTime<Utc>, width: u16, height: u16) -> Option<App> {
    let operator = Operator::current();
    front::open(store, front::Launch { operator, read_only: true, now, pinned: true, rollout: None, width, height })
}

/// The frame `app` draws on a `width` x `height` screen, colours included.
fn draw(app: &mut App, width: u16, height: u16) -> Buffer {
    app.page = sprout::ui::body_height(height).saturating_sub(2);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let theme = sprout::ui::Theme::new(false);
    terminal.draw(|f| sprout::ui::draw(f, app, &theme)).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string() + "\n")
        .collect()
}

/// At `at`, the first frame from the front is the full load's, at both sizes.
fn assert_same_frame(store: &Arc<dyn Store>, at: DateTime<Utc>) {
    for (w, h) in SIZES {
        let mut first = launch_at(store, at, w, h).unwrap_or_else(|| panic!("the front is used at {at}, {w}x{h}"));
        let mut whole = full(store, at);
        let (a, b) = (draw(&mut first, w, h), draw(&mut whole, w, h));
        assert!(text(&b).contains(" Fleet: "), "a fleet frame:\n{}", text(&b));
        assert_eq!(text(&a), text(&b), "the same text at {at}, {w}x{h}");
        assert_eq!(a, b, "the same cells and colours at {at}, {w}x{h}");
    }
}

/// The instant until which the rows derived at `now` stay exact, as the rules say.
fn exact_until(store: &Arc<dyn Store>, now: DateTime<Utc>) -> DateTime<Utc> {
    let loaded = sprout::live::load(store).expect("load");
    let rollout = sprout::rules::lookup::chosen_rollout(&loaded.data, None).expect("rollout");
    FleetView::build(&loaded.data, &loaded.state, rollout, now).rows_exact_until(&loaded.state, now)
}

fn sample(now: DateTime<Utc>) -> Arc<dyn Store> {
    MemoryStore::sample(now).expect("sample").arc()
}

#[test]
fn the_sample_fleets_first_frame_from_the_front_is_the_full_loads() {
    let now = sprout::store::sample::anchor();
    let store = sample(now);
    assert!(launch(&store, now, 24).is_none(), "no front before a launch kept one");
    keep_front(&store, now);
    assert_same_frame(&store, now);
    let until = exact_until(&store, now);
    assert!(until > now, "exact for a while from {now}: {until}");
    assert_same_frame(&store, until - Duration::seconds(1));
    assert!(launch(&store, until, 24).is_none(), "past its span ({until}) the front is not used");
    assert!(launch(&store, now - Duration::seconds(1), 24).is_none(), "nor before it was derived");
    assert!(launch(&store, now, front::WINDOW as u16 + 5).is_none(), "nor on a screen taller than its rows");
}

/// A generated fleet with an empty role, a role of one server that runs no product of the
/// rollout, at its own time.
fn odd_fleet() -> (Arc<dyn Store>, DateTime<Utc>) {
    let now: DateTime<Utc> = "2000-11-24T12:00:00Z".parse().expect("time");
    let mut files = sprout::synthetic::generate(400, 4000, now).expect("generate");
    let (_, fleet) = files.iter_mut().find(|(name, _)| *name == "fleet.ron").expect("fleet.ron");
    let mut parsed: Fleet = ron::from_str(fleet).expect("parse fleet");
    parsed.roles.push(sprout::model::Role { id: "empty".into(), name: "Nobody here".into() });
    parsed.roles.insert(0, sprout::model::Role { id: "solo".into(), name: "Lone server".into() });
    let mut lone = parsed.servers[0].clone();
    lone.name = "ODD-LONE01".into();
    lone.role = "solo".into();
    lone.products = [("nt4".to_string(), 6)].into_iter().collect();
    lone.hot_fixes.clear();
    lone.replaces = None;
    parsed.servers.push(lone);
    *fleet = ron::ser::to_string(&parsed).expect("write fleet");
    (MemoryStore::from_files(files).expect("store").arc(), now)
}

#[test]
fn an_odd_generated_fleets_first_frame_from_the_front_is_the_full_loads() {
    let (store, now) = odd_fleet();
    let whole = text(&draw(&mut full(&store, now), 120, 40));
    assert!(whole.contains("Lone server (1)"), "the one-server role shows:\n{whole}");
    keep_front(&store, now);
    assert_same_frame(&store, now);
}

#[test]
fn a_soak_day_ending_within_the_minute_ends_the_fronts_span() {
    let (store, now) = odd_fleet();
    let midnight = (now.date_naive() + chrono::Days::new(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let soak = exact_until(&store, now);
    assert!(soak < midnight, "the generated fleet has soaks the clock moves before midnight");
    // Derived 30 seconds before a soak's day count changes: exact for those 30 seconds only.
    let derived = soak - Duration::seconds(30);
    keep_front(&store, derived);
    assert_same_frame(&store, soak - Duration::seconds(1));
    assert!(launch(&store, soak, 40).is_none(), "the soak changed at {soak}: launch as before");
}

#[test]
fn the_date_changing_at_midnight_ends_the_fronts_span() {
    // The sample's soaks read whole days from a morning install: none changes late at night.
    let now = sprout::store::sample::anchor();
    let store = sample(now);
    let midnight = (now.date_naive() + chrono::Days::new(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let late = midnight - Duration::seconds(30);
    assert_eq!(exact_until(&store, late), midnight, "only the date ends this span");
    keep_front(&store, late);
    assert_same_frame(&store, midnight - Duration::seconds(1));
    assert!(launch(&store, midnight, 40).is_none(), "a new date: launch as before");
}

#[test]
fn a_front_of_another_state_or_damaged_is_never_drawn() {
    let now = sprout::store::sample::anchor();
    let store = sample(now);
    keep_front(&store, now);
    let kept = store.cache_part("front").expect("a front kept");
    // Another state: the same sample a day later (another journal and catalog), its cache
    // written, this front planted beside it.
    let other = sample(now + Duration::days(1));
    let _ = sprout::live::load(&other).expect("load");
    other.save_cache_part("front", &kept);
    assert!(launch(&other, now, 24).is_none(), "a front of another state is not drawn");
    // Damaged: any byte changed, in the sum or the body.
    for at in [20, kept.len() / 2, kept.len() - 1] {
        let mut bad = kept.clone();
        bad[at] ^= 0x20;
        store.save_cache_part("front", &bad);
        assert!(launch(&store, now, 24).is_none(), "a front damaged at byte {at} is not drawn");
    }
    store.save_cache_part("front", &kept[..kept.len() - 7]);
    assert!(launch(&store, now, 24).is_none(), "a cut front is not drawn");
    store.save_cache_part("front", &kept);
    assert!(launch(&store, now, 24).is_some(), "the front as kept is drawn");
}

#[test]
fn a_front_is_not_drawn_once_the_journal_moved_on() {
    let now = sprout::store::sample::anchor();
    let store = sample(now);
    keep_front(&store, now);
    assert!(launch(&store, now, 24).is_some());
    // An event recorded after the front was kept: the state it names is no longer the journal's.
    let event = sprout::model::Event::Checkout {
        rollout: "ex55-sp4".into(),
        server: "LAB-IMS01".into(),
        phase: "Lab".into(),
        result: sprout::model::CheckoutResult::Pass,
        note: "after the front".into(),
    };
    let operator = Operator { name: "alice".into(), from: None };
    sprout::live::record(&store, &operator, now, Default::default(), move |_, _, _| Ok(event), |_| {}).expect("record");
    assert!(launch(&store, now, 24).is_none(), "a front of the journal before a record is not drawn");
    keep_front(&store, now);
    assert_same_frame(&store, now);
}

/// The front beside a data directory's cache, removed with the test's directory.
struct FrontFile(std::path::PathBuf);

impl Drop for FrontFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_front_others_may_write_is_never_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let now = sprout::store::sample::anchor();
    sprout::store::sample::seed(dir.path(), now).expect("seed");
    let path = sprout::store::FileStore::new(dir.path()).cache_path().expect("a cache directory");
    let _cleanup = (FrontFile(path.with_extension("front")), FrontFile(path.clone()));
    let store = sprout::store::FileStore::open(dir.path());
    keep_front(&store, now);
    let front = path.with_extension("front");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("front").permissions().mode() & 0o777;
    assert_eq!(mode(&front), 0o600, "the front is this user's alone");
    assert_same_frame(&store, now);
    // A front anyone may write (planted, or a shared XDG_CACHE_HOME) is not drawn.
    std::fs::set_permissions(&front, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    assert!(launch(&store, now, 24).is_none(), "a front others may write is not drawn");
}
