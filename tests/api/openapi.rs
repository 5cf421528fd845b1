//! The OpenAPI document matches the router, route for route.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::helpers::{expect_status, for_each_backend};

#[tokio::test]
async fn the_document_lists_exactly_the_registered_routes() {
    for_each_backend(async |app| {
        let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

        let mut documented = BTreeSet::new();
        let mut operation_ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                documented.insert((method.clone(), path.clone()));
                assert!(operation_ids.insert(operation["operationId"].as_str().unwrap().to_owned()), "duplicate operationId at {method} {path}");
                let problem = &operation["responses"]["default"]["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(problem, "#/components/schemas/Problem", "{method} {path}");
            }
        }
        let registered: BTreeSet<(String, String)> =
            tribune::routes::ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();

        let undocumented: Vec<_> = registered.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&registered).collect();
        assert!(undocumented.is_empty(), "registered but not in the OpenAPI document: {undocumented:?}");
        assert!(unrouted.is_empty(), "in the OpenAPI document but not registered: {unrouted:?}");
        assert!(registered.len() >= 30);

        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        let problem = &doc["components"]["schemas"]["Problem"]["properties"];
        for field in ["type", "title", "status", "detail", "code", "errors"] {
            assert!(problem.get(field).is_some(), "Problem lacks {field}");
        }
        let me = &doc["paths"]["/api/v1/me"]["get"];
        assert_eq!(me["security"][0]["bearer"], serde_json::json!([]));
    })
    .await;
}

/// Every `$ref` in `value`, with where it is.
fn references(value: &serde_json::Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    found.push((inner.as_str().unwrap_or_default().to_owned(), at.to_owned()));
                } else {
                    references(inner, &format!("{at}/{key}"), found);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                references(inner, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    // The Rust side of what `.ci/fuzz` checks with openapi-spec-validator: a dangling
    // `$ref` makes validators fail and fuzzers skip the operations using it.
    for_each_backend(async |app| {
        let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
        let mut found = Vec::new();
        references(&doc, "", &mut found);
        assert!(found.len() > 50, "too few references: {}", found.len());
        let dangling: Vec<_> = found
            .iter()
            .filter(|(reference, _)| {
                let pointer = reference
                    .strip_prefix('#')
                    .unwrap_or("not a local reference");
                doc.pointer(pointer)
                    .is_none_or(|target| !target.is_object())
            })
            .collect();
        assert!(dangling.is_empty(), "references to nothing: {dangling:?}");

        // Every schema is used, and every regex pattern is portable (no `\p{…}`).
        let used: BTreeSet<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
        for name in doc["components"]["schemas"].as_object().unwrap().keys() {
            assert!(
                used.contains(format!("#/components/schemas/{name}").as_str()),
                "unused schema {name}"
            );
        }
        assert!(
            !doc.to_string().contains("\\\\p{"),
            "a pattern uses \\p{{…}}"
        );

        // A path parameter is one of its path's `{…}`, and each of those is declared
        // (validators refuse the document otherwise).
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let declared: BTreeSet<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                let templated: BTreeSet<&str> = path
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                    .collect();
                assert_eq!(declared, templated, "path parameters of {method} {path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn the_reference_page_shows_every_operation_and_loads_nothing_from_elsewhere() {
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    let res = app.get("/api/v1/docs", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    let html = res.text().await.unwrap();

    for (_, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "{method} {id} is not on the page"
            );
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "schema {name} is not on the page"
        );
    }
    // Parameters, request bodies and generated examples are shown.
    assert!(html.contains("<code>article</code> (required)"));
    assert!(html.contains("Request body (required)"));
    assert!(html.contains("&quot;login&quot;: &quot;string&quot;"));
    // Nothing from another origin: no scripts, no external links, sources or styles.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));
    assert!(!html.contains("href=\"http"), "a link leaves the service");
    // The style is the one the CSP's hash allows.
    let style = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let hash = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style))
    };
    assert!(csp.contains(&format!("'sha256-{hash}'")));
    app.stop().await;
}
