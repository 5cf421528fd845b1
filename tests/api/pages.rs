//! What a browser loads outside the API: the landing page, the demo, `/embed.js`, its
//! content-hashed thread bundle and `/count.js`, embedded in the binary.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG};

use crate::helpers::{TestApp, TestDb, backends, expect_problem, for_each_backend};

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The hashed bundle `/embed.js` loads (`embed/thread-….js`).
async fn thread_file(app: &TestApp) -> String {
    let loader = app.get_page("/embed.js", &[]).await.text().await.unwrap();
    let start = loader.find("thread-").expect("the loader names its bundle");
    let end = start + loader[start..].find(".js").unwrap() + 3;
    format!("/embed/{}", &loader[start..end])
}

#[tokio::test]
async fn the_stable_scripts_are_javascript_cached_briefly_with_an_etag() {
    for_each_backend(async |app| {
        for path in ["/embed.js", "/count.js"] {
            let res = app.get_page(path, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&res, CONTENT_TYPE), "text/javascript; charset=utf-8");
            assert_eq!(header(&res, CACHE_CONTROL), "public, max-age=300");
            let etag = header(&res, ETAG);
            assert!(etag.starts_with("W/\""), "{path}: {etag}");
            assert!(res.text().await.unwrap().contains("Tribune"), "{path}");

            let again = app.get_page(path, &[("If-None-Match", &etag)]).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(header(&again, ETAG), etag);
            assert!(again.bytes().await.unwrap().is_empty());

            let stale = app
                .get_page(path, &[("If-None-Match", "W/\"other\"")])
                .await;
            assert_eq!(stale.status(), StatusCode::OK, "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_hashed_thread_bundle_is_immutable_and_gzipped_on_request() {
    for_each_backend(async |app| {
        let path = thread_file(app).await;
        let plain = app.get_page(&path, &[]).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(
            header(&plain, CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            header(&plain, CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&plain, CONTENT_ENCODING), "");
        let etag = header(&plain, ETAG);
        let plain_len = plain.bytes().await.unwrap().len();

        let gzipped = app.get_page(&path, &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(header(&gzipped, CONTENT_ENCODING), "gzip");
        assert_eq!(
            header(&gzipped, ETAG),
            etag,
            "one validator for both encodings"
        );
        assert!(header(&gzipped, reqwest::header::VARY).contains("Accept-Encoding"));
        let body = gzipped.bytes().await.unwrap();
        assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");
        assert!(body.len() * 2 < plain_len, "{} vs {plain_len}", body.len());

        let refused = app
            .get_page(&path, &[("Accept-Encoding", "gzip;q=0")])
            .await;
        assert_eq!(header(&refused, CONTENT_ENCODING), "");

        let cached = app.get_page(&path, &[("If-None-Match", &etag)]).await;
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    })
    .await;
}

#[tokio::test]
async fn mailed_links_open_the_account_pages_and_their_bundle() {
    for_each_backend(async |app| {
        for page in ["/account/verify-email", "/account/reset-password"] {
            let res = app.get_page(page, &[]).await;
            assert_eq!(res.status(), StatusCode::OK, "{page}");
            assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
            assert_eq!(header(&res, CACHE_CONTROL), "no-cache");
            let html = res.text().await.unwrap();
            assert!(html.contains("id=\"account\""), "{page}");
            assert!(html.contains("name=\"referrer\" content=\"no-referrer\""));
            let start = html
                .find("/account/account-")
                .expect("the page names its bundle");
            let end = start + html[start..].find(".js").unwrap() + 3;
            let bundle = app.get_page(&html[start..end], &[]).await;
            assert_eq!(bundle.status(), StatusCode::OK);
            assert_eq!(
                header(&bundle, CACHE_CONTROL),
                "public, max-age=31536000, immutable"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_files_are_not_found_problems() {
    for_each_backend(async |app| {
        for path in [
            "/embed/thread-0000000000.js",
            "/embed/..%2Fembed.js",
            "/embed/%2E%2E%2Findex.html",
            "/embed/",
            "/count.json",
            "/moderate/console-0000000000.js",
            "/moderate/index.html",
            "/moderate/..%2Fembed.js",
            "/account/account-0000000000.js",
            "/account/index.html",
            "/account/..%2Fembed.js",
        ] {
            let res = app.get_page(path, &[]).await;
            expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_landing_page_links_the_demo_the_api_document_and_the_console() {
    for_each_backend(async |app| {
        let res = app.get_page("/", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&res, CACHE_CONTROL), "no-cache");
        let etag = header(&res, ETAG);
        let html = res.text().await.unwrap();
        for link in [
            "href=\"/demo/\"",
            "href=\"/api/v1/openapi.json\"",
            "href=\"/api/v1/docs\"",
            "href=\"/moderate/\"",
        ] {
            assert!(html.contains(link), "{link}");
        }
        let again = app.get_page("/", &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    })
    .await;
}

#[tokio::test]
async fn the_demo_is_a_german_article_with_both_snippets() {
    for_each_backend(async |app| {
        let res = app.get_page("/demo/", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
        let html = res.text().await.unwrap();
        assert!(html.contains("<html lang=\"de\">"));
        assert!(html.contains("id=\"tribune-thread\""));
        assert!(html.contains("data-tribune-article=\"demo-radwege\""));
        assert!(html.contains("<script async src=\"/embed.js\"></script>"));
        assert!(html.contains("<script async src=\"/count.js\"></script>"));
        assert!(html.matches("data-tribune-count=").count() >= 3);
    })
    .await;
}

#[tokio::test]
async fn the_demo_can_be_switched_off() {
    for backend in backends() {
        let app = TestApp::spawn_with(TestDb::new(backend), |s| s.demo = false).await;
        let demo = app.get_page("/demo/", &[]).await;
        expect_problem(demo, StatusCode::NOT_FOUND, "not_found").await;
        // The landing page and the scripts publishers embed stay.
        for path in ["/", "/embed.js", "/count.js"] {
            assert_eq!(
                app.get_page(path, &[]).await.status(),
                StatusCode::OK,
                "{path}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_console_page_is_public_and_names_its_immutable_bundle() {
    for_each_backend(async |app| {
        let res = app.get_page("/moderate/", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&res, CACHE_CONTROL), "no-cache");
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"console\""));
        let start = html
            .find("/moderate/console-")
            .expect("the page names its bundle");
        let end = start + html[start..].find(".js").unwrap() + 3;
        let bundle = app
            .get_page(&html[start..end], &[("Accept-Encoding", "gzip")])
            .await;
        assert_eq!(bundle.status(), StatusCode::OK);
        assert_eq!(
            header(&bundle, CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            header(&bundle, CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&bundle, CONTENT_ENCODING), "gzip");
    })
    .await;
}
