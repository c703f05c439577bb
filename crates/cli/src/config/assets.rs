//! The flags of `playtest tests asset`: upload, list and delete the images
//! a test's `screen_similar` checks compare the screen with.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ClientArgs;

#[derive(Debug, Subcommand)]
pub enum AssetCommand {
    /// Upload an image (PNG or JPEG, at most 10 MiB) as a test's asset, replacing one of that name
    Put(PutAssetArgs),
    /// List a test's assets
    List(TestIdArgs),
    /// Delete a test's asset
    Delete(AssetNameArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PutAssetArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    /// The name checks refer to it by (screen_similar.asset), like menu.png
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The image file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TestIdArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AssetNameArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub client: ClientArgs,
}
