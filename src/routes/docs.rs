//! `GET /api/v1/docs`: the API reference for people, rendered on the server from the
//! same OpenAPI document as `/api/v1/openapi.json`: operations grouped by tag, their
//! parameters, request and response schemas with generated examples, then every
//! schema. One self-contained page: no script, no external resource (the CSP allows
//! only its own inline style, by hash), so it works offline and from the binary alone.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::OpenApi as _;

use super::openapi::ApiDoc;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#1d1d1f}code,pre{font:14px ui-monospace,monospace}pre{background:#f4f4f6;\
padding:.75rem;overflow:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #ddd;padding:.3rem .5rem}\
.op{border-top:2px solid #ccc;margin-top:2rem}.m{font-weight:700;text-transform:uppercase;\
margin-right:.5rem}.note{color:#555}h3 code{font-size:1rem}";

/// The page and its Content-Security-Policy, rendered once.
fn page() -> &'static (String, String) {
    static PAGE: OnceLock<(String, String)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        let csp = format!(
            "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'"
        );
        (render(&doc), csp)
    })
}

/// The API reference as one HTML page (no scripts, no external resources).
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    tag = "operations",
    responses((status = 200, description = "The API reference, HTML", content_type = "text/html"))
)]
pub async fn handle() -> HttpResponse {
    let (html, csp) = page();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp.as_str()))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(html.as_str())
}

/// The whole page for an OpenAPI document.
pub fn render(doc: &Value) -> String {
    let title = text(&doc["info"]["title"]);
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t} API reference</title><style>{STYLE}</style></head><body>\
         <h1>{t} API reference</h1><p>{d}</p><p class=\"note\">Version {v}. Generated from \
         <a href=\"openapi.json\">the OpenAPI document</a> (OpenAPI {o}), which tools can read.</p>",
        t = esc(&title),
        d = esc(&text(&doc["info"]["description"])),
        v = esc(&text(&doc["info"]["version"])),
        o = esc(&text(&doc["openapi"])),
    );
    let operations = operations(doc);
    for (tag, about) in tags(doc, &operations) {
        let _ = write!(out, "<h2 id=\"tag-{}\">{}</h2>", esc(&tag), esc(&tag));
        if !about.is_empty() {
            let _ = write!(out, "<p>{}</p>", esc(&about));
        }
        out.push_str("<ul>");
        for op in operations.iter().filter(|o| o.tag == tag) {
            let _ = write!(
                out,
                "<li><a href=\"#{}\"><span class=\"m\">{}</span><code>{}</code></a> {}</li>",
                esc(&op.id),
                op.method,
                esc(&op.path),
                esc(&text(&op.body["summary"])).replace('\n', " ")
            );
        }
        out.push_str("</ul>");
        for op in operations.iter().filter(|o| o.tag == tag) {
            operation(&mut out, doc, op);
        }
    }
    schemas(&mut out, doc);
    out.push_str("</body></html>");
    out
}

/// One operation of the document.
struct Operation<'a> {
    method: &'static str,
    path: String,
    id: String,
    tag: String,
    body: &'a Value,
}

/// Every operation, in the document's path order.
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut list = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(body) = item.get(method) else {
                continue;
            };
            list.push(Operation {
                method,
                path: path.clone(),
                id: text(&body["operationId"]),
                tag: body["tags"][0].as_str().unwrap_or("other").to_owned(),
                body,
            });
        }
    }
    list
}

/// The document's tags in its order (with their descriptions), then any other tag used.
fn tags(doc: &Value, operations: &[Operation<'_>]) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (text(&t["name"]), text(&t["description"])))
        .collect();
    let known: BTreeSet<String> = list.iter().map(|(n, _)| n.clone()).collect();
    let extra: BTreeSet<String> = operations
        .iter()
        .map(|o| o.tag.clone())
        .filter(|t| !known.contains(t))
        .collect();
    list.extend(extra.into_iter().map(|t| (t, String::new())));
    list.retain(|(name, _)| operations.iter().any(|o| &o.tag == name));
    list
}

/// An operation: summary, access, parameters, request body and responses.
fn operation(out: &mut String, doc: &Value, op: &Operation<'_>) {
    let body = op.body;
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"m\">{}</span><code>{}</code></h3><p>{}</p>",
        esc(&op.id),
        op.method,
        esc(&op.path),
        esc(&text(&body["summary"])).replace('\n', " ")
    );
    let description = text(&body["description"]);
    if !description.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&description));
    }
    let _ = write!(out, "<p class=\"note\">{}</p>", access(&body["security"]));
    parameters(out, &body["parameters"]);
    if let Some(request) = body.get("requestBody") {
        let required = if request["required"] == Value::Bool(true) {
            "required"
        } else {
            "optional"
        };
        let _ = write!(out, "<h4>Request body ({required})</h4>");
        content(out, doc, request, true);
    }
    out.push_str("<h4>Responses</h4>");
    for (status, response) in body["responses"].as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<p><b>{}</b> {}</p>",
            esc(status),
            esc(&text(&response["description"]))
        );
        // Every operation's `default` is the same problem: its schema, not an example.
        content(out, doc, response, status != "default");
    }
    out.push_str("</section>");
}

/// Who may call an operation, from its `security`.
fn access(security: &Value) -> &'static str {
    match security.as_array() {
        None => "No authentication.",
        Some(list)
            if list
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty())) =>
        {
            "Authentication optional: send <code>Authorization: Bearer &lt;access token&gt;</code> to be known."
        }
        Some(_) => "Requires <code>Authorization: Bearer &lt;access token&gt;</code>.",
    }
}

