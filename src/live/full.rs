//! A full load: the fleet parsed and the whole journal replayed onto it, the fleet beside the
//! journal's first lines where the store allows it.

use std::sync::Arc;

use crate::model::{Data, Entry};
use crate::progress::{Progress, Stage};
use crate::rules::State;
use crate::store::{Mark, Plans, ReadError, Stamp, Store};

use super::{Loaded, Source, Until};

/// What a full load does with the fleet baseline's servers once the state is built from them.
pub(super) enum Servers<'a> {
    /// Kept in `Data::fleet` beside the state (`check` asks them again at the end).
    Kept,
    /// Shown to `files` (the files' own problems are counted from them), then moved into the
    /// state: one copy of 100,000 servers in memory, not two. `Data::fleet` keeps its roles and
    /// sites, as a state from the derived-state cache does.
    Moved(&'a mut dyn FnMut(&Data)),
}

/// Read the fleet and replay the whole journal, streaming it: `each` sees every event with the
/// state just before it. Where the store allows it (`Store::fleet_beside_read`) the fleet is
/// parsed on a thread of its own while the journal's first lines are decoded (`store::scan`);
/// the first event waits for it, since events apply to it.
pub(super) fn load_full(
    store: &Arc<dyn Store>,
    mut stamp: Stamp,
    plans: Plans,
    progress: &Progress,
    until: Option<Until>,
    mut servers: Servers,
    mut each: impl FnMut(usize, &Entry, &Data, &State),
) -> Result<Loaded, Vec<String>> {
    let Plans { catalog, plan, team, key, key_but_fleet } = plans;
    progress.begin(Stage::Replaying, store.journal_extent());
    let mut baseline = Some((catalog, plan, team));
    let mut fleet_digest = None;
    let mut start = |fleet: Result<(crate::model::Fleet, Option<String>), Vec<String>>, baseline: &mut Option<_>| {
        let (catalog, plan, team) = baseline.take().unwrap_or_default();
        fleet.map(|(fleet, digest)| {
            fleet_digest = digest;
            let mut data = Data { catalog, fleet, plan, journal: Default::default(), team };
            let state = match &mut servers {
                Servers::Kept => State::new(&data),
                Servers::Moved(files) => {
                    files(&data);
                    let servers = std::mem::take(&mut data.fleet.servers);
                    State::with_servers(&data, servers)
                }
            };
            (data, state)
        })
    };
    // A history read goes on reading past its stop, applying nothing: the chain is still
    // checked to the end, so damage is reported whatever the time asked for.
    let (mut left, mut last_line) = (None::<usize>, 0);
    let (replayed, read) = std::thread::scope(|s| {
        let mut fleet = None;
        let mut replayed: Option<Result<(Data, State), Vec<String>>> = None;
        // Applied events are freed on a thread of their own: a million events' strings, each
        // allocated by the worker that decoded it, cost the replay a fifth of its time to free.
        let (graves, freed) = std::sync::mpsc::sync_channel::<Vec<Received>>(2);
        s.spawn(move || freed.into_iter().for_each(drop));
        if store.fleet_beside_read() {
            fleet = Some(s.spawn(|| store.fleet_and_digest()));
        } else {
            let first = start(store.fleet_and_digest(), &mut baseline);
            if first.is_err() {
                return (first, None);
            }
            replayed = Some(first);
        }
        let mut one = |(e, begin, end, line): &Received, data: &mut Data, state: &mut State| {
            if let Some(n) = &mut left {
                *n += 1;
                return;
            }
            if until.is_some_and(|u| u.passed(e)) {
                left = Some(1);
                return;
            }
            last_line = *line;
            each(*line, e, data, state);
            // Each server's history is made from the index at the end (`note_histories`).
            let server = state.apply_but_history(data, e);
            data.journal.push(e, *begin, *end, server);
        };
        // Each event is moved once, into `received`, and applied there `AHEAD` events later, its
        // server's place in the name table fetched meanwhile (`State::prefetch`); the applied
        // are sent to be freed `GRAVE` at a time. (Moved along a queue and into a list of the
        // applied, each event's 288 bytes were copied about four times more on this thread.)
        let mut received: Vec<Received> = Vec::with_capacity(GRAVE + AHEAD + 1);
        let mut applied = 0;
        let done = store.read(None, &mut |e, begin, end, line| {
            progress.set(end);
            let replayed = replayed.get_or_insert_with(|| start(joined(fleet.take()), &mut baseline));
            // A fleet that does not parse is reported alone, as before any journal was read.
            let Ok((data, state)) = replayed else { return };
            state.prefetch(&e);
            received.push((e, begin, end, line));
            if received.len() - applied > AHEAD {
                one(&received[applied], data, state);
                applied += 1;
            }
            if applied == GRAVE {
                let mut next = Vec::with_capacity(GRAVE + AHEAD + 1);
                next.extend(received.drain(GRAVE..));
                let _ = graves.send(std::mem::replace(&mut received, next));
                applied = 0;
            }
        });
        if let Some(Ok((data, state))) = &mut replayed {
            for r in &received[applied..] {
                one(r, data, state);
            }
        }
        drop(graves);
        let replayed = replayed.unwrap_or_else(|| start(joined(fleet.take()), &mut baseline));
        (replayed, Some(done))
    });
    let (mut data, mut state) = replayed?;
    state.note_histories(&data.journal);
    state.compact();
    // Read whenever the fleet parsed.
    let read = read.unwrap_or(Err(ReadError::Stale));
    let read = read.map_err(|e| match e {
        ReadError::Broken(message) => vec![message],
        ReadError::Stale | ReadError::Unvouched => {
            vec![format!("{}: the journal changed while it was read; try again", store.place())]
        }
    })?;
    let (source, mark) = match until {
        None => {
            data.journal.line_count = read.end.lines;
            stamp.journal = read.stamp;
            (Source::Full, read.mark)
        }
        // A stamp and mark no store gives: any catch-up or write reads everything again.
        Some(_) => {
            data.journal.line_count = last_line;
            stamp.journal = String::new();
            (Source::Until { left: left.unwrap_or(0) }, Mark::default())
        }
    };
    Ok(Loaded {
        store: store.clone(),
        data: Arc::new(data),
        state: Arc::new(state),
        torn: read.torn,
        stamp,
        mark,
        source,
        key,
        key_but_fleet,
        fleet_digest,
        epoch: 0,
        unvouched: None,
        judged: None,
    })
}

/// An event as the store read it: where its line begins and ends, its line number.
type Received = (Entry, u64, u64, usize);

/// Applied events freed together, elsewhere.
const GRAVE: usize = 1024;
/// Events read ahead of the one applied.
const AHEAD: usize = 16;

/// The fleet parsed on its own thread (a panic there is passed on), taken once.
fn joined<T>(fleet: Option<std::thread::ScopedJoinHandle<'_, Result<T, Vec<String>>>>) -> Result<T, Vec<String>> {
    match fleet {
        Some(handle) => handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        None => Err(vec!["the fleet was already taken (a bug in live::load_full)".into()]),
    }
}
