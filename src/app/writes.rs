//! Opening a record form and saving it through the one write path.

use crate::live::{self, WriteOptions};
use crate::model::CheckoutResult;
use crate::rules::meeting::MeetingIntent;
use crate::rules::{Intent, Refusal};

use super::{App, Field, Form, Overlay, Write};

impl App {
    fn refuse(&mut self, text: impl Into<String>) {
        self.say(false, text);
    }

    /// Open the form for `write`, with the target server preselected.
    pub fn open_form(&mut self, write: Write) {
        if self.read_only {
            return self.refuse("read-only: nothing can be recorded here");
        }
        let Some(ro) = self.rollout().cloned() else {
            return self.refuse("no rollout in rollout.ron");
        };
        let server = self.target_server().map(|i| self.live.state.servers[i].name.clone());
        let fixed = |value: &str| Field::Fixed { label: "server", value: value.to_string() };
        let target = self
            .live
            .data
            .catalog
            .product(&ro.product)
            .map_or(String::new(), |p| format!("{} {}", p.name, p.level_name(ro.target)));
        let needs_server = !matches!(
            write,
            Write::SignOff | Write::Extend | Write::Advance | Write::Confirm | Write::Withdraw | Write::Meeting
        );
        let name = match (&server, needs_server) {
            (Some(s), _) => s.to_string(),
            (None, true) if self.tab == crate::app::Tab::Rollout => {
                return self.refuse("select a member first: ←/→ to the members' panel, then the cursor onto one");
            }
            (None, true) => return self.refuse("select a server first (move the cursor onto a server row)"),
            (None, false) => String::new(),
        };
        let current = self.view.rollout.as_ref().and_then(|v| v.current);
        let phase_label =
            current.map_or("no phase open".to_string(), |c| format!("phase {} ({})", c + 1, ro.phases[c].name));
        let form = match write {
            Write::Checkout => Form::new(
                write,
                format!("Record a checkout of {name}"),
                vec![
                    fixed(&name),
                    // The phase it was shown in: a server moved meanwhile is refused, not recorded
                    // against a phase the person never saw.
                    Field::Fixed { label: "phase", value: self.member_phase(&ro, &name).unwrap_or_default() },
                    Field::Choice {
                        label: "result",
                        options: vec!["Pass".into(), "Concern".into(), "Fail".into()],
                        selected: 0,
                    },
                    Field::text("note", false),
                ],
            ),
            Write::Install => Form::new(
                write,
                format!("Record an install of {target} on {name}"),
                vec![fixed(&name), Field::text("winver", false)],
            )
            .with_context(vec!["Leave winver empty if the install is not verified yet.".into()]),
            Write::Verify => {
                Form::new(write, format!("Verify {target} on {name}"), vec![fixed(&name), Field::text("winver", true)])
            }
            Write::Backup => Form::new(
                write,
                format!("Confirm a full backup of {name}"),
                vec![fixed(&name), Field::text("note", false)],
            ),
            Write::Exclude => Form::new(
                write,
                format!("Exclude {name} from {}", ro.id),
                vec![fixed(&name), Field::text("reason", true)],
            ),
            Write::BackOut => Form::new(
                write,
                format!("Back out {} on {name}", ro.product),
                vec![fixed(&name), Field::text("reason", true)],
            )
            .with_context(vec![self.backout_levels(&ro, &name)]),
            Write::SignOff => {
                let (Some(c), Some(v)) = (current, self.view.rollout.as_ref()) else {
                    return self.refuse("no phase is open to sign off");
                };
                let signed = &self.live.state.progress[v.rollout].signoffs[c];
                let owed: Vec<String> =
                    ro.phases[c].signoffs.iter().filter(|g| !signed.iter().any(|s| &s.group == *g)).cloned().collect();
                if owed.is_empty() {
                    return self.refuse(format!("no sign-off is owed for {phase_label}"));
                }
                Form::new(
                    write,
                    format!("Sign off {phase_label}"),
                    vec![
                        Field::Fixed { label: "phase", value: ro.phases[c].name.clone() },
                        Field::Choice { label: "group", options: owed, selected: 0 },
                        Field::text("note", false),
                    ],
                )
            }
            Write::Extend => {
                let Some(c) = current else { return self.refuse("no phase is open to extend") };
                Form::new(
                    write,
                    format!("Extend the soak of {phase_label}"),
                    vec![
                        Field::Fixed { label: "phase", value: ro.phases[c].name.clone() },
                        Field::text("days", true),
                        Field::text("reason", true),
                    ],
                )
            }
            Write::Advance => {
                let unmet = self.view.rollout.as_ref().map(|v| v.unmet()).unwrap_or_default();
                // A halt is said before anything else: opening past it is what is asked.
                let halted =
                    self.view.rollout.as_ref().and_then(|v| v.halted.clone()).map(|why| format!("! HALTED: {why}"));
                let next = current.map_or(0, |c| c + 1);
                let Some(phase) = ro.phases.get(next) else {
                    return self.refuse(format!("{} is in its last phase; there is no phase to open", ro.id));
                };
                let title = format!("Open phase {} ({})", next + 1, phase.name);
                // The form names the phase it showed, so a phase opened meanwhile is not skipped.
                let shown = Field::Fixed { label: "phase", value: phase.name.clone() };
                if unmet.is_empty() {
                    let mut context: Vec<String> = halted.into_iter().collect();
                    context.push("Every gate is met. Enter opens the phase, esc cancels.".into());
                    Form::new(write, title, vec![shown]).with_context(context)
                } else {
                    let mut context: Vec<String> = halted.into_iter().collect();
                    context.push(format!("OVERRIDE: {} unmet gate item(s) will be overridden:", unmet.len()));
                    context.extend(unmet.iter().map(|u| format!("  ✗ {u}")));
                    let mut fields = vec![shown, Field::text("override reason", true)];
                    match &self.live.data.team {
                        None => fields.push(Field::text("approver", true)),
                        Some(_) => context.push(format!(
                            "With team.ron this ASKS for the override: {} approver(s) other than you ({}) must confirm it.",
                            phase.approvers.max(1),
                            self.operator.name
                        )),
                    }
                    let title = if self.live.data.team.is_some() {
                        format!("Ask to open phase {} ({}) by override", next + 1, phase.name)
                    } else {
                        title
                    };
                    Form::new(write, title, fields).with_context(context)
                }
            }
            Write::Meeting => self.meeting_form(),
            Write::Confirm | Write::Withdraw => match self.request_form(write, &ro) {
                Ok(form) => form,
                Err(why) => return self.refuse(why),
            },
        };
        // Refuse before the form, not after: what the write path would refuse whatever is typed
        // (a sign-off of a phase you checked out, a record only an approver may make) says why.
        let probe = intent(&form, &[]).and_then(|i| i.event(&self.live.data, &self.live.state, Some(&ro.id), self.now));
        if let Ok(event) = probe
            && let Err(why) =
                crate::rules::authority::check(&self.live.data, &self.live.state, &event, &self.operator.name)
        {
            return self.refuse(format!("✗ {why}"));
        }
        self.overlay = Some(Overlay::Form(form));
    }

