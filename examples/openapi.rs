//! Writes the OpenAPI document to standard output, without a server or database:
//! `cargo run --example openapi > web/openapi.json` (the browser side's types come from it).

use utoipa::OpenApi;

fn main() -> anyhow::Result<()> {
    let document = tribune::routes::openapi::ApiDoc::openapi().to_pretty_json()?;
    println!("{document}");
    Ok(())
}
