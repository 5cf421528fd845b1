-- The outbox: every event, written in the transaction of the change that causes it.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- The public id receivers deduplicate by (evt_ + 32 hex digits).
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    -- The article the event concerns, if any (per-article order).
    article_key TEXT,
    -- The event's `data`, as JSON text.
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Where events go: secrets are kept to sign with; the previous one also signs while it rotates.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url TEXT NOT NULL,
    -- Space-separated, with a space at each end: ' comment.created user.banned '.
    event_types TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    active BOOLEAN NOT NULL DEFAULT 1,
    -- Set when a delivery gave up after its day of retries; cleared by an update.
    failing BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One event for one endpoint: created with the event, claimed by a worker under a lease.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_token TEXT,
    lease_until TIMESTAMP,
    last_status_code INTEGER,
    last_latency_ms BIGINT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