    /// Start a review meeting (with a title), or end the one open: who is present at that
    /// moment is recorded as its attendees.
    fn meeting_form(&self) -> Form {
        let here: Vec<String> =
            live::meeting::present(&self.live, &self.operator, self.now).into_iter().map(|a| a.operator).collect();
        let here = format!("Present now: {}.", here.join(", "));
        match &self.live.state.meeting {
            None => Form::new(
                Write::Meeting,
                "Start a review meeting",
                vec![Field::Fixed { label: "meeting", value: "start".into() }, Field::text("title", false)],
            )
            .with_context(vec![
                here,
                "They are its attendees; joins and leaves are recorded while it runs, from your dashboard.".into(),
                "Enter starts it; M again ends it; `sprout minutes` writes its minutes.".into(),
            ]),
            Some(m) => Form::new(
                Write::Meeting,
                format!("End meeting #{} {}", m.seq, m.title),
                vec![Field::Fixed { label: "meeting", value: "end".into() }],
            )
            .with_context(vec![
                format!("Started by {} at {}.", m.by, m.at.format("%Y-%m-%d %H:%M UTC")),
                here,
                "Enter, then y, ends it; `sprout minutes` writes its minutes.".into(),
            ]),
        }
    }

    /// What a back-out of `server` would do, level by level, as the write path would record it.
    fn backout_levels(&self, ro: &crate::model::Rollout, server: &str) -> String {
        let intent = Intent::BackOut { server: server.to_string(), product: None, reason: String::new() };
        let event = intent.event(&self.live.data, &self.live.state, Some(&ro.id), self.now);
        let installed = self
            .live
            .state
            .server_index(server)
            .and_then(|i| self.live.state.servers[i].products.get(&ro.product).copied());
        match (event, self.live.data.catalog.product(&ro.product), installed) {
            (Ok(crate::model::Event::BackedOut { to_level, .. }), Some(p), Some(now)) => format!(
                "{server} returns from {} {} to {} and the phase halts.",
                p.name,
                p.level_name(now),
                p.level_name(to_level)
            ),
            _ => "The server returns to its previous level and the phase halts.".into(),
        }
    }

