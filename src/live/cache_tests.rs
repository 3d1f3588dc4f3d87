//! The cache read on demand answers as a full load does, and a damaged chunk is never trusted.
//! Under test a chunk holds three servers, so the sample's servers fall in many chunks.

use std::sync::Arc;

use crate::live::fixture::{now, sample};
use crate::live::{Loaded, Source, WriteOptions, load, load_on_demand, record_on_demand};
use crate::model::CheckoutResult;
use crate::rules::{Intent, record};
use crate::store::{MemoryStore, Operator, Store};

/// A checkout of `server` as the CLI builds and checks it: the refusal's text, or the warnings.
fn checkout(loaded: &Loaded, server: &str) -> Result<Vec<String>, String> {
    let intent =
        Intent::Checkout { server: server.into(), phase: None, result: CheckoutResult::Pass, note: "ok".into() };
    let event = intent.event(&loaded.data, &loaded.state, None, now()).map_err(|r| r.0)?;
    record::check(&loaded.data, &loaded.state, &event, "checker", now()).map_err(|r| r.0)
}

/// A full load that wrote the cache, and the sample's server names.
fn cached() -> (Arc<MemoryStore>, Arc<dyn Store>, Loaded, Vec<String>) {
    let (memory, store) = sample();
    let full = load(&store).expect("load");
    assert_eq!(full.source, Source::Full);
    let names = full.state.servers.iter().map(|s| s.name.to_string()).collect();
    (memory, store, full, names)
}

#[test]
fn a_checkout_is_checked_on_demand_as_a_full_load_checks_it_reading_one_chunk() {
    let (_, store, full, names) = cached();
    assert!(names.len() > 9, "the sample's servers span several chunks");
    let mut accepted = 0;
    for name in names.iter().map(String::as_str).chain(["NO-SUCH", ""]) {
        let lazy = load_on_demand(&store).expect("load on demand");
        assert_eq!(lazy.source, Source::Cache { tail: 0 });
        assert!(!lazy.state.servers.decoded(), "nothing of the fleet is decoded before a rule looks");
        let answer = checkout(&lazy, name);
        assert_eq!(answer, checkout(&full, name), "{name}");
        accepted += usize::from(answer.is_ok());
        if answer.is_ok() {
            assert!(!lazy.state.servers.decoded() && lazy.state.servers.chunks_decoded() == 1, "{name}");
            assert!(!lazy.data.journal.lines.decoded(), "{name}: the journal's lines stay on disk");
        }
    }
    assert!(accepted > 0 && accepted < names.len(), "some checkouts are accepted, some refused");
}

#[test]
fn a_state_read_on_demand_is_the_state_a_full_load_reads() {
    let (_, store, full, _) = cached();
    let lazy = load_on_demand(&store).expect("load on demand");
    assert_eq!(lazy.state.progress, full.state.progress);
    assert!(lazy.state.servers == full.state.servers && lazy.state.history == full.state.history);
    assert!(lazy.state.last_backup == full.state.last_backup && lazy.state.last_install == full.state.last_install);
    assert_eq!(lazy.state.previous_levels, full.state.previous_levels);
    assert_eq!(lazy.state.by_name().collect::<Vec<_>>(), full.state.by_name().collect::<Vec<_>>());
    assert_eq!(lazy.data.journal, full.data.journal);
    assert!(!lazy.state.damaged());
    let eager = load(&store).expect("load");
    assert!(eager.source == Source::Cache { tail: 0 } && eager.state.servers.decoded() && !eager.state.damaged());
}

/// The cache with one byte changed in the servers' chunk `c`.
fn damage(memory: &MemoryStore, c: usize) {
    let mut bytes = memory.cache().expect("a cache");
    let at = super::servers_chunk(&bytes, c).start + 1;
    bytes[at] ^= 0x55;
    memory.save_cache(&bytes);
}

