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