    /// The name of the phase `server` is a member of now, if any.
    fn member_phase(&self, ro: &crate::model::Rollout, server: &str) -> Option<String> {
        let r = self.view.rollout.as_ref()?.rollout;
        let i = self.live.state.server_index(server)?;
        let (_, _, phase) =
            crate::rules::view::placement(ro, &self.live.state.progress[r].members[i], &self.live.state.servers[i]);
        phase.map(|p| ro.phases[p].name.clone())
    }

    /// The form to confirm or withdraw a pending override request, or why there is none:
    /// what the write path would certainly refuse is said before the form opens.
    fn request_form(&self, write: Write, ro: &crate::model::Rollout) -> Result<Form, String> {
        let r = self.view.rollout.as_ref().map(|v| v.rollout).ok_or("no rollout is selected")?;
        let requests = &self.live.state.progress[r].requests;
        if requests.is_empty() {
            return Err("no override request is pending".into());
        }
        let me = &self.operator.name;
        let team = self.live.data.team.as_ref();
        let mine: Vec<&crate::rules::replay::Request> = requests
            .iter()
            .filter(|q| match write {
                Write::Confirm => team.is_some_and(|t| crate::rules::approval::may_confirm(t, q, me).is_ok()),
                _ => &q.by == me || team.is_some_and(|t| t.may_approve(me)),
            })
            .collect();
        let Some(first) = mine.first() else {
            return Err(match (write, team) {
                (Write::Confirm, Some(t)) => crate::rules::approval::may_confirm(t, &requests[0], me)
                    .err()
                    .map_or_else(|| "no request is yours to confirm".to_string(), |e| e.0),
                (Write::Confirm, None) => "without team.ron there is nothing to confirm".to_string(),
                _ => format!("only whoever asked, or an approver, may withdraw request #{}", requests[0].seq),
            });
        };
        let options: Vec<String> = mine.iter().map(|q| format!("#{}", q.seq)).collect();
        let mut context: Vec<String> = mine.iter().map(|q| crate::describe::request(&self.live.data, ro, q)).collect();
        if let crate::model::Asked::Open { overridden, .. } = &first.asked {
            context.push(format!("It overrides {} unmet gate item(s):", overridden.len()));
            context.extend(overridden.iter().map(|u| format!("  ✗ {u}")));
        }
        let request = Field::Choice { label: "request", options, selected: 0 };
        Ok(match write {
            Write::Confirm => {
                context.push("Enter confirms it under your name; esc cancels.".into());
                Form::new(write, "Confirm an override request", vec![request]).with_context(context)
            }
            _ => Form::new(write, "Withdraw an override request", vec![request, Field::text("reason", true)])
                .with_context(context),
        })
    }

