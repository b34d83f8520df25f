-- 0009_prescriptions (issue 5): the formulary, versioned treatment plans,
-- prescribers' signing keys and Schedule 2 prescriptions
-- (modules/prescriptions, docs/API.md#prescriptions). Times are UTC.
--
-- Quantities are exact integers in a product's supply unit, never floating
-- point: milligrams of flower ('mg'), microlitres of liquid ('ul'), or
-- counted units ('each': capsules, cartridges, pastilles).

-- The formulary. A product's supply unit follows from its form (flower: mg;
-- oil and spray: ul; everything else: each). THC and CBD content are
-- micrograms per supply unit: flower at 22% w/w is 220 (ug per mg), an oil
-- at 10 mg/ml is 10 (ug per ul), a 5 mg capsule is 5000. Products are never
-- removed (prescriptions name them); a withdrawn one is inactive.
CREATE TABLE formulary_product (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	supplier	VARCHAR(200) NOT NULL,
	brand		VARCHAR(200) NOT NULL,
	name		VARCHAR(200) NOT NULL,	-- product or strain name
	form		ENUM('flower','oil','capsule','vape_cartridge','pastille','spray')
			    NOT NULL,
	supply_unit	ENUM('mg','ul','each') NOT NULL,
	pack_size	BIGINT UNSIGNED NOT NULL,	-- in supply_unit
	thc_ug_per_unit	BIGINT UNSIGNED NOT NULL,
	cbd_ug_per_unit	BIGINT UNSIGNED NOT NULL,
	active		TINYINT(1) NOT NULL DEFAULT 1,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	UNIQUE KEY formulary_product_identity (supplier, brand, name, form, pack_size),
	KEY formulary_product_form (form, active),
	CONSTRAINT formulary_product_unit CHECK (supply_unit =
	    CASE form WHEN 'flower' THEN 'mg' WHEN 'oil' THEN 'ul' WHEN 'spray' THEN 'ul'
	    ELSE 'each' END),
	CONSTRAINT formulary_product_pack CHECK (pack_size > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Treatment plans: one row per patient and condition, system-versioned, so
-- every change leaves the version before it in the table's history
-- (SELECT ... FOR SYSTEM_TIME ALL). Each version carries its own number,
-- author, time and reason. body is the plan itself (docs/API.md#plans):
--   {"items": [{"product_id", "dose", "daily_amount", "max_per_30d"}],
--    "form_limits": [{"form", "max_per_30d"}],
--    "max_thc_mg_per_day", "review_date": "YYYY-MM-DD", "notes"}
-- with amounts in each product's (or form's) supply unit.
CREATE TABLE treatment_plan (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id	BIGINT UNSIGNED NOT NULL,
	condition_name	VARCHAR(200) NOT NULL,
	version		INT UNSIGNED NOT NULL,
	status		ENUM('active','ended') NOT NULL DEFAULT 'active',
	body		JSON NOT NULL,
	author_id	BIGINT UNSIGNED NOT NULL,
	reason		VARCHAR(1000) NOT NULL,
	changed_at	DATETIME(6) NOT NULL,
	UNIQUE KEY treatment_plan_condition (patient_id, condition_name),
	CONSTRAINT treatment_plan_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id),
	CONSTRAINT treatment_plan_author_fk FOREIGN KEY (author_id) REFERENCES users (id),
	CONSTRAINT treatment_plan_version CHECK (version >= 1),
	CONSTRAINT treatment_plan_body CHECK (JSON_VALID(body))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  WITH SYSTEM VERSIONING;

-- Prescribers' signing keys: ECDSA P-256. The private key (PKCS#8 DER) is
-- sealed (crypto_seal under secret_key, label naming the key's owner) and
-- opened only by the signing handler after a fresh second-factor code.
-- fingerprint: hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
-- A retired key stays: prescriptions signed with it remain verifiable.
CREATE TABLE prescriber_key (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	clinician_id	BIGINT UNSIGNED NOT NULL,
	fingerprint	CHAR(64) NOT NULL,
	public_pem	TEXT NOT NULL,
	private_sealed	VARBINARY(512) NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	retired_at	DATETIME(6) NULL,
	UNIQUE KEY prescriber_key_fingerprint (fingerprint),
	KEY prescriber_key_clinician (clinician_id, retired_at),
	CONSTRAINT prescriber_key_clinician_fk FOREIGN KEY (clinician_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Prescriptions: one product each. A draft may be edited; from signing on,
-- what was signed never changes (the trigger below refuses it): a change is
-- a cancellation and a new prescription. document holds the exact canonical
-- JSON bytes signed, signature the DER ECDSA signature over SHA-256 of them.
-- effective_at is when the prescription counts against the 30-day windows
-- (the stated start, else when drafted and then when signed).
CREATE TABLE prescription (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id		BIGINT UNSIGNED NOT NULL,
	plan_id			BIGINT UNSIGNED NOT NULL,
	plan_version		INT UNSIGNED NOT NULL,
	prescriber_id		BIGINT UNSIGNED NOT NULL,
	product_id		BIGINT UNSIGNED NOT NULL,
	appointment_id		BIGINT UNSIGNED NULL,
	status			ENUM('draft','signed','sent','accepted','rejected','out_of_stock',
				    'dispensed','shipped','delivered','cancelled','expired') NOT NULL,
	initial			TINYINT(1) NOT NULL,	-- the patient's first prescription
	dose			VARCHAR(500) NOT NULL,
	quantity		BIGINT UNSIGNED NOT NULL,	-- in the product's supply unit
	daily_amount		BIGINT UNSIGNED NOT NULL,	-- from the plan, same unit
	days_supply		INT UNSIGNED NOT NULL,
	thc_ug_total		BIGINT UNSIGNED NOT NULL,
	cbd_ug_total		BIGINT UNSIGNED NOT NULL,
	justification		VARCHAR(2000) NULL,	-- needed over 30 days' treatment
	instalment_amount	BIGINT UNSIGNED NULL,
	instalment_interval_days INT UNSIGNED NULL,
	start_date		DATE NULL,
	effective_at		DATETIME(6) NOT NULL,
	created_at		DATETIME(6) NOT NULL,
	updated_at		DATETIME(6) NOT NULL,
	signed_at		DATETIME(6) NULL,
	valid_until		DATETIME(6) NULL,
	key_id			BIGINT UNSIGNED NULL,
	document		MEDIUMTEXT NULL,
	signature		VARBINARY(160) NULL,
	paper_required		TINYINT(1) NOT NULL DEFAULT 0,
	status_changed_at	DATETIME(6) NOT NULL,
	cancelled_by		BIGINT UNSIGNED NULL,
	cancel_reason		VARCHAR(1000) NULL,
	KEY prescription_patient (patient_id, status, effective_at),
	KEY prescription_prescriber (prescriber_id, created_at),
	KEY prescription_status (status, valid_until),
	KEY prescription_product (product_id, signed_at),
	CONSTRAINT prescription_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id),
	CONSTRAINT prescription_plan_fk FOREIGN KEY (plan_id) REFERENCES treatment_plan (id),
	CONSTRAINT prescription_prescriber_fk FOREIGN KEY (prescriber_id) REFERENCES users (id),
	CONSTRAINT prescription_product_fk FOREIGN KEY (product_id)
		REFERENCES formulary_product (id),
	CONSTRAINT prescription_appointment_fk FOREIGN KEY (appointment_id)
		REFERENCES appointment (id),
	CONSTRAINT prescription_key_fk FOREIGN KEY (key_id) REFERENCES prescriber_key (id),
	CONSTRAINT prescription_cancelled_by_fk FOREIGN KEY (cancelled_by) REFERENCES users (id),
	CONSTRAINT prescription_quantity CHECK (quantity > 0 AND daily_amount > 0),
	CONSTRAINT prescription_signed CHECK (status IN ('draft','cancelled') OR
	    (signed_at IS NOT NULL AND document IS NOT NULL AND signature IS NOT NULL AND
	     key_id IS NOT NULL AND valid_until IS NOT NULL)),
	CONSTRAINT prescription_cancel_reason CHECK (status <> 'cancelled' OR
	    cancel_reason IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Once signed, what was signed is fixed for everyone, the application and
-- an administrator at the SQL prompt alike; only the state (and who
-- cancelled it, why, and when the state changed) moves on.
CREATE TRIGGER prescription_signed_fixed BEFORE UPDATE ON prescription FOR EACH ROW
BEGIN
	IF OLD.signed_at IS NOT NULL AND NOT (
	    NEW.patient_id <=> OLD.patient_id AND NEW.plan_id <=> OLD.plan_id AND
	    NEW.plan_version <=> OLD.plan_version AND NEW.prescriber_id <=> OLD.prescriber_id AND
	    NEW.product_id <=> OLD.product_id AND NEW.dose <=> OLD.dose AND
	    NEW.quantity <=> OLD.quantity AND NEW.daily_amount <=> OLD.daily_amount AND
	    NEW.days_supply <=> OLD.days_supply AND NEW.thc_ug_total <=> OLD.thc_ug_total AND
	    NEW.cbd_ug_total <=> OLD.cbd_ug_total AND NEW.justification <=> OLD.justification AND
	    NEW.instalment_amount <=> OLD.instalment_amount AND
	    NEW.instalment_interval_days <=> OLD.instalment_interval_days AND
	    NEW.start_date <=> OLD.start_date AND NEW.effective_at <=> OLD.effective_at AND
	    NEW.signed_at <=> OLD.signed_at AND NEW.valid_until <=> OLD.valid_until AND
	    NEW.key_id <=> OLD.key_id AND NEW.document <=> OLD.document AND
	    NEW.signature <=> OLD.signature AND NEW.initial <=> OLD.initial AND
	    NEW.paper_required <=> OLD.paper_required) THEN
		SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
		    'prescription is signed: only its state may change';
	END IF;
END;

CREATE TRIGGER prescription_no_delete BEFORE DELETE ON prescription FOR EACH ROW
	SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'prescriptions are never removed';

-- Every state a prescription has been in, with who moved it and why: the
-- readable timeline (the audit trail holds the same, chained).
CREATE TABLE prescription_event (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	prescription_id	BIGINT UNSIGNED NOT NULL,
	status		VARCHAR(20) NOT NULL,
	at		DATETIME(6) NOT NULL,
	actor_id	BIGINT UNSIGNED NULL,	-- NULL: the system (e.g. expiry)
	reason		VARCHAR(1000) NULL,
	KEY prescription_event_rx (prescription_id, id),
	CONSTRAINT prescription_event_rx_fk FOREIGN KEY (prescription_id)
		REFERENCES prescription (id),
	CONSTRAINT prescription_event_actor_fk FOREIGN KEY (actor_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON formulary_product TO clinic_app_role;
-- Plans change by UPDATE; system versioning keeps every earlier version, and
-- without DELETE HISTORY nobody through the application can remove one.
GRANT SELECT, INSERT, UPDATE ON treatment_plan TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON prescriber_key TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON prescription TO clinic_app_role;
GRANT SELECT, INSERT ON prescription_event TO clinic_app_role;
