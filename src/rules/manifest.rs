//! The rebuild manifest (seed: SP_HF.BAT): what a replacement server must install to match.

use serde::Serialize;

use crate::model::{Catalog, Server};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    ServicePack { product: String, product_name: String, level: u8, name: String },
    HotFix { product: String, id: String, title: String },
}

impl Step {
    pub fn line(&self) -> String {
        match self {
            Step::ServicePack { product_name, name, .. } => format!("{product_name} {name}"),
            Step::HotFix { id, title, .. } => format!("hot fix {id}: {title}"),
        }
    }
}

/// Products in prerequisite order (a product whose packs require another comes after it),
/// each with its service pack, then every installed hot fix its pack does not supersede.
pub fn manifest(catalog: &Catalog, server: &Server) -> Vec<Step> {
    let mut order: Vec<&str> = Vec::new();
    let mut pending: Vec<&str> = server.products.keys().collect();
    // Products whose requirements are placed go next; a cycle falls back to name order.
    while !pending.is_empty() {
        let ready = pending.iter().position(|id| {
            requirements(catalog, id, server.products.get(id).copied().unwrap_or(0))
                .iter()
                .all(|req| !pending.contains(&req.as_str()) || req == id)
        });
        order.push(pending.remove(ready.unwrap_or(0)));
    }
    let mut steps = Vec::new();
    for id in order {
        let level = server.products.get(id).copied().unwrap_or(0);
        let Some(product) = catalog.product(id) else {
            continue;
        };
        if level > 0 {
            steps.push(Step::ServicePack {
                product: id.to_string(),
                product_name: product.name.clone(),
                level,
                name: product.level_name(level),
            });
        }
        for fix_id in &server.hot_fixes {
            let Some(fix) = product.hot_fixes.iter().find(|f| f.id == fix_id) else {
                continue;
            };
            if product.superseded_by(fix).is_some_and(|sp| sp.level <= level) {
                continue;
            }
            steps.push(Step::HotFix { product: id.to_string(), id: fix.id.clone(), title: fix.title.clone() });
        }
    }
    steps
}

fn requirements<'a>(catalog: &'a Catalog, product: &str, level: u8) -> Vec<&'a String> {
    catalog
        .product(product)
        .map(|p| {
            p.service_packs
                .iter()
                .filter(|sp| sp.level <= level)
                .flat_map(|sp| sp.requires.iter().map(|r| &r.product))
                .collect()
        })
        .unwrap_or_default()
}

/// How `new`'s manifest differs from `old`'s, the server it replaces: what it still lacks, what
/// it has that the old one did not, and whether the order differs. Empty when they match.
pub fn differences(catalog: &Catalog, new: &Server, old: &Server) -> Vec<String> {
    let (a, b) = (manifest(catalog, new), manifest(catalog, old));
    let mut out: Vec<String> = b.iter().filter(|s| !a.contains(s)).map(|s| format!("lacks {}", s.line())).collect();
    out.extend(a.iter().filter(|s| !b.contains(s)).map(|s| format!("has {} that {} had not", s.line(), old.name)));
    if out.is_empty() && a != b {
        out.push("the same steps in another order".into());
    }
    out
}

/// The text form, one numbered line a step, for `sprout manifest` and export.
pub fn to_text(server: &Server, steps: &[Step]) -> String {
    let mut out = format!("Rebuild manifest for {}\n", server.name);
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("{:>2}. {}\n", i + 1, s.line()));
    }
    out
}
