//! `sprout manifest NAME`: what a rebuild or replacement of a server must install, in order.

use std::io::Write;

use crate::rules::manifest;

use super::{Context, Format, Outcome, find_server, load};

pub fn run(
    ctx: &Context,
    name: &str,
    against: Option<&str>,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let loaded = load(ctx, err)?;
    let (_, server) = find_server(&loaded.state, name)?;
    let steps = manifest::manifest(&loaded.data.catalog, server);
    if let Some(old) = against {
        let (_, old) = find_server(&loaded.state, old)?;
        let differences = manifest::differences(&loaded.data.catalog, server, old);
        #[derive(serde::Serialize)]
        struct Compared<'a> {
            version: u32,
            server: &'a str,
            against: &'a str,
            matches: bool,
            differences: &'a [String],
        }
        let compared = Compared {
            version: super::status::JSON_VERSION,
            server: &server.name,
            against: &old.name,
            matches: differences.is_empty(),
            differences: &differences,
        };
        match format {
            Format::Json => writeln!(out, "{}", crate::safe::json(&compared)?)?,
            _ => {
                out.write_all(manifest::to_text(server, &steps).as_bytes())?;
                out.write_all(manifest::to_text(old, &manifest::manifest(&loaded.data.catalog, old)).as_bytes())?;
                if differences.is_empty() {
                    writeln!(out, "{} matches {}", server.name, old.name)?;
                } else {
                    writeln!(out, "{} does not match {}:", server.name, old.name)?;
                    for d in &differences {
                        writeln!(out, "  - {d}")?;
                    }
                }
            }
        }
        return if differences.is_empty() {
            Ok(())
        } else {
            Err(super::Failure(format!("{} does not match {}", server.name, old.name)))
        };
    }
    #[derive(serde::Serialize)]
    struct Json<'a> {
        version: u32,
        server: &'a str,
        steps: &'a [manifest::Step],
    }
    match format {
        Format::Json => {
            let j = Json { version: super::status::JSON_VERSION, server: &server.name, steps: &steps };
            writeln!(out, "{}", crate::safe::json(&j)?)?
        }
        _ => out.write_all(manifest::to_text(server, &steps).as_bytes())?,
    }
    Ok(())
}
