//! `TestApp`'s methods for the webhook admin API and for reading the outbox.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Caller, TestApp, expect_status};

impl TestApp {
    /// `POST /admin/webhooks` with any body.
    pub async fn create_webhook(&self, who: &(impl Caller + ?Sized), body: &Value) -> Response {
        self.post("/admin/webhooks", who.token(), body).await
    }

    /// Registers `url` for `types`; panics unless 201; returns the endpoint with its secret.
    pub async fn create_webhook_ok(
        &self,
        who: &(impl Caller + ?Sized),
        url: &str,
        types: &[&str],
    ) -> Value {
        let body = json!({"url": url, "event_types": types});
        expect_status(self.create_webhook(who, &body).await, StatusCode::CREATED).await
    }

    pub async fn list_webhooks_ok(&self, who: &(impl Caller + ?Sized)) -> Value {
        expect_status(
            self.get("/admin/webhooks", who.token()).await,
            StatusCode::OK,
        )
        .await
    }

    pub async fn update_webhook(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        changes: &Value,
    ) -> Response {
        self.send_json(
            reqwest::Method::PATCH,
            &format!("/admin/webhooks/{id}"),
            who.token(),
            changes,
        )
        .await
    }

    pub async fn update_webhook_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        changes: &Value,
    ) -> Value {
        expect_status(self.update_webhook(who, id, changes).await, StatusCode::OK).await
    }

    pub async fn delete_webhook(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.delete(&format!("/admin/webhooks/{id}"), who.token())
            .await
    }

    pub async fn deliveries_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        expect_status(
            self.get(&format!("/admin/webhooks/{id}/deliveries"), who.token())
                .await,
            StatusCode::OK,
        )
        .await
    }

    pub async fn redeliver_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        delivery: i64,
    ) -> Value {
        let path = format!("/admin/webhooks/{id}/deliveries/{delivery}/redeliver");
        expect_status(
            self.post(&path, who.token(), &json!({})).await,
            StatusCode::ACCEPTED,
        )
        .await
    }

    pub async fn test_webhook_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        let path = format!("/admin/webhooks/{id}/test");
        expect_status(
            self.post(&path, who.token(), &json!({})).await,
            StatusCode::ACCEPTED,
        )
        .await
    }

    /// The types of every stored event, oldest first (read from the outbox table).
    pub fn event_types_in_db(&self) -> Vec<String> {
        self.events_in_db().into_iter().map(|(t, _)| t).collect()
    }

    /// Every stored event's type and `data`, oldest first.
    pub fn events_in_db(&self) -> Vec<(String, Value)> {
        use diesel::prelude::*;
        use tribune::db::schema::events;
        self.db
            .connect()
            .with_writer_blocking(|conn| {
                let rows: Vec<(String, String)> = events::table
                    .order(events::id.asc())
                    .select((events::event_type, events::payload))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(t, p)| (t, serde_json::from_str(&p).unwrap()))
                    .collect())
            })
            .expect("read events")
    }
}
