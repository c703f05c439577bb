//! Writes `reference/nunu-openapi.json` anew from the reference document
//! beside the repository (`../shared/reference/nunu-openapi.json`, or the
//! path given), without its prose.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::env::args().nth(1).map_or_else(
        || crate_dir.join("../../../shared/reference/nunu-openapi.json"),
        PathBuf::from,
    );
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&source)?)?;
    let copy = playtest_contract::prose::without_prose(&reference);
    let target = crate_dir.join("reference/nunu-openapi.json");
    std::fs::write(&target, serde_json::to_string_pretty(&copy)? + "\n")?;
    println!("wrote {} from {}", target.display(), source.display());
    Ok(())
}
