//! A minute tick taken in just after a key, held for the key's next frame.

use std::time::{Duration, Instant};

/// A minute tick taken in less than this after a key is drawn with the next key's frame, or
/// once this has passed since the key: one frame, not a second one a few milliseconds behind
/// the key's (which the operator's terminal must also write). The clock moves once a minute;
/// a tenth of a second later is not seen.
pub(super) const HOLD: Duration = Duration::from_millis(100);

/// The last key taken in, and whether a minute tick taken in since the last frame is not
/// drawn yet (`HOLD`).
#[derive(Debug, Default)]
pub(super) struct Held {
    last_key: Option<Instant>,
    tick: bool,
}

impl Held {
    pub(super) fn key(&mut self, at: Instant) {
        self.last_key = Some(at);
    }

    /// A tick was taken in at `at`: true to draw it now (no key within `HOLD`), else it is
    /// held for the next frame.
    pub(super) fn ticked(&mut self, at: Instant) -> bool {
        self.tick = self.last_key.is_some_and(|k| at.duration_since(k) < HOLD);
        !self.tick
    }

    /// A frame was drawn: it shows any tick held.
    pub(super) fn drawn(&mut self) {
        self.tick = false;
    }

    /// A held tick is to be drawn now: no key came within `HOLD`.
    pub(super) fn due(&self, at: Instant) -> bool {
        self.tick && self.last_key.is_none_or(|k| at.duration_since(k) >= HOLD)
    }

    /// How long the loop may wait before a held tick is due.
    pub(super) fn wait(&self, at: Instant) -> Option<Duration> {
        let key = self.last_key.filter(|_| self.tick)?;
        Some(HOLD.saturating_sub(at.duration_since(key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_while_keys_come_is_drawn_with_the_next_keys_frame_or_after_hold() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut held = Held::default();
        assert!(held.ticked(ms(0)), "no key yet: the tick is drawn at once");
        held.drawn();
        held.key(ms(1000));
        assert!(!held.ticked(ms(1010)), "10 ms after a key: held");
        assert!(!held.due(ms(1050)), "still within HOLD");
        assert_eq!(held.wait(ms(1050)), Some(Duration::from_millis(50)), "the loop wakes when it is due");
        held.key(ms(1060));
        held.drawn();
        assert!(!held.due(ms(1500)), "the key's frame showed it: nothing left to draw");
        assert_eq!(held.wait(ms(1500)), None);
        assert!(!held.ticked(ms(1100)), "40 ms after the last key: held");
        assert!(held.due(ms(1160)), "no key for HOLD: drawn on its own");
        assert!(held.ticked(ms(2000)), "a tick long after the last key is drawn at once");
    }
}
