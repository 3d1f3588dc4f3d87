//! Live updates: a thread with its own connection LISTENs on the journal's and presence's
//! channels (a write NOTIFYs its sequence only: payloads are small and bounded). A silent drop
//! is found by a heartbeat query; after any reconnect the caller is told the data changed, so it
//! catches up from the last event it saw.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use crate::store::{Changed, Watching};

use super::conn::connect;
use super::schema::{JOURNAL_CHANNEL, PRESENCE_CHANNEL};

/// How often an idle listening connection is tested.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long to wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);
/// How often the thread looks at its stop flag.
const TICK: Duration = Duration::from_millis(100);

/// Stops the listening thread when dropped.
struct Listening {
    stop: Arc<AtomicBool>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub fn watch(url: &str, on_change: Box<dyn Fn(Changed) + Send + Sync>) -> Option<Watching> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let url = url.to_string();
    std::thread::Builder::new()
        .name("sprout-listen".into())
        .spawn(move || listen(&url, &flag, on_change.as_ref()))
        .ok()?;
    Some(Box::new(Listening { stop }))
}

fn listen(url: &str, stop: &AtomicBool, on_change: &(dyn Fn(Changed) + Send + Sync)) {
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut client) = connect(url) else {
            sleep_unless(stop, RETRY);
            continue;
        };
        if client.batch_execute(&format!("LISTEN {JOURNAL_CHANNEL}; LISTEN {PRESENCE_CHANNEL}")).is_err() {
            sleep_unless(stop, RETRY);
            continue;
        }
        if !first {
            // Whatever was written while we were away: catch up from the last event seen.
            on_change(Changed::Data);
            on_change(Changed::Presence);
        }
        first = false;
        let mut beat = Instant::now();
        'connected: while !stop.load(Ordering::Relaxed) {
            let mut journal = false;
            let mut presence = false;
            {
                let mut notes = client.notifications();
                let mut note = |n: postgres::Notification| {
                    if n.channel() == JOURNAL_CHANNEL { journal = true } else { presence = true }
                };
                // Wait for one, then take whatever else has arrived without waiting again.
                match notes.timeout_iter(TICK).next() {
                    Ok(Some(n)) => note(n),
                    Ok(None) => {}
                    Err(_) => break 'connected,
                }
                let mut arrived = notes.iter();
                loop {
                    match arrived.next() {
                        Ok(Some(n)) => note(n),
                        Ok(None) => break,
                        Err(_) => break 'connected,
                    }
                }
            }
            if journal {
                on_change(Changed::Data);
            }
            if presence {
                on_change(Changed::Presence);
            }
            if beat.elapsed() >= HEARTBEAT {
                if client.simple_query("SELECT 1").is_err() {
                    break 'connected;
                }
                beat = Instant::now();
            }
            if client.is_closed() {
                break 'connected;
            }
        }
        // The connection broke: tell the caller at once (it shows the database as unreachable
        // on its next look), then reconnect.
        if !stop.load(Ordering::Relaxed) {
            on_change(Changed::Data);
            sleep_unless(stop, RETRY);
        }
    }
}

fn sleep_unless(stop: &AtomicBool, wait: Duration) {
    let until = Instant::now() + wait;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
    }
}