    /// Save a form: the event is built and checked against the latest state under the lock.
    pub fn save(&mut self, form: Form) {
        let Some(ro) = self.rollout().map(|r| r.id.clone()) else { return };
        let now = self.now;
        // A meeting's attendees are who is present when it is saved, after the confirmation.
        let attendees = match form.write {
            Write::Meeting => live::meeting::present(&self.live, &self.operator, now),
            _ => Vec::new(),
        };
        let make = |data: &crate::model::Data, state: &crate::rules::State, _: &str| {
            intent(&form, &attendees)?.event(data, state, Some(&ro), now)
        };
        let options = WriteOptions { read_only: self.read_only, ..Default::default() };
        let mut waited = None;
        let operator = self.operator.clone();
        let (epoch, seen) = (self.live.epoch, self.live.data.journal.len());
        match live::record_in(&mut self.live, &operator, now, options, make, |holder| waited = Some(holder.to_string()))
        {
            Ok(recorded) => {
                let mut text =
                    format!("✓ recorded #{}: {}", recorded.entry.seq, crate::describe::event(&recorded.entry.event));
                if let Some(effect) = &recorded.effect {
                    text.push_str(&format!("; {effect}"));
                }
                if let Some(holder) = waited {
                    text.push_str(&format!(" (waited for the lock held by {holder})"));
                }
                for w in &recorded.warnings {
                    text.push_str(&format!(" ({w})"));
                }
                self.say(true, text);
                // The write path left `live` at the journal's end, this event applied.
                self.after_write(recorded.first_new);
                self.seen_events = self.live.data.journal.len();
                self.changed.clear();
            }
            Err(e) => {
                // The refusal may come from a state newer than the one on screen: show it.
                self.after_write((self.live.epoch == epoch).then_some(seen));
                self.refuse(format!("✗ {e}"));
                // The form stays, with what was typed and why it was refused.
                let mut form = form;
                form.problem = Some(e.to_string());
                form.confirm = None;
                self.overlay = Some(Overlay::Form(form));
            }
        }
    }
}

/// What a saved form means. The form names the phase it showed: a sign-off, extension or
/// opening never lands on a phase another operator opened meanwhile.
fn intent(form: &Form, attendees: &[crate::model::Attendee]) -> Result<Intent, Refusal> {
    let optional = |s: String| (!s.is_empty()).then_some(s);
    let server = form.value("server");
    let phase = Some(form.value("phase"));
    Ok(match form.write {
        Write::Checkout => {
            let result = match form.value("result").as_str() {
                "Fail" => CheckoutResult::Fail,
                "Concern" => CheckoutResult::Concern,
                _ => CheckoutResult::Pass,
            };
            Intent::Checkout { server, phase: optional(form.value("phase")), result, note: form.value("note") }
        }
        Write::Install => {
            Intent::Install { server, product: None, level: None, verified: optional(form.value("winver")) }
        }
        Write::Verify => Intent::Verify { server, product: None, level: None, winver: form.value("winver") },
        Write::Backup => Intent::Backup { server, note: form.value("note") },
        Write::Exclude => Intent::Exclude { server, reason: form.value("reason") },
        Write::BackOut => Intent::BackOut { server, product: None, reason: form.value("reason") },
        Write::SignOff => Intent::SignOff { group: form.value("group"), phase, note: form.value("note") },
        Write::Extend => {
            let days = form
                .value("days")
                .parse::<u32>()
                .map_err(|_| Refusal(format!("days must be a whole number, not '{}'", form.value("days"))))?;
            Intent::Extend { phase, days, reason: form.value("reason") }
        }
        Write::Advance => Intent::Advance {
            phase,
            override_reason: optional(form.value("override reason")),
            approver: optional(form.value("approver")),
        },
        Write::Confirm => Intent::Confirm { request: request_number(form) },
        Write::Withdraw => Intent::Withdraw { request: request_number(form), reason: form.value("reason") },
        Write::Meeting => Intent::Meeting(match form.value("meeting").as_str() {
            "end" => MeetingIntent::End { attendees: attendees.to_vec() },
            _ => MeetingIntent::Start { title: form.value("title"), attendees: attendees.to_vec() },
        }),
    })
}

/// The request a form shows ("#57"): the one it was opened on, never another one.
fn request_number(form: &Form) -> Option<u64> {
    form.value("request").trim_start_matches('#').parse().ok()
}
