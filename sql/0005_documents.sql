-- Documents (modules/documents): uploads over tus 1.0.0, typed by content,
-- stored encrypted under upload_dir. One row per upload; it becomes the
-- document when its last byte arrives. The bytes themselves are never in the
-- database: <upload_dir>/<token>.seg holds the sealed segments and
-- <token>.tail the sealed unfinished last segment while an upload runs.

-- Staff asking a patient to upload (again), with the reason the patient sees.
CREATE TABLE document_requests (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id	BIGINT UNSIGNED NOT NULL,
	category	ENUM('medical_records_summary','identity','letter','other') NOT NULL,
	reason		VARCHAR(1000) NOT NULL,
	requested_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	fulfilled_at	DATETIME(6) NULL,
	document_id	BIGINT UNSIGNED NULL,
	KEY document_requests_patient (patient_id, fulfilled_at),
	CONSTRAINT document_requests_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id),
	CONSTRAINT document_requests_staff_fk FOREIGN KEY (requested_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE documents (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	token		CHAR(32) CHARACTER SET ascii NOT NULL,	-- the tus upload id (random)
	patient_id	BIGINT UNSIGNED NOT NULL,
	filename	VARCHAR(255) NOT NULL,
	category	ENUM('medical_records_summary','identity','letter','other') NOT NULL,
	client_type	VARCHAR(100) NULL,		-- what the client said (filetype); not trusted
	media_type	VARCHAR(100) NULL,		-- what libmagic found in the bytes
	length		BIGINT UNSIGNED NOT NULL,	-- Upload-Length
	received	BIGINT UNSIGNED NOT NULL DEFAULT 0,	-- Upload-Offset
	status		ENUM('uploading','ready','deleted','refused') NOT NULL DEFAULT 'uploading',
	wrapped_key	VARBINARY(96) NULL,		-- data key sealed by document_key; NULL once deleted
	request_id	BIGINT UNSIGNED NULL,		-- the document_requests row it answers
	lease		CHAR(32) CHARACTER SET ascii NULL,	-- the PATCH writing now
	lease_until	DATETIME(6) NULL,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	completed_at	DATETIME(6) NULL,
	UNIQUE KEY documents_token (token),
	KEY documents_patient (patient_id, status, created_at),
	CONSTRAINT documents_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id),
	CONSTRAINT documents_request_fk FOREIGN KEY (request_id) REFERENCES document_requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON documents TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON document_requests TO clinic_app_role;
