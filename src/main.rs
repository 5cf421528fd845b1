use std::process::ExitCode;

use tribune::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_with_default_command();
    tribune::telemetry::init(cli.log_json);
    match tribune::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tribune: {error:#}");
            ExitCode::FAILURE
        }
    }
}
