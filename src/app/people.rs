//! Who else is here and following the driver: this dashboard's presence (what it announces),
//! the people list, and mirroring the view of the person followed. Presence is not data: none
//! of this touches the journal.

use chrono::{DateTime, Utc};

use crate::store::{Look, Presence};

use super::{App, Overlay, Page, Tab};

impl App {
    /// Where this dashboard is looking, in names another dashboard can find.
    pub fn look(&self) -> Look {
        let server = self.target_server().map(|i| self.live.state.servers[i].name.to_string());
        Look {
            view: self.tab.title().to_string(),
            server,
            filter: self.panes.get(self.tab).filter().unwrap_or_default().to_string(),
            rollout: self.rollout().map(|r| r.id.clone()),
            row: self.panes.get(self.tab).row(),
        }
    }

    /// This dashboard's presence, for `session`, beating at `now`.
    pub fn presence(&self, session: &str, now: DateTime<Utc>) -> Presence {
        let look = self.look();
        let mut looking_at = look.view.clone();
        if let (Tab::Server | Tab::Fleet | Tab::Rollout, Some(s)) = (self.tab, &look.server) {
            looking_at.push_str(&format!(" {s}"));
        }
        if !look.filter.is_empty() {
            looking_at.push_str(&format!(" /{}", look.filter));
        }
        Presence {
            session: session.to_string(),
            operator: self.operator.name.clone(),
            from: self.operator.from.clone(),
            read_only: self.read_only,
            looking_at,
            at: now,
            look,
            presenting: self.presenting,
            following: self.following.clone(),
        }
    }

    /// The people present now (this session among them); a followed driver's move is mirrored.
    pub fn set_people(&mut self, people: Vec<Presence>) {
        let first = self.people.is_empty() && !people.is_empty();
        self.people = people;
        if let Some(name) = self.following.clone() {
            match self.driver(&name).map(|p| p.look.clone()) {
                Some(look) => self.mirror(&look),
                None => {
                    self.following = None;
                    self.followed = Some(name.clone());
                    self.say(false, format!("{name} is no longer here: not following anyone"));
                }
            }
        } else if first && let Some(p) = self.presenter() {
            // A new dashboard offers to follow whoever presents.
            let name = p.operator.clone();
            self.say(true, format!("{name} is presenting: press f to follow"));
        }
    }

    /// In a meeting this operator drives, minute who came and who left since the last look
    /// (presence files vanish; the minutes must not). Only the driver's dashboard does, so a
    /// room full of dashboards records each join once.
    pub fn minute_presence(&mut self) {
        let Some(m) = &self.live.state.meeting else { return };
        if self.read_only || m.driver != self.operator.name {
            return;
        }
        let options = crate::live::WriteOptions::default();
        let operator = self.operator.clone();
        let settle = self.settle;
        let mut attendance = std::mem::take(&mut self.attendance);
        let result = crate::live::meeting::follow_presence(
            &mut self.live,
            &operator,
            self.now,
            options,
            &mut attendance,
            settle,
            |_| {},
        );
        self.attendance = attendance;
        match result {
            Ok(recorded) if recorded.is_empty() => {}
            Ok(recorded) => {
                let words: Vec<String> = recorded.iter().map(|r| crate::describe::event(&r.entry.event)).collect();
                self.after_write(recorded.first().and_then(|r| r.first_new));
                self.seen_events = self.live.data.journal.len();
                self.say(true, format!("✓ minuted: {}", words.join("; ")));
            }
            Err(e) => self.say(false, format!("✗ could not minute who came or left: {e}")),
        }
    }

    /// Someone else presenting, if anyone.
    fn presenter(&self) -> Option<&Presence> {
        self.people.iter().find(|p| p.presenting && Some(&p.session) != self.session.as_ref())
    }

    /// The session of `name` to mirror: the one presenting, else the latest heartbeat.
    fn driver(&self, name: &str) -> Option<&Presence> {
        let theirs = || self.people.iter().filter(|p| p.operator == name && Some(&p.session) != self.session.as_ref());
        theirs().find(|p| p.presenting).or_else(|| theirs().max_by_key(|p| p.at))
    }

    /// Follow `name`: mirror their view, server, filter and rollout as they change.
    pub fn follow(&mut self, name: &str) {
        match self.driver(name).map(|p| p.look.clone()) {
            Some(look) => {
                self.following = Some(name.to_string());
                self.followed = Some(name.to_string());
                self.mirror(&look);
                self.say(true, format!("following {name}; any key of your own stops, f follows again"));
            }
            None => self.say(false, format!("{name} is not here (p lists who is)")),
        }
    }

    /// Stop following (a key of one's own was pressed).
    pub fn unfollow(&mut self) {
        if let Some(name) = self.following.take() {
            self.say(true, format!("stopped following {name}; f follows again"));
        }
    }