#[test]
fn a_damaged_chunk_gives_no_answer_says_so_and_a_full_load_does_not_take_it() {
    let (memory, store, full, names) = cached();
    damage(&memory, 0);
    let lazy = load_on_demand(&store).expect("load on demand");
    assert_eq!(lazy.source, Source::Cache { tail: 0 }, "only the header and names are read at first");
    assert_eq!(lazy.state.server_index(&names[0]), None);
    assert!(lazy.state.damaged());
    let eager = load(&store).expect("load");
    assert_eq!(eager.source, Source::Full, "a whole read checks every chunk's sum");
    assert!(eager.state.servers == full.state.servers && eager.state.progress == full.state.progress);
    assert_eq!(load(&store).expect("load").source, Source::Cache { tail: 0 }, "and rewrote the cache");
}

#[test]
fn a_damaged_chunk_read_while_checking_is_never_recorded_from() {
    let (memory, store, full, names) = cached();
    let op = Operator { name: "checker".into(), from: None };
    // One server whose checkout is accepted, one refused: each with its own chunk damaged.
    let accepted = names.iter().position(|n| checkout(&full, n).is_ok()).expect("an accepted checkout");
    let refused = names.iter().position(|n| checkout(&full, n).is_err()).expect("a refused checkout");
    for i in [refused, accepted] {
        let server = names[i].clone();
        let now_full = load(&store).expect("load");
        let want = checkout(&now_full, &server).map(|_| ()).map_err(|r| format!("refused: {r}"));
        damage(&memory, i / 3);
        let lazy = load_on_demand(&store).expect("load on demand");
        let before = memory.lines().len();
        let intent =
            Intent::Checkout { server: server.clone(), phase: None, result: CheckoutResult::Pass, note: "ok".into() };
        let make = |data: &_, state: &_, _: &str| intent.clone().event(data, state, None, now());
        let (after, recorded) = record_on_demand(lazy, &op, now(), WriteOptions::default(), make, |_| {});
        assert_eq!(recorded.map(|r| r.first_new).map_err(|e| e.to_string()), want.clone().map(|_| None), "{server}");
        assert!(!after.state.damaged(), "{server}: the answer came from a state read in full");
        assert_eq!(memory.lines().len(), before + usize::from(want.is_ok()), "{server}: appended at most once");
        let fresh = load(&store).expect("load");
        assert!(after.state.progress == fresh.state.progress && after.state.servers == fresh.state.servers);
    }
}

#[test]
fn a_servers_history_is_read_from_the_cache_file_when_wanted_and_a_damaged_one_is_refused_at_the_load() {
    let (memory, store, full, _) = cached();
    memory.cache_as_a_file();
    let cached = load(&store).expect("load");
    assert_eq!(cached.source, Source::Cache { tail: 0 });
    assert!(cached.state.servers.decoded() && cached.data.journal.lines.decoded(), "the rest is read whole");
    assert_eq!(cached.state.history.chunks_decoded(), 0, "no server's history is read before one is wanted");
    let i = (0..full.state.servers.len()).rev().find(|&i| !full.state.history[i].is_empty()).expect("a history");
    assert_eq!(cached.state.history[i], full.state.history[i], "one server's history, as its view reads it");
    assert_eq!(cached.state.history.chunks_decoded(), 1);
    assert!(cached.state.history == full.state.history && cached.state.previous_levels == full.state.previous_levels);
    assert!(!cached.state.damaged());
    // A history chunk that does not read back: the load refuses the cache, as for any part.
    let mut bytes = memory.cache().expect("a cache");
    let at = super::history_chunk(&bytes, i / 3).start + 1;
    bytes[at] ^= 0x55;
    memory.save_cache(&bytes);
    let again = load(&store).expect("load");
    assert_eq!(again.source, Source::Full, "a damaged history is found at the load, not when a server is opened");
    assert!(again.state.history == full.state.history && !again.state.damaged());
}
