-- 0010_bridge (issue 6), the clinic's side of the pharmacy bridge
-- (modules/bridge, modules/dispatch, docs/API.md#bridge, docs/WEBHOOKS.md):
-- the partner pharmacies, the messages received from them (each applied
-- once), the stock they report, in-portal notifications and the pipeline's
-- time limits. The pharmacy's own tables are in 0011_pharmacy.sql and no
-- clinic program reads them: the two parties talk only over HTTP.

-- Partner pharmacies. Messages to one go to base_url + /api/v1/pharmacy/inbox,
-- signed (Standard Webhooks) with send_secret; its messages to us arrive at
-- /api/v1/bridge/events/{code} signed with receive_secret. Both secrets are
-- "whsec_..." strings sealed under secret_key (crypto_seal, label
-- "pharmacy_partner:<code>:send" / ":receive"). Set by `clinic partner-set`.
CREATE TABLE pharmacy_partner (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	code			VARCHAR(32) NOT NULL,	-- [a-z0-9-], in the events URL
	name			VARCHAR(200) NOT NULL,
	base_url		VARCHAR(500) NOT NULL,
	send_secret_sealed	VARBINARY(512) NOT NULL,
	receive_secret_sealed	VARBINARY(512) NOT NULL,
	active			TINYINT(1) NOT NULL DEFAULT 1,
	created_at		DATETIME(6) NOT NULL,
	updated_at		DATETIME(6) NOT NULL,
	UNIQUE KEY pharmacy_partner_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which pharmacy a prescription goes to (set at signing: the one chosen, or
-- the first active partner), where the pharmacy says it is, and how it
-- reaches the patient. 'awaiting_paper': the pharmacy holds it until the
-- paper original arrives. pharmacy_ref is the pharmacy's own number for it.
ALTER TABLE prescription
	MODIFY status ENUM('draft','signed','sent','accepted','rejected','out_of_stock',
	    'awaiting_paper','dispensed','shipped','delivered','cancelled','expired') NOT NULL,
	ADD COLUMN pharmacy_id BIGINT UNSIGNED NULL AFTER appointment_id,
	ADD COLUMN pharmacy_ref VARCHAR(64) NULL AFTER pharmacy_id,
	ADD COLUMN supply_method ENUM('collection','courier') NULL,
	ADD COLUMN tracking_number VARCHAR(64) NULL,
	ADD COLUMN tracking_url VARCHAR(500) NULL,
	ADD KEY prescription_pipeline (status, status_changed_at),
	ADD KEY prescription_pharmacy (pharmacy_id, status),
	ADD CONSTRAINT prescription_pharmacy_fk FOREIGN KEY (pharmacy_id)
		REFERENCES pharmacy_partner (id);

-- A prescription_event may now carry what the pharmacy or courier said:
-- detail is the message's data (reasons, what is missing and when it is
-- expected, batch and quantity, a tracking step, proof of delivery).
-- status is the prescription's status after the event, or 'tracking' for a
-- courier step that does not change it.
ALTER TABLE prescription_event
	ADD COLUMN detail JSON NULL,
	ADD COLUMN source ENUM('clinic','pharmacy','courier') NOT NULL DEFAULT 'clinic',
	ADD CONSTRAINT prescription_event_detail CHECK (detail IS NULL OR JSON_VALID(detail));

-- When a product counts as low: fewer than low_stock_threshold supply units
-- available; NULL: the bridge_low_stock_packs setting times the pack size.
ALTER TABLE formulary_product
	ADD COLUMN low_stock_threshold BIGINT UNSIGNED NULL;

-- Messages received from partner pharmacies, by webhook-id: a message
-- delivered twice is applied once (the second delivery finds its row and
-- changes nothing). Kept for the audit of what arrived; never updated.
-- Standard Webhooks ids are case-sensitive ASCII (webhook_verify refuses
-- any other byte before anything is written): compared byte for byte.
CREATE TABLE bridge_inbox (
	partner_id	BIGINT UNSIGNED NOT NULL,
	webhook_id	VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	type		VARCHAR(64) NOT NULL,
	received_at	DATETIME(6) NOT NULL,
	outcome		VARCHAR(32) NOT NULL,	-- applied, ignored (not a forward step), unknown
	PRIMARY KEY (partner_id, webhook_id),
	KEY bridge_inbox_time (received_at),
	CONSTRAINT bridge_inbox_partner_fk FOREIGN KEY (partner_id)
		REFERENCES pharmacy_partner (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock as each partner last reported it, per formulary product, in the
-- product's supply unit. A full snapshot replaces a partner's rows (products
-- it no longer lists drop to 0); a change message updates one product.
-- as_of is the pharmacy's time of the figure: an older figure never
-- overwrites a newer one.
CREATE TABLE pharmacy_stock (
	partner_id	BIGINT UNSIGNED NOT NULL,
	product_id	BIGINT UNSIGNED NOT NULL,
	available	BIGINT UNSIGNED NOT NULL,
	expected_date	DATE NULL,		-- when more is expected, if known
	as_of		DATETIME(6) NOT NULL,
	received_at	DATETIME(6) NOT NULL,
	PRIMARY KEY (partner_id, product_id),
	KEY pharmacy_stock_product (product_id),
	CONSTRAINT pharmacy_stock_partner_fk FOREIGN KEY (partner_id)
		REFERENCES pharmacy_partner (id),
	CONSTRAINT pharmacy_stock_product_fk FOREIGN KEY (product_id)
		REFERENCES formulary_product (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- In-portal notifications: one person's, newest first; read when seen.
-- kind names what happened (e.g. "prescription.out_of_stock"); link is a
-- portal route ("#/prescriptions/42"); data holds the figures (what is
-- missing, the plan's alternatives).
CREATE TABLE notification (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	kind		VARCHAR(64) NOT NULL,
	title		VARCHAR(200) NOT NULL,
	body		VARCHAR(2000) NOT NULL,
	link		VARCHAR(300) NULL,
	data		JSON NULL,
	created_at	DATETIME(6) NOT NULL,
	read_at		DATETIME(6) NULL,
	KEY notification_user (user_id, read_at, id),
	CONSTRAINT notification_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
	CONSTRAINT notification_data CHECK (data IS NULL OR JSON_VALID(data))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The pipeline's time limit per stage: a prescription longer than this in
-- the stage is stuck. unit 'working_days' counts Monday to Friday only.
CREATE TABLE pipeline_limit (
	stage		VARCHAR(20) NOT NULL PRIMARY KEY,
	amount		INT UNSIGNED NOT NULL,
	unit		ENUM('minutes','hours','days','working_days') NOT NULL,
	reason		VARCHAR(300) NOT NULL,	-- shown when stuck, e.g. "not acknowledged by the pharmacy"
	updated_by	BIGINT UNSIGNED NULL,
	updated_at	DATETIME(6) NOT NULL,
	CONSTRAINT pipeline_limit_amount CHECK (amount > 0),
	CONSTRAINT pipeline_limit_by_fk FOREIGN KEY (updated_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO pipeline_limit (stage, amount, unit, reason, updated_at) VALUES
	('signed', 15, 'minutes', 'not yet delivered to the pharmacy', UTC_TIMESTAMP(6)),
	('sent', 15, 'minutes', 'not acknowledged by the pharmacy', UTC_TIMESTAMP(6)),
	('out_of_stock', 2, 'working_days', 'still out of stock at the pharmacy', UTC_TIMESTAMP(6)),
	('awaiting_paper', 5, 'days', 'the paper original has not reached the pharmacy', UTC_TIMESTAMP(6)),
	('accepted', 2, 'working_days', 'accepted but not dispensed', UTC_TIMESTAMP(6)),
	('dispensed', 1, 'working_days', 'dispensed but not shipped or collected', UTC_TIMESTAMP(6)),
	('shipped', 3, 'days', 'shipped but not delivered', UTC_TIMESTAMP(6));

GRANT SELECT, INSERT, UPDATE ON pharmacy_partner TO clinic_app_role;
GRANT SELECT, INSERT ON bridge_inbox TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON pharmacy_stock TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON notification TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON pipeline_limit TO clinic_app_role;
