-- 0011_pharmacy (issue 6), the pharmacy's side of the bridge
-- (modules/pharmacy, docs/API.md#pharmacy). A partner pharmacy runs the
-- same programs against its own database; in the demo both parties share
-- one MariaDB but no table: pharmacy code touches only ph_* tables (and the
-- platform's users, sessions, audit trail and outbox), and learns about
-- prescriptions, prescribers' keys and the clinic's products only from the
-- messages it receives over HTTP.
--
-- Quantities are exact integers in the product's supply unit: milligrams
-- ('mg'), microlitres ('ul') or counted units ('each'), never floating point.

-- The pharmacy's catalogue. clinic_product_id is the clinic's formulary id
-- this product fills (prescriptions and stock messages name it).
CREATE TABLE ph_product (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	clinic_product_id	BIGINT UNSIGNED NULL,
	supplier		VARCHAR(200) NOT NULL,
	brand			VARCHAR(200) NOT NULL,
	name			VARCHAR(200) NOT NULL,
	form			ENUM('flower','oil','capsule','vape_cartridge','pastille','spray')
				    NOT NULL,
	supply_unit		ENUM('mg','ul','each') NOT NULL,
	pack_size		BIGINT UNSIGNED NOT NULL,
	active			TINYINT(1) NOT NULL DEFAULT 1,
	created_at		DATETIME(6) NOT NULL,
	updated_at		DATETIME(6) NOT NULL,
	UNIQUE KEY ph_product_clinic (clinic_product_id),
	CONSTRAINT ph_product_pack CHECK (pack_size > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock by batch. on_hand is what is physically held; it changes only with
-- a register entry in the same transaction.
CREATE TABLE ph_batch (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	product_id	BIGINT UNSIGNED NOT NULL,
	batch_number	VARCHAR(64) NOT NULL,
	supplier	VARCHAR(200) NOT NULL,
	expiry_date	DATE NOT NULL,
	thc_ug_per_unit	BIGINT UNSIGNED NOT NULL,
	cbd_ug_per_unit	BIGINT UNSIGNED NOT NULL,
	received_qty	BIGINT UNSIGNED NOT NULL,
	on_hand		BIGINT UNSIGNED NOT NULL,
	received_at	DATETIME(6) NOT NULL,
	UNIQUE KEY ph_batch_number (product_id, batch_number),
	CONSTRAINT ph_batch_product_fk FOREIGN KEY (product_id) REFERENCES ph_product (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Deliveries the pharmacy expects (from its wholesaler): the date an
-- out-of-stock answer gives.
CREATE TABLE ph_expected (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	product_id	BIGINT UNSIGNED NOT NULL,
	quantity	BIGINT UNSIGNED NOT NULL,
	expected_date	DATE NOT NULL,
	note		VARCHAR(300) NULL,
	created_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	arrived		TINYINT(1) NOT NULL DEFAULT 0,
	KEY ph_expected_product (product_id, arrived, expected_date),
	CONSTRAINT ph_expected_product_fk FOREIGN KEY (product_id) REFERENCES ph_product (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prescriptions as received. document and signature are the clinic's exact
-- bytes; the pharmacy verifies them with the prescriber's published key
-- (ph_prescriber_key) before anything else. status:
--   received        stored; its signature waits for the prescriber's key
--   rejected        refused (check_result lists the reasons)
--   out_of_stock    valid, but not enough stock (check_result: what is
--                   missing and the expected date if known)
--   awaiting_paper  valid, stock reserved, waiting for the paper original
--   accepted        valid, stock reserved
--   dispensed       supplied (ph_dispense), to be collected or shipped
--   shipped         handed to the courier (ph_shipment)
--   delivered       collected by the patient or delivered by the courier
--   cancelled       cancelled by the clinic before it was dispensed
CREATE TABLE ph_prescription (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	clinic_rx_id		BIGINT UNSIGNED NOT NULL,	-- the clinic's prescription id
	webhook_id		VARCHAR(128) NOT NULL,	-- the message that brought it
	status			ENUM('received','rejected','out_of_stock','awaiting_paper','accepted',
				    'dispensed','shipped','delivered','cancelled') NOT NULL,
	signature_status	ENUM('pending','valid','invalid') NOT NULL DEFAULT 'pending',
	document		MEDIUMTEXT NOT NULL,
	signature		VARBINARY(160) NOT NULL,
	key_fingerprint		CHAR(64) NOT NULL,
	prescriber_id		BIGINT UNSIGNED NOT NULL,	-- the clinic's id of the prescriber
	product_id		BIGINT UNSIGNED NULL,	-- ours, once the document is trusted
	clinic_product_id	BIGINT UNSIGNED NULL,
	quantity		BIGINT UNSIGNED NULL,
	patient_name		VARCHAR(300) NULL,
	valid_from		DATETIME(6) NULL,
	valid_until		DATETIME(6) NULL,
	paper_required		TINYINT(1) NOT NULL DEFAULT 0,
	paper_received_at	DATETIME(6) NULL,
	paper_received_by	BIGINT UNSIGNED NULL,
	check_result		JSON NULL,
	received_at		DATETIME(6) NOT NULL,
	status_changed_at	DATETIME(6) NOT NULL,
	UNIQUE KEY ph_prescription_clinic (clinic_rx_id),
	KEY ph_prescription_status (status, status_changed_at),
	KEY ph_prescription_key (key_fingerprint, signature_status),
	CONSTRAINT ph_prescription_product_fk FOREIGN KEY (product_id) REFERENCES ph_product (id),
	CONSTRAINT ph_prescription_check CHECK (check_result IS NULL OR JSON_VALID(check_result))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prescribers' public keys as fetched from the clinic
-- (GET {pharmacy_clinic_url}/api/v1/prescriptions/keys/{id}?fingerprint=),
-- kept only when the fetched key's SHA-256 matches the fingerprint.
CREATE TABLE ph_prescriber_key (
	fingerprint	CHAR(64) NOT NULL PRIMARY KEY,
	prescriber_id	BIGINT UNSIGNED NOT NULL,
	public_pem	TEXT NOT NULL,
	fetched_at	DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock held for an accepted (or awaiting-paper) prescription until it is
-- dispensed (consumed) or cancelled/rejected (released). Available stock is
-- on hand in unexpired batches less what is held.
CREATE TABLE ph_reservation (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	prescription_id	BIGINT UNSIGNED NOT NULL,
	product_id	BIGINT UNSIGNED NOT NULL,
	quantity	BIGINT UNSIGNED NOT NULL,
	status		ENUM('held','consumed','released') NOT NULL DEFAULT 'held',
	created_at	DATETIME(6) NOT NULL,
	ended_at	DATETIME(6) NULL,
	UNIQUE KEY ph_reservation_rx (prescription_id),
	KEY ph_reservation_product (product_id, status),
	CONSTRAINT ph_reservation_rx_fk FOREIGN KEY (prescription_id)
		REFERENCES ph_prescription (id),
	CONSTRAINT ph_reservation_product_fk FOREIGN KEY (product_id) REFERENCES ph_product (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The controlled-drug register: one entry per receipt, supply, return,
-- destruction, stock-count adjustment or correction, never changed or
-- removed (the triggers refuse it); a mistake is put right by a new
-- 'correction' entry naming the one it corrects. quantity is the signed
-- change to the product's stock; balance is the product's running balance
-- after the entry (entries of one product are written under a lock on its
-- ph_product row, so balances follow id order).
CREATE TABLE ph_register (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	product_id	BIGINT UNSIGNED NOT NULL,
	batch_id	BIGINT UNSIGNED NULL,
	kind		ENUM('receipt','supply','return','destruction','adjustment','correction')
			    NOT NULL,
	quantity	BIGINT NOT NULL,
	balance		BIGINT NOT NULL,
	at		DATETIME(6) NOT NULL,
	counterparty	VARCHAR(300) NULL,	-- supplier, or the patient supplied
	prescription_id	BIGINT UNSIGNED NULL,	-- ph_prescription, for a supply
	prescriber	VARCHAR(300) NULL,	-- name and registration, for a supply
	collector	VARCHAR(300) NULL,	-- who collected, or "courier: <name>"
	id_requested	TINYINT(1) NULL,
	id_provided	TINYINT(1) NULL,
	witness		VARCHAR(300) NULL,	-- for a destruction
	corrects_id	BIGINT UNSIGNED NULL,
	reason		VARCHAR(1000) NULL,
	recorded_by	BIGINT UNSIGNED NULL,	-- NULL: the system
	KEY ph_register_product (product_id, id),
	KEY ph_register_time (at),
	CONSTRAINT ph_register_product_fk FOREIGN KEY (product_id) REFERENCES ph_product (id),
	CONSTRAINT ph_register_batch_fk FOREIGN KEY (batch_id) REFERENCES ph_batch (id),
	CONSTRAINT ph_register_corrects_fk FOREIGN KEY (corrects_id) REFERENCES ph_register (id),
	CONSTRAINT ph_register_correction CHECK ((kind = 'correction') = (corrects_id IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TRIGGER ph_register_no_update BEFORE UPDATE ON ph_register FOR EACH ROW
	SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
	    'register entries are never changed: add a correction';
CREATE TRIGGER ph_register_no_delete BEFORE DELETE ON ph_register FOR EACH ROW
	SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'register entries are never removed';

-- What was supplied for a prescription, batch by batch.
CREATE TABLE ph_dispense (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	prescription_id	BIGINT UNSIGNED NOT NULL,
	batch_id	BIGINT UNSIGNED NOT NULL,
	quantity	BIGINT UNSIGNED NOT NULL,
	method		ENUM('collection','courier') NOT NULL,
	collector	VARCHAR(300) NULL,
	id_requested	TINYINT(1) NOT NULL,
	id_provided	TINYINT(1) NOT NULL,
	register_id	BIGINT UNSIGNED NOT NULL,
	pharmacist_id	BIGINT UNSIGNED NOT NULL,
	at		DATETIME(6) NOT NULL,
	KEY ph_dispense_rx (prescription_id),
	CONSTRAINT ph_dispense_rx_fk FOREIGN KEY (prescription_id) REFERENCES ph_prescription (id),
	CONSTRAINT ph_dispense_batch_fk FOREIGN KEY (batch_id) REFERENCES ph_batch (id),
	CONSTRAINT ph_dispense_register_fk FOREIGN KEY (register_id) REFERENCES ph_register (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Periodic stock counts, batch by batch: what the books said, what was
-- counted, and the register adjustment a discrepancy made.
CREATE TABLE ph_count (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	batch_id	BIGINT UNSIGNED NOT NULL,
	expected	BIGINT UNSIGNED NOT NULL,
	counted		BIGINT UNSIGNED NOT NULL,
	discrepancy	BIGINT NOT NULL,
	note		VARCHAR(1000) NULL,
	register_id	BIGINT UNSIGNED NULL,
	counted_by	BIGINT UNSIGNED NOT NULL,
	at		DATETIME(6) NOT NULL,
	KEY ph_count_batch (batch_id, id),
	CONSTRAINT ph_count_batch_fk FOREIGN KEY (batch_id) REFERENCES ph_batch (id),
	CONSTRAINT ph_count_register_fk FOREIGN KEY (register_id) REFERENCES ph_register (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shipments booked with the courier (courier_url) and what its tracking
-- webhooks said. courier_ref is the courier's shipment id.
CREATE TABLE ph_shipment (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	prescription_id	BIGINT UNSIGNED NOT NULL,
	status		ENUM('requested','booked','collected','in_transit','out_for_delivery',
			    'delivered','failed','cancelled') NOT NULL,
	courier_ref	VARCHAR(64) NULL,
	tracking_number	VARCHAR(64) NULL,
	tracking_url	VARCHAR(500) NULL,
	service		VARCHAR(64) NOT NULL,
	delivered_at	DATETIME(6) NULL,
	proof		JSON NULL,		-- the courier's proof of delivery
	booked_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	UNIQUE KEY ph_shipment_rx (prescription_id),
	UNIQUE KEY ph_shipment_ref (courier_ref),
	CONSTRAINT ph_shipment_rx_fk FOREIGN KEY (prescription_id) REFERENCES ph_prescription (id),
	CONSTRAINT ph_shipment_proof CHECK (proof IS NULL OR JSON_VALID(proof))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ph_shipment_event (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	shipment_id	BIGINT UNSIGNED NOT NULL,
	status		VARCHAR(32) NOT NULL,
	description	VARCHAR(500) NULL,
	location	VARCHAR(200) NULL,
	at		DATETIME(6) NOT NULL,	-- when it happened, as the courier says
	received_at	DATETIME(6) NOT NULL,
	KEY ph_shipment_event_shipment (shipment_id, at),
	CONSTRAINT ph_shipment_event_shipment_fk FOREIGN KEY (shipment_id)
		REFERENCES ph_shipment (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Messages received (from the clinic, from the courier), by webhook-id: a
-- message delivered twice is applied once. Standard Webhooks ids are
-- case-sensitive ASCII (webhook_verify refuses any other byte before
-- anything is written): compared byte for byte.
CREATE TABLE ph_inbox (
	source		ENUM('clinic','courier') NOT NULL,
	webhook_id	VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	type		VARCHAR(64) NOT NULL,
	received_at	DATETIME(6) NOT NULL,
	PRIMARY KEY (source, webhook_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON ph_product TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_batch TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_expected TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_prescription TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_prescriber_key TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_reservation TO clinic_app_role;
GRANT SELECT, INSERT ON ph_register TO clinic_app_role;
GRANT SELECT, INSERT ON ph_dispense TO clinic_app_role;
GRANT SELECT, INSERT ON ph_count TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON ph_shipment TO clinic_app_role;
GRANT SELECT, INSERT ON ph_shipment_event TO clinic_app_role;
GRANT SELECT, INSERT ON ph_inbox TO clinic_app_role;
