ALTER TABLE webhook_endpoints DROP COLUMN format;
DROP INDEX webhook_deliveries_order;
ALTER TABLE webhook_deliveries DROP COLUMN article_key;
