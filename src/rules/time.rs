//! The clock's rules: events in time order within a tolerance for skew between hosts, and a
//! phase's install window.

use chrono::{DateTime, Datelike, FixedOffset, Local, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::model::{Freeze, Hours, InstallWindow, Site};

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

/// The default after hours (seed: "after hours"): from 19:00 to 07:00, and all weekend.
pub const AFTER_HOURS: Hours = Hours { start: 19, end: 7 };

/// A site's clock: its time zone (an IANA name), else the host's. Daylight saving included.
pub fn site_time(site: Option<&Site>, now: DateTime<Utc>) -> DateTime<FixedOffset> {
    match site.and_then(|s| s.time_zone.as_deref()).and_then(|tz| tz.parse::<Tz>().ok()) {
        Some(tz) => now.with_timezone(&tz).fixed_offset(),
        None => now.with_timezone(&Local).fixed_offset(),
    }
}

/// Whether `local` (a site's time) is after hours by the site's hours (or the default).
pub fn after_hours(site: Option<&Site>, local: DateTime<FixedOffset>) -> bool {
    let hours = site.and_then(|s| s.after_hours).unwrap_or(AFTER_HOURS);
    let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    let h = local.hour() as u8;
    let evening_or_night =
        if hours.start > hours.end { h >= hours.start || h < hours.end } else { (hours.start..hours.end).contains(&h) };
    weekend || evening_or_night
}

/// The phase's install window, read in the server's site time, as a warning when `now` falls
/// outside it.
pub fn window_warning(window: InstallWindow, site: Option<&Site>, now: DateTime<Utc>) -> Option<String> {
    let local = site_time(site, now);
    let outside = !in_window(window, site, now);
    let place = site.map_or(String::new(), |s| format!(" at {}", s.name));
    outside.then(|| {
        format!(
            "note: this phase's install window is {}; recorded {}{place} ({})",
            window.label(),
            local.format("%a %H:%M"),
            local.format("%:z")
        )
    })
}

/// Whether `now` falls inside the install window, read in the site's time (freezes aside).
pub fn in_window(window: InstallWindow, site: Option<&Site>, now: DateTime<Utc>) -> bool {
    let local = site_time(site, now);
    match window {
        InstallWindow::Any => true,
        InstallWindow::AfterHours => after_hours(site, local),
        InstallWindow::Weekend => matches!(local.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

/// How far ahead the forecast looks for a window: a freeze longer than this leaves no date.
const HORIZON_DAYS: i64 = 2 * 366;

/// The first moment at or after `from` when the site may install: inside the window, outside
/// every freeze. Steps a site hour at a time (a window opens on the hour), so the answer is the
/// window's first hour, not a minute within it; `None` when the horizon holds no such moment.
pub fn next_install(window: InstallWindow, site: Option<&Site>, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_hour_where(from, |t| in_window(window, site, t) && freeze(site, t).is_none())
}

/// The first moment at or after `from` within the site's working hours (a weekday, not after
/// hours): when an operator is there to run a checkout, a verification or a sign-off.
pub fn next_working(site: Option<&Site>, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_hour_where(from, |t| !after_hours(site, site_time(site, t)))
}

/// `from` if `ok(from)`, else the first whole site hour after it where `ok` holds.
fn next_hour_where(from: DateTime<Utc>, ok: impl Fn(DateTime<Utc>) -> bool) -> Option<DateTime<Utc>> {
    if ok(from) {
        return Some(from);
    }
    // Whole hours in UTC are whole hours in every zone but a few half-hour ones, where the
    // window then opens half an hour late: close enough for a forecast in days.
    let seconds = from.timestamp().rem_euclid(3600);
    let mut t = from.checked_add_signed(chrono::Duration::seconds(3600 - seconds))?;
    for _ in 0..HORIZON_DAYS * 24 {
        if ok(t) {
            return Some(t);
        }
        t = t.checked_add_signed(chrono::Duration::hours(1))?;
    }
    None
}

/// The change freeze the site is in at `now` (its own date), if any.
pub fn freeze(site: Option<&Site>, now: DateTime<Utc>) -> Option<&Freeze> {
    let today = site_time(site, now).date_naive();
    site?.freezes.iter().find(|f| f.from <= today && today <= f.to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Site};
    use crate::rules::fixture::{apply, now, sample};

    fn boston() -> Site {
        Site { name: "BOS".into(), time_zone: Some("America/New_York".into()), after_hours: None, freezes: vec![] }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn after_hours_is_read_in_the_site_s_time_with_daylight_saving() {
        let bos = Some(boston());
        // 23:30 UTC on Friday 27 October 2000 is 19:30 in Boston (EDT, UTC-4): after hours.
        assert!(after_hours(bos.as_ref(), site_time(bos.as_ref(), utc("2000-10-27T23:30:00Z"))));
        // The same clock time on Monday 30 October, after the change to EST (UTC-5), is 18:30.
        let monday = site_time(bos.as_ref(), utc("2000-10-30T23:30:00Z"));
        assert_eq!(monday.format("%H:%M %:z").to_string(), "18:30 -05:00");
        assert!(!after_hours(bos.as_ref(), monday));
        let w = window_warning(InstallWindow::AfterHours, bos.as_ref(), utc("2000-10-30T23:30:00Z")).expect("outside");
        assert_eq!(w, "note: this phase's install window is after hours; recorded Mon 18:30 at BOS (-05:00)");
        // A site's own hours: Denver's start at 18:00.
        let den = Site {
            after_hours: Some(Hours { start: 18, end: 6 }),
            time_zone: Some("America/Denver".into()),
            ..boston()
        };
        assert!(after_hours(Some(&den), site_time(Some(&den), utc("2000-10-31T01:30:00Z"))), "18:30 MST");
    }

    #[test]
    fn an_install_in_a_change_freeze_is_refused_with_its_dates() {
        let (mut data, mut state) = sample();
        let day = now().date_naive();
        data.fleet.sites = vec![Site {
            freezes: vec![Freeze { from: day, to: day + chrono::Duration::days(10), reason: "quarter end".into() }],
            ..boston()
        }];
        apply(&data, &mut state, "op", Event::Backup { server: "BOS-PF02".into(), note: String::new() });
        let install = Event::Install { server: "BOS-PF02".into(), product: "nt4".into(), level: 6, verified: None };
        let e = crate::rules::record::check(&data, &state, &install, "op", now()).expect_err("frozen");
        assert!(e.0.starts_with("site BOS is in a change freeze from ") && e.0.contains("(quarter end)"), "{e}");
        let later = now() + chrono::Duration::days(11);
        let e = crate::rules::record::check(&data, &state, &install, "op", later);
        assert!(!e.as_ref().is_err_and(|e| e.0.contains("freeze")), "{e:?}");
    }

    #[test]
    fn a_back_out_that_would_break_another_product_s_prerequisite_is_refused() {
        let (data, state) = sample();
        // BOS-IMS01 runs Exchange SP4, which requires NT SP5: NT cannot go back to SP4 under it.
        let back =
            Event::BackedOut { server: "BOS-IMS01".into(), product: "nt4".into(), to_level: 4, reason: "r".into() };
        let e = crate::rules::record::check(&data, &state, &back, "op", now()).expect_err("breaks ex55");
        assert_eq!(
            e.0,
            "backing nt4 out to level 4 would break Exchange Server 5.5 SP4 on BOS-IMS01, which requires Windows NT Server 4.0 SP5: back that out first"
        );
    }

    #[test]
    fn two_rollouts_on_one_server_keep_their_own_soak_and_one_backup_covers_one_install() {
        let (mut data, mut state) = sample();
        let mut nt = data.plan.rollouts[0].clone();
        nt.id = "nt4-sp6a".into();
        nt.product = "nt4".into();
        nt.target = 6;
        nt.bundle.clear();
        data.plan.rollouts.push(nt);
        state.progress.push(state.progress[0].clone());
        state.progress[1] = crate::rules::replay::State::new(&data).progress[1].clone();
        let i = state.server_index("BOS-IMS02").expect("server");
        let soak_before = state.progress[0].members[i].installed_at;
        apply(&data, &mut state, "op", Event::Backup { server: "BOS-IMS02".into(), note: String::new() });
        apply(
            &data,
            &mut state,
            "op",
            Event::Install { server: "BOS-IMS02".into(), product: "nt4".into(), level: 6, verified: None },
        );
        assert_eq!(state.progress[0].members[i].installed_at, soak_before, "the Exchange soak goes on");
        assert!(state.progress[1].members[i].installed_at.is_some(), "the NT soak starts");
        assert!(!state.backup_confirmed(i), "the backup was used by that install; the next needs its own");
    }
}
