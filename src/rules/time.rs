//! The clock's rules: events in time order within a tolerance for skew between hosts, and a
//! phase's install window.

use chrono::{DateTime, Datelike, Local, Timelike, Utc, Weekday};

use crate::model::InstallWindow;

use super::lookup::{Refusal, refuse};

/// How far clocks on different hosts may disagree: an event may be this much earlier than the
/// one before it (or this much in the future, for `check`) before it is refused.
pub const CLOCK_TOLERANCE_MINUTES: i64 = 5;

/// Events are in time order within the tolerance: `at` may not be earlier than `last` by more.
/// The write path and `check` use this same rule.
pub fn in_time_order(last: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Result<(), Refusal> {
    let tolerance = chrono::Duration::minutes(CLOCK_TOLERANCE_MINUTES);
    match last {
        // Any date a file can hold, to the end of chrono's calendar, without overflowing.
        Some(last) if at.checked_add_signed(tolerance).is_some_and(|t| t < last) => refuse(format!(
            "{} is {} minutes before the event before it ({}); events are kept in time order within {CLOCK_TOLERANCE_MINUTES} minutes",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            (last - at).num_minutes(),
            last.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        _ => Ok(()),
    }
}

/// The phase's install window, as a warning when `now` falls outside it.
pub fn window_warning(window: InstallWindow, now: DateTime<Utc>) -> Option<String> {
    let local = now.with_timezone(&Local);
    let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    let after_hours = weekend || !(7..19).contains(&local.hour());
    let outside = match window {
        InstallWindow::Any => false,
        InstallWindow::AfterHours => !after_hours,
        InstallWindow::Weekend => !weekend,
    };
    outside.then(|| {
        format!("note: this phase's install window is {}; recorded {}", window.label(), local.format("%a %H:%M"))
    })
}