    /// `f`: stop following, or follow again whom we followed, or whoever presents, or ask whom.
    pub fn toggle_follow(&mut self) {
        if self.following.is_some() {
            return self.unfollow();
        }
        let here = |name: &String| self.driver(name).is_some();
        let again = self.followed.clone().filter(here);
        let presenter = self.presenter().map(|p| p.operator.clone());
        match again.or(presenter) {
            Some(name) => self.follow(&name),
            None => {
                self.overlay = Some(Overlay::Page { page: Page::People, scroll: 0 });
                self.say(true, "whom to follow? press the number beside them");
            }
        }
    }

    /// `P`: ask the room to follow this session, or stop. In an open meeting someone else
    /// drives, presenting takes the driver's role over, and the journal records the handover.
    pub fn toggle_presenting(&mut self) {
        if !self.presenting
            && !self.read_only
            && let Some(m) = &self.live.state.meeting
            && m.driver != self.operator.name
        {
            let (started, from) = (m.seq, m.driver.clone());
            let event = crate::model::Event::MeetingDriver { started };
            let operator = self.operator.clone();
            let options = crate::live::WriteOptions::default();
            let make = |_: &crate::model::Data, _: &crate::rules::State, _: &str| Ok(event.clone());
            match crate::live::record_in(&mut self.live, &operator, self.now, options, make, |_| {}) {
                Ok(recorded) => {
                    self.after_write(recorded.first_new);
                    self.seen_events = self.live.data.journal.len();
                    self.say(
                        true,
                        format!("✓ recorded #{}: you drive the meeting now (from {from})", recorded.entry.seq),
                    );
                }
                Err(e) => return self.say(false, format!("✗ {e}")),
            }
        }
        self.presenting = !self.presenting;
        if self.presenting && self.notice.as_ref().is_some_and(|n| n.text.contains("you drive")) {
            return;
        }
        self.say(
            true,
            if self.presenting {
                "presenting: new dashboards offer to follow you (P stops)"
            } else {
                "no longer presenting"
            },
        );
    }

    /// The other people, numbered as the people page shows them (1 first).
    pub fn others(&self) -> Vec<&Presence> {
        self.people.iter().filter(|p| Some(&p.session) != self.session.as_ref()).collect()
    }

    /// Show what the followed driver shows, as far as this dashboard has the same things.
    fn mirror(&mut self, look: &Look) {
        if let Some(id) = &look.rollout
            && self.rollout().is_none_or(|r| &r.id != id)
            && let Ok(r) = crate::rules::lookup::rollout_index(&self.live.data, id)
        {
            self.rollout = Some(r);
            self.derive();
        }
        if let Some(tab) = Tab::from_name(&look.view) {
            self.set_tab(tab);
        }
        if self.panes.get(self.tab).filter().is_some_and(|f| f != look.filter) {
            let filter = look.filter.clone();
            self.with_pane(self.tab, |pane, snap| pane.set_filter(filter, snap));
        }
        if let Some(i) = look.server.as_deref().and_then(|s| self.live.state.server_index(s)) {
            self.selected = Some(i);
            for &tab in Tab::ALL {
                self.panes.get_mut(tab).select(i);
            }
        }
        if let Some(row) = look.row {
            self.panes.get_mut(self.tab).set_row(row);
        }
    }
}

/// This dashboard's presence in the store: announced when what it shows changes and every
/// `BEAT` otherwise, withdrawn on exit. A watcher that is read-only still announces (presence
/// is not data); `--no-presence` keeps a dashboard out of the list.
pub struct Announcer {
    store: std::sync::Arc<dyn crate::store::Store>,
    pub session: String,
    last: Option<(Presence, std::time::Instant)>,
    /// The last announcement was refused (and said so).
    refused: bool,
}

impl Announcer {
    /// A heartbeat well inside `Presence::STALE`.
    pub const BEAT: std::time::Duration = std::time::Duration::from_secs(10);

    pub fn new(store: std::sync::Arc<dyn crate::store::Store>) -> Announcer {
        // Host, process and start time: one session per running dashboard.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "host".into());
        let session = format!(
            "{}-{}-{}",
            host.trim(),
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
        );
        Announcer { store, session, last: None, refused: false }
    }

    /// Announce `app`'s presence if it changed or the beat is due. A refusal is told once (the
    /// first, and again after announcing worked in between), never at every beat.
    pub fn beat(&mut self, app: &mut App, now: DateTime<Utc>) {
        let mut p = app.presence(&self.session, now);
        if let Some((last, when)) = &self.last {
            p.at = last.at;
            if *last == p && when.elapsed() < Self::BEAT {
                return;
            }
            p.at = now;
        }
        match self.store.announce(&p) {
            Ok(()) => self.refused = false,
            Err(e) if !self.refused => {
                self.refused = true;
                app.say(false, format!("{e}; the others do not see you in the people list"));
            }
            Err(_) => {}
        }
        self.last = Some((p, std::time::Instant::now()));
    }

    pub fn withdraw(&self) {
        self.store.withdraw(&self.session);
    }
}
