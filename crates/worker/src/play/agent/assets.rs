//! The test's reference images (`screen_similar` checks): fetched from
//! their signed URLs, checked against their SHA-256, decoded to RGB.

use playtest_agent::{References, reference_image};
use playtest_client::WorkerClient;
use playtest_types::AssignedAsset;
use sha2::{Digest, Sha256};

/// Every asset of the job, by name; the first one that cannot be had is
/// the error, saying which.
pub async fn fetch_references(
    client: &WorkerClient,
    assets: &[AssignedAsset],
) -> Result<References, String> {
    let mut references = References::new();
    for asset in assets {
        let bytes = download(client, &asset.download_url)
            .await
            .map_err(|err| format!("could not fetch the test's image {}: {err}", asset.name))?;
        let digest = hex::encode(Sha256::digest(&bytes));
        if !asset.sha256.is_empty() && digest != asset.sha256 {
            return Err(format!(
                "the test's image {} arrived altered (SHA-256 {digest}, expected {})",
                asset.name, asset.sha256
            ));
        }
        let frame = decode(&bytes)
            .map_err(|err| format!("the test's image {} cannot be read: {err}", asset.name))?;
        references.insert(asset.name.clone(), frame);
    }
    Ok(references)
}

/// Largest reference image taken (the server refuses larger uploads).
const MAX_ASSET_BYTES: usize = 10 << 20;

async fn download(client: &WorkerClient, url: &str) -> Result<Vec<u8>, String> {
    let url = url::Url::parse(url).map_err(|err| err.to_string())?;
    let mut download = client
        .storage()
        .download(&url)
        .await
        .map_err(|err| err.to_string())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = download.chunk().await.map_err(|err| err.to_string())? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_ASSET_BYTES {
            return Err(format!("larger than {} MiB", MAX_ASSET_BYTES >> 20));
        }
    }
    Ok(bytes)
}

fn decode(bytes: &[u8]) -> Result<playtest_agent::Frame, String> {
    let image = image::load_from_memory(bytes).map_err(|err| err.to_string())?;
    let rgb = image.to_rgb8();
    let (width, height) = rgb.dimensions();
    reference_image(width, height, rgb.into_raw()).map_err(|err| err.to_string())
}