/// The parameters table.
fn parameters(out: &mut String, parameters: &Value) {
    let Some(list) = parameters.as_array().filter(|l| !l.is_empty()) else {
        return;
    };
    out.push_str("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>");
    for p in list {
        let required = if p["required"] == Value::Bool(true) {
            " (required)"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&text(&p["name"])),
            esc(&text(&p["in"])),
            type_of(&p["schema"]),
            esc(&text(&p["description"]))
        );
    }
    out.push_str("</table>");
}

/// The media types of a request body or response, each with its schema and (with
/// `examples`) an example.
fn content(out: &mut String, doc: &Value, holder: &Value, examples: bool) {
    for (media, body) in holder["content"].as_object().into_iter().flatten() {
        let schema = &body["schema"];
        let _ = write!(
            out,
            "<p><code>{}</code>: {}</p>",
            esc(media),
            type_of(schema)
        );
        if examples && schema.is_object() && media.contains("json") {
            let example = example(doc, schema, 0);
            let shown = serde_json::to_string_pretty(&example).unwrap_or_default();
            let _ = write!(out, "<pre>{}</pre>", esc(&shown));
        }
    }
}

/// Every component schema: its description and a table of its properties.
fn schemas(out: &mut String, doc: &Value) {
    out.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let _ = write!(
            out,
            "<section id=\"schema-{n}\"><h3><code>{n}</code></h3><p>{}</p>",
            esc(&text(&schema["description"])),
            n = esc(name)
        );
        properties(out, schema);
        out.push_str("</section>");
    }
}

/// The properties of an object schema (and of the objects it is made of).
fn properties(out: &mut String, schema: &Value) {
    for part in schema["allOf"].as_array().into_iter().flatten() {
        if part.get("$ref").is_some() {
            let _ = write!(out, "<p>Everything in {}, and:</p>", type_of(part));
        } else {
            properties(out, part);
        }
    }
    let Some(props) = schema["properties"].as_object() else {
        if schema.get("allOf").is_none() {
            let _ = write!(out, "<p>{}</p>", type_of(schema));
        }
        return;
    };
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
    for (field, prop) in props {
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
            esc(field),
            if required.contains(field.as_str()) {
                " (required)"
            } else {
                ""
            },
            type_of(prop),
            esc(&text(&prop["description"]))
        );
    }
    out.push_str("</table>");
}

/// A schema's type for people, as HTML: links to named schemas, `or` for unions.
fn type_of(schema: &Value) -> String {
    if let Some(name) = schema["$ref"].as_str().and_then(ref_name) {
        return format!(
            "<a href=\"#schema-{n}\"><code>{n}</code></a>",
            n = esc(name)
        );
    }
    for (key, joint) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = schema[key].as_array() {
            let parts: Vec<String> = parts.iter().map(type_of).collect();
            return parts.join(joint);
        }
    }
    let mut shown = match &schema["type"] {
        Value::String(t) if t == "array" => format!("array of {}", type_of(&schema["items"])),
        Value::String(t) => esc(t),
        Value::Array(ts) => ts.iter().map(text).collect::<Vec<_>>().join(" or "),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "any".to_owned(),
    };
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(&text(v))))
            .collect();
        let _ = write!(shown, ": one of {}", values.join(", "));
    }
    if let Some(format) = schema["format"].as_str() {
        let _ = write!(shown, " ({})", esc(format));
    }
    shown
}

/// A made-up value that fits `schema` (its `example` or `default` when it has one).
fn example(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > 6 {
        return Value::Null;
    }
    if let Some(given) = schema.get("example").or_else(|| schema.get("default")) {
        return given.clone();
    }
    if let Some(name) = schema["$ref"].as_str().and_then(ref_name) {
        return example(doc, &doc["components"]["schemas"][name], depth + 1);
    }
    if let Some(first) = schema["oneOf"].as_array().and_then(|p| p.first()) {
        return example(doc, first, depth + 1);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(fields) = example(doc, part, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|v| v.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(ts) => ts
            .iter()
            .find(|t| *t != "null")
            .map(text)
            .unwrap_or_default(),
        other => text(other),
    };
    example_of_type(doc, schema, &kind, depth)
}

/// A made-up value of a JSON type.
fn example_of_type(doc: &Value, schema: &Value, kind: &str, depth: usize) -> Value {
    match kind {
        "integer" => Value::from(1),
        "number" => Value::from(1.5),
        "boolean" => Value::Bool(true),
        "array" => Value::Array(vec![example(doc, &schema["items"], depth + 1)]),
        "string" => Value::String(match schema["format"].as_str() {
            Some("date-time") => "2026-12-01T12:00:00Z".to_owned(),
            Some("email") => "anna@example.org".to_owned(),
            _ => "string".to_owned(),
        }),
        _ => match schema["properties"].as_object() {
            Some(props) => Value::Object(
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), example(doc, v, depth + 1)))
                    .collect(),
            ),
            None if schema.get("additionalProperties").is_some() => {
                serde_json::json!({ "key": example(doc, &schema["additionalProperties"], depth + 1) })
            }
            None => Value::Null,
        },
    }
}

/// `#/components/schemas/Name` → `Name`.
fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// A JSON value as text: strings without quotes, nothing for null.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Escapes text for HTML element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
