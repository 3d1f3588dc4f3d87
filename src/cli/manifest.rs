//! `sprout manifest NAME`: what a rebuild or replacement of a server must install, in order.

use std::io::Write;

use crate::rules::manifest;

use super::{Context, Format, Outcome, find_server, load};

pub fn run(ctx: &Context, name: &str, format: Format, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let loaded = load(ctx, err)?;
    let (_, server) = find_server(&loaded.state, name)?;
    let steps = manifest::manifest(&loaded.data.catalog, server);
    match format {
        Format::Json => writeln!(out, "{}", crate::safe::json(&steps)?)?,
        _ => out.write_all(manifest::to_text(server, &steps).as_bytes())?,
    }
    Ok(())
}
