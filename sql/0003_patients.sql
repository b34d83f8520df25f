-- Patient profile: what the clinic needs to know about a patient beyond
-- their account (users). One row per patient, created on first save; every
-- field may stay empty until it is needed (modules/patients).
CREATE TABLE patient_profile (
	user_id			BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	phone			VARCHAR(32) NULL,
	address_line1		VARCHAR(200) NULL,
	address_line2		VARCHAR(200) NULL,
	town			VARCHAR(100) NULL,
	postcode		VARCHAR(10) NULL,
	nhs_number		CHAR(10) NULL,
	gp_practice		VARCHAR(200) NULL,
	gp_address		VARCHAR(400) NULL,
	emergency_name		VARCHAR(200) NULL,
	emergency_phone		VARCHAR(32) NULL,
	emergency_relationship	VARCHAR(100) NULL,
	consent_registry	TINYINT(1) NULL,	-- NULL: not yet asked/answered
	contact_email		TINYINT(1) NOT NULL DEFAULT 1,
	contact_sms		TINYINT(1) NOT NULL DEFAULT 0,
	contact_post		TINYINT(1) NOT NULL DEFAULT 0,
	updated_at		DATETIME(6) NOT NULL,
	KEY patient_profile_nhs (nhs_number),
	KEY patient_profile_postcode (postcode),
	CONSTRAINT patient_profile_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON patient_profile TO clinic_app_role;
