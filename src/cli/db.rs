//! `sprout db`: the PostgreSQL store's schema and moving a rollout between the two stores.

use std::io::Write;

use crate::store::pg::{conn, schema, transfer};

use super::args::Db;
use super::{Failure, Outcome};

pub fn run(db: Db, out: &mut dyn Write) -> Outcome {
    match db {
        Db::Migrate { url } => {
            let shown = conn::redact(&url);
            let mut client = conn::connect(&url)?;
            let applied = schema::migrate(&mut client).map_err(|e| {
                Failure(format!("{shown}: migration failed: {}; nothing of it was applied", conn::describe(&e)))
            })?;
            if applied.is_empty() {
                writeln!(out, "{shown}: schema already at version {}", schema::latest())?;
            } else {
                let list: Vec<String> = applied.iter().map(i32::to_string).collect();
                writeln!(
                    out,
                    "{shown}: applied migration(s) {}; schema at version {}",
                    list.join(", "),
                    schema::latest()
                )?;
                writeln!(
                    out,
                    "operators: CREATE ROLE alice LOGIN IN ROLE {}; (one role per person, none owning the tables)",
                    schema::OPERATOR_ROLE
                )?;
            }
            Ok(())
        }
        Db::Import { dir, url } => {
            let moved = transfer::import(&dir, &url)?;
            writeln!(
                out,
                "imported {} into {}: {} baseline document(s), {} event(s), chain verified",
                dir.display(),
                conn::redact(&url),
                moved.documents,
                moved.events
            )?;
            Ok(())
        }
        Db::Export { url, dir } => {
            let moved = transfer::export(&url, &dir)?;
            writeln!(
                out,
                "exported {} to {}: {} baseline document(s), {} event(s), chain verified",
                conn::redact(&url),
                dir.display(),
                moved.documents,
                moved.events
            )?;
            Ok(())
        }
    }
}
