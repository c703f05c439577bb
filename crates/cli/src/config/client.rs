//! What every client command shares: how it reaches the server and prints
//! ([`ClientArgs`]), which page of a list to show, the id it acts on, the
//! JSON document it sends, and build platforms by their wire names.

use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use playtest_client::Client;
use playtest_types::BuildPlatform;
use playtest_types::Secret;

/// How client commands reach the server, and how they print.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// URL of the playtest server
    #[arg(
        long,
        env = "PLAYTEST_API_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub api_url: String,
    /// API key (prefer the environment variable: flags show up in process lists)
    #[arg(long, env = "PLAYTEST_API_KEY", value_name = "KEY", hide_env_values = true, value_parser = parse_secret)]
    pub api_key: Option<Secret>,
    /// Print the API's JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

impl ClientArgs {
    /// The API client these flags describe.
    pub fn connect(&self) -> anyhow::Result<Client> {
        Ok(Client::new(&self.api_url, self.api_key.clone())?)
    }
}

fn parse_secret(given: &str) -> Result<Secret, String> {
    Ok(Secret::new(given.trim()))
}

/// Platforms by their wire names, for `--platform`.
const PLATFORMS: [BuildPlatform; 9] = [
    BuildPlatform::Windows,
    BuildPlatform::Macos,
    BuildPlatform::Linux,
    BuildPlatform::Android,
    BuildPlatform::IosNative,
    BuildPlatform::IosSimulator,
    BuildPlatform::Xbox,
    BuildPlatform::Playstation,
    BuildPlatform::Web,
];

/// `--platform`: a build platform by its wire name.
pub(super) fn platform_parser() -> impl TypedValueParser<Value = BuildPlatform> {
    PossibleValuesParser::new(PLATFORMS.map(BuildPlatform::as_str)).map(|name| {
        PLATFORMS
            .into_iter()
            .find(|platform| platform.as_str() == name)
            .expect("the parser only lets known names through")
    })
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub paging: PageArgs,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Which page of a list to show; every list command takes these.
#[derive(Debug, Clone, Args)]
pub struct PageArgs {
    /// Page to show, from 0
    #[arg(long)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100
    #[arg(long)]
    pub page_size: Option<i64>,
}

impl PageArgs {
    pub fn query(&self) -> playtest_types::PageQuery {
        playtest_types::PageQuery {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct IdArgs {
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// A JSON document to read: a file, or standard input for `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

pub(super) fn parse_input(given: &str) -> Result<Input, String> {
    Ok(if given == "-" {
        Input::Stdin
    } else {
        Input::File(PathBuf::from(given))
    })
}

#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// The JSON definition ('-' reads standard input)
    #[arg(long, short = 'f', value_name = "FILE", value_parser = parse_input)]
    pub file: Input,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    pub id: String,
    /// The new JSON definition ('-' reads standard input)
    #[arg(long, short = 'f', value_name = "FILE", value_parser = parse_input)]
    pub file: Input,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::command;
    use crate::config::{Command, SpecCommand};

    #[test]
    fn a_dash_reads_standard_input() {
        let Command::Configs(SpecCommand::Create(args)) =
            command(&["configs", "create", "--file", "-"])
        else {
            panic!()
        };
        assert_eq!(args.file, Input::Stdin);
    }
}
