-- Deliveries carry their event's article, so the worker can send one article's events
-- to an endpoint in order (the next only once the earlier is delivered or failed) with
-- one index probe per candidate.
ALTER TABLE webhook_deliveries ADD COLUMN article_key TEXT;
UPDATE webhook_deliveries
   SET article_key = (SELECT events.article_key FROM events WHERE events.id = webhook_deliveries.event_id);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, article_key, status, id);
-- How an endpoint wants its deliveries: Tribune's envelope, or a chat message.
ALTER TABLE webhook_endpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'tribune' CHECK (format IN ('tribune', 'chat'));
