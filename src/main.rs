use tribune::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse_with_default_command();
    tribune::telemetry::init(cli.log_json);
    tribune::cli::run(cli).await
}
