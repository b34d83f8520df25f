-- 0008_consult (issue 4): video consultation rooms and consultation notes
-- (modules/consult, docs/API.md#consult). Times are UTC.

-- The room of one appointment, created at the first join. The patient waits
-- until the clinician admits them; the clinician ends the consultation.
-- patient_present: joined (GET .../join) and not since left ("bye").
CREATE TABLE consult_room (
	appointment_id		BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	patient_joined_at	DATETIME(6) NULL,
	patient_left_at		DATETIME(6) NULL,
	patient_present		TINYINT(1) NOT NULL DEFAULT 0,
	clinician_joined_at	DATETIME(6) NULL,
	admitted_at		DATETIME(6) NULL,
	admitted_by		BIGINT UNSIGNED NULL,
	ended_at		DATETIME(6) NULL,
	ended_by		BIGINT UNSIGNED NULL,
	updated_at		DATETIME(6) NOT NULL,
	CONSTRAINT consult_room_appointment_fk FOREIGN KEY (appointment_id)
		REFERENCES appointment (id),
	CONSTRAINT consult_room_admitted_by_fk FOREIGN KEY (admitted_by) REFERENCES users (id),
	CONSTRAINT consult_room_ended_by_fk FOREIGN KEY (ended_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Consultation notes (SOAP) as versions: every save is a new row, never
-- changed or removed, so what was written and signed stays readable.
-- version counts from 1 per appointment; kind says what the save was: a draft,
-- the clinician's signature (a copy of the text signed), or an amendment
-- after a signature (with its reason).
CREATE TABLE consult_note_version (
	appointment_id	BIGINT UNSIGNED NOT NULL,
	version		INT UNSIGNED NOT NULL,
	kind		ENUM('draft','signature','amendment') NOT NULL,
	subjective	MEDIUMTEXT NOT NULL,
	objective	MEDIUMTEXT NOT NULL,
	assessment	MEDIUMTEXT NOT NULL,
	plan		MEDIUMTEXT NOT NULL,
	reason		VARCHAR(1000) NULL,
	author_id	BIGINT UNSIGNED NOT NULL,
	saved_at	DATETIME(6) NOT NULL,
	PRIMARY KEY (appointment_id, version),
	CONSTRAINT consult_note_version_appointment_fk FOREIGN KEY (appointment_id)
		REFERENCES appointment (id),
	CONSTRAINT consult_note_version_author_fk FOREIGN KEY (author_id) REFERENCES users (id),
	CONSTRAINT consult_note_version_positive CHECK (version >= 1),
	CONSTRAINT consult_note_version_reason CHECK (kind <> 'amendment' OR reason IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Signalling messages per (appointment, sender) in the current 10-second
-- window, so the rate limit holds across every consult process.
CREATE TABLE consult_signal_rate (
	appointment_id	BIGINT UNSIGNED NOT NULL,
	user_id		BIGINT UNSIGNED NOT NULL,
	window_start	DATETIME(0) NOT NULL,
	messages	INT UNSIGNED NOT NULL,
	PRIMARY KEY (appointment_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON consult_room TO clinic_app_role;
-- Versions are only ever added.
GRANT SELECT, INSERT ON consult_note_version TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE ON consult_signal_rate TO clinic_app_role;
