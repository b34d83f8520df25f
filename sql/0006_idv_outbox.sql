-- 0006_idv_outbox: the outbox (outbound calls, delivered by modules/dispatch)
-- and identity verification (modules/idv).

-- One outbound message. A request writes the row in its own transaction
-- (modules/common/outbox.h); a dispatcher claims it (status 'sending' with a
-- lease in locked_until), delivers it and records what happened. A row whose
-- lease ran out (its dispatcher died) is claimed again.
CREATE TABLE outbox (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kind		VARCHAR(64) NOT NULL,		-- names the dispatch handler: "idv.create_applicant"
	payload		JSON NOT NULL,
	idempotency_key	VARCHAR(128) NOT NULL,		-- sent as Idempotency-Key on every attempt
	status		ENUM('pending','sending','done','failed') NOT NULL DEFAULT 'pending',
	attempts	INT UNSIGNED NOT NULL DEFAULT 0,
	next_attempt_at	DATETIME(6) NOT NULL,
	locked_until	DATETIME(6) NULL,
	locked_by	VARCHAR(64) NULL,		-- the dispatcher holding the lease
	last_error	VARCHAR(500) NULL,
	created_at	DATETIME(6) NOT NULL,
	delivered_at	DATETIME(6) NULL,
	result		JSON NULL,			-- the partner's answer, as delivered
	UNIQUE KEY outbox_key (idempotency_key),
	KEY outbox_due (status, next_attempt_at),
	KEY outbox_kind (kind, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One identity check: a patient's attempt at the provider. status:
--   queued           waiting for the provider (applicant, workflow run)
--   link_ready       the provider's link / SDK token is ready for the patient
--   awaiting_result  the provider said the run finished; fetching its result
--   clear            verified by the provider
--   consider         the provider wants a human to look: admin review queue
--   declined         the provider refused it; the patient may try again
--   approved / rejected   an admin's decision on a 'consider'
--   failed           the provider could not be reached in time; try again
CREATE TABLE idv_check (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id	BIGINT UNSIGNED NOT NULL,
	attempt		INT UNSIGNED NOT NULL,		-- 1, 2, ... per patient
	status		ENUM('queued','link_ready','awaiting_result','clear','consider',
			     'declined','approved','rejected','failed') NOT NULL,
	applicant_id	VARCHAR(64) NULL,
	workflow_run_id	VARCHAR(64) NULL,
	sdk_token	VARCHAR(2048) NULL,
	link_url	VARCHAR(2048) NULL,
	provider_status	VARCHAR(32) NULL,		-- the workflow run's own status word
	provider_result	JSON NULL,			-- the workflow run as fetched
	webhooks	INT UNSIGNED NOT NULL DEFAULT 0,	-- accepted webhook events
	error		VARCHAR(500) NULL,
	decision	ENUM('approve','reject') NULL,
	decision_reason	VARCHAR(1000) NULL,
	decided_by	BIGINT UNSIGNED NULL,
	decided_at	DATETIME(6) NULL,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	completed_at	DATETIME(6) NULL,
	UNIQUE KEY idv_check_attempt (patient_id, attempt),
	UNIQUE KEY idv_check_run (workflow_run_id),
	KEY idv_check_status (status, updated_at),
	CONSTRAINT idv_check_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id)
		ON DELETE CASCADE,
	CONSTRAINT idv_check_decider_fk FOREIGN KEY (decided_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Patients whose identity is verified: one row each, written in the same
-- transaction as the check's outcome (clear, or approved by an admin).
-- Other modules ask here: SELECT verified_at FROM idv_verified WHERE patient_id = ?
CREATE TABLE idv_verified (
	patient_id	BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	check_id	BIGINT UNSIGNED NOT NULL,
	how		ENUM('clear','approved') NOT NULL,
	verified_at	DATETIME(6) NOT NULL,
	CONSTRAINT idv_verified_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id)
		ON DELETE CASCADE,
	CONSTRAINT idv_verified_check_fk FOREIGN KEY (check_id) REFERENCES idv_check (id)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- DELETE: `clinic purge` removes messages that ended outbox_keep_days ago.
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON idv_check TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON idv_verified TO clinic_app_role;
