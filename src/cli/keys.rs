//! `sprout key add|revoke`: an approver changes an operator's signing keys, as an event signed
//! with the approver's own trusted key, through the one write path.

use std::io::Write;

use crate::live::{self, WriteOptions};
use crate::model::Event;
use crate::store::Operator;

use super::args::Key;
use super::{Context, Failure, Outcome};

pub fn run(ctx: &Context, command: Key, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    if ctx.read_only {
        return Err(Failure(live::WriteError::ReadOnly.to_string()));
    }
    let event = match command {
        Key::Add { operator, file, note } => {
            let shown = file.display();
            let text = std::fs::read_to_string(&file).map_err(|e| Failure(format!("{shown}: {e}")))?;
            let key = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .ok_or_else(|| Failure(format!("{shown}: no public key in it (ssh-ed25519 AAAA...)")))?;
            ssh_key::PublicKey::from_openssh(key).map_err(|e| {
                Failure(format!("{shown}: not an SSH public key ({e}); give the .pub file, never the private key"))
            })?;
            Event::KeyAdded { operator, key: key.to_string(), note }
        }
        Key::Revoke { operator, fingerprint, reason } => Event::KeyRevoked { operator, fingerprint, reason },
    };
    let mut loaded = super::load(ctx, err)?;
    let options = WriteOptions { read_only: ctx.read_only, ..Default::default() };
    let recorded = live::record_in(
        &mut loaded,
        &Operator::current(),
        ctx.now,
        options,
        move |_, _, _| Ok(event),
        |holder| {
            let _ = writeln!(err, "waiting for the lock held by {holder} ...");
        },
    )
    .map_err(|e| Failure(e.to_string()))?;
    super::record::print(&recorded, out, err)?;
    writeln!(out, "it takes effect after event {}; sprout verify replays it", recorded.entry.seq)?;
    Ok(())
}
