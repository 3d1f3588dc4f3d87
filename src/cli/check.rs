//! `sprout check`: every problem in the data, each located.

use std::io::Write;

use serde::Serialize;

use crate::live;

use super::{Context, Failure, Format, Outcome};

/// One problem as JSON: where (file, line, column) and what.
#[derive(Serialize)]
struct Problem<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

/// "path:12:5: message" taken apart (the path may hold colons; line and column are numbers).
fn parts(problem: &str) -> Problem<'_> {
    let Some((at, message)) = problem.split_once(": ") else {
        return Problem { file: "", line: None, column: None, message: problem };
    };
    let mut it = at.rsplitn(3, ':');
    let (c, l, f) = (it.next(), it.next(), it.next());
    match (f, l.and_then(|l| l.parse().ok()), c.and_then(|c| c.parse().ok())) {
        (Some(f), Some(l), Some(c)) => Problem { file: f, line: Some(l), column: Some(c), message },
        _ => Problem { file: at, line: None, column: None, message },
    }
}

pub fn run(ctx: &Context, format: Format, out: &mut dyn Write) -> Outcome {
    let result = live::check(&ctx.store(), ctx.now);
    if let Format::Json = format {
        #[derive(Serialize)]
        struct Json<'a> {
            version: u32,
            data: String,
            ok: bool,
            problems: Vec<Problem<'a>>,
        }
        let problems: Vec<String> = result.as_ref().err().cloned().unwrap_or_default();
        let j = Json {
            version: super::status::JSON_VERSION,
            data: ctx.store().place(),
            ok: problems.is_empty(),
            problems: problems.iter().map(|p| parts(p)).collect(),
        };
        writeln!(out, "{}", crate::safe::json(&j)?)?;
        return if j.ok { Ok(()) } else { Err(Failure(format!("{} problem(s) found", problems.len()))) };
    }
    match result {
        Ok(loaded) => {
            let d = &loaded.data;
            writeln!(
                out,
                "{}: ok: {} products, {} servers, {} rollouts, {} journal events",
                loaded.place(),
                d.catalog.products.len(),
                d.fleet.servers.len(),
                d.plan.rollouts.len(),
                d.journal.len()
            )?;
            for w in loaded.warnings() {
                writeln!(out, "{w}")?;
            }
            Ok(())
        }
        Err(problems) => {
            let n = problems.len();
            Err(Failure(format!("{}\n{n} problem{} found", problems.join("\n"), if n == 1 { "" } else { "s" })))
        }
    }
}
