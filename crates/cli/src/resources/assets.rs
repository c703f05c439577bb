//! `playtest tests asset put|list|delete`: the images a test's
//! `screen_similar` checks compare the screen with. The file's type is
//! told by its first bytes (PNG or JPEG), not by its name.

use std::path::Path;

use anyhow::Context;
use playtest_types::TestAsset;

use crate::config::AssetCommand;
use crate::output::{Fields, Table, print_json, size, time};

/// The largest asset the server takes.
const MAX_ASSET_BYTES: u64 = 10 * 1024 * 1024;

pub async fn run(command: AssetCommand) -> anyhow::Result<()> {
    match command {
        AssetCommand::Put(args) => {
            let (content_type, bytes) = read_image(&args.file)?;
            let stored = args
                .client
                .connect()?
                .put_test_asset(&args.test_id, &args.name, content_type, bytes)
                .await?;
            if args.client.json {
                return print_json(&stored.asset);
            }
            show(&stored.asset);
            let done = if stored.replaced {
                "replaced"
            } else {
                "uploaded"
            };
            eprintln!(
                "{done} asset {} of test {}",
                stored.asset.name, args.test_id
            );
        }
        AssetCommand::List(args) => {
            let assets = args
                .client
                .connect()?
                .list_test_assets(&args.test_id)
                .await?;
            if args.client.json {
                return print_json(&assets);
            }
            if assets.data.is_empty() {
                println!("test {} has no assets", args.test_id);
                return Ok(());
            }
            let mut table = Table::new(&["NAME", "TYPE", "SIZE", "SHA256", "UPLOADED"]);
            for asset in &assets.data {
                table.row(vec![
                    asset.name.clone(),
                    asset.content_type.clone(),
                    size(asset.size),
                    asset.sha256.chars().take(12).collect(),
                    time(asset.uploaded_at),
                ]);
            }
            table.print();
        }
        AssetCommand::Delete(args) => {
            args.client
                .connect()?
                .delete_test_asset(&args.test_id, &args.name)
                .await?;
            if !args.client.json {
                println!("deleted asset {} of test {}", args.name, args.test_id);
            }
        }
    }
    Ok(())
}

fn show(asset: &TestAsset) {
    let mut fields = Fields::new();
    fields
        .add("name", &asset.name)
        .add("type", &asset.content_type)
        .add("size", size(asset.size))
        .add("sha256", &asset.sha256)
        .add("uploaded", time(asset.uploaded_at));
    fields.print();
}

/// The file's bytes and its image type, or why it cannot be an asset.
fn read_image(path: &Path) -> anyhow::Result<(&'static str, Vec<u8>)> {
    let shown = path.display();
    let len = std::fs::metadata(path)
        .with_context(|| format!("cannot read {shown}"))?
        .len();
    anyhow::ensure!(
        len <= MAX_ASSET_BYTES,
        "{shown} is {}; an asset may be at most 10 MiB",
        size(len as i64)
    );
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}"))?;
    let content_type =
        image_type(&bytes).with_context(|| format!("{shown} is not a PNG or JPEG image"))?;
    Ok((content_type, bytes))
}

fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_told_by_the_first_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(b"\xff\xd8\xff\xe0rest"), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a"), None);
        assert_eq!(image_type(b""), None);
    }
}
