-- 0007_appointments (issue 4): appointment types, clinicians' availability
-- (weekly templates in local wall-clock time plus exceptions in UTC) and
-- appointments (modules/appointments). Times are UTC unless a column says
-- otherwise; the clinic's zone is the clinic_timezone setting.

CREATE TABLE appointment_type (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	code		VARCHAR(32) NOT NULL,
	name		VARCHAR(100) NOT NULL,
	minutes		INT UNSIGNED NOT NULL,
	fee_pence	INT UNSIGNED NOT NULL,
	currency	CHAR(3) NOT NULL DEFAULT 'GBP',
	active		TINYINT(1) NOT NULL DEFAULT 1,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	UNIQUE KEY appointment_type_code (code),
	CONSTRAINT appointment_type_minutes CHECK (minutes BETWEEN 5 AND 480)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO appointment_type (code, name, minutes, fee_pence, currency, active, created_at, updated_at)
VALUES ('initial', 'Initial consultation', 30, 15000, 'GBP', 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
       ('follow_up', 'Follow-up consultation', 15, 7500, 'GBP', 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));

-- A clinician's weekly hours: on ISO weekday (Mon=1 .. Sun=7), from
-- start_time to end_time local wall-clock time in clinic_timezone (end
-- 24:00:00 means midnight at the end of the day), between valid_from and
-- valid_until (inclusive local dates; NULL: open-ended).
CREATE TABLE availability_template (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	clinician_id	BIGINT UNSIGNED NOT NULL,
	weekday		TINYINT UNSIGNED NOT NULL,
	start_time	TIME NOT NULL,
	end_time	TIME NOT NULL,
	valid_from	DATE NOT NULL,
	valid_until	DATE NULL,
	created_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	KEY availability_template_clinician (clinician_id, weekday),
	CONSTRAINT availability_template_weekday CHECK (weekday BETWEEN 1 AND 7),
	CONSTRAINT availability_template_times CHECK (start_time < end_time AND
		start_time >= '00:00:00' AND end_time <= '24:00:00'),
	CONSTRAINT availability_template_dates CHECK (valid_until IS NULL OR valid_until >= valid_from),
	CONSTRAINT availability_template_clinician_fk FOREIGN KEY (clinician_id) REFERENCES users (id)
		ON DELETE CASCADE,
	CONSTRAINT availability_template_creator_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Exceptions to the templates, in real time: leave removes every slot that
-- overlaps it, extra adds a session.
CREATE TABLE availability_exception (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	clinician_id	BIGINT UNSIGNED NOT NULL,
	kind		ENUM('leave','extra') NOT NULL,
	starts_at	DATETIME(0) NOT NULL,
	ends_at		DATETIME(0) NOT NULL,
	reason		VARCHAR(500) NULL,
	created_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	KEY availability_exception_clinician (clinician_id, starts_at),
	CONSTRAINT availability_exception_span CHECK (ends_at > starts_at),
	CONSTRAINT availability_exception_clinician_fk FOREIGN KEY (clinician_id) REFERENCES users (id)
		ON DELETE CASCADE,
	CONSTRAINT availability_exception_creator_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One appointment. Double booking is impossible here: `live` is 1 while the
-- appointment is booked (NULL otherwise, and NULLs never collide), so two
-- booked appointments of one clinician cannot share a start; overlapping
-- starts (a 15-minute and a 30-minute type) are refused by the booking code
-- under the clinician's row lock (SELECT ... FROM users ... FOR UPDATE).
-- sequence counts changes (reschedule, cancel): the .ics SEQUENCE.
-- fee_pence and currency are the type's at booking (copied by the booking
-- code), so a later change of the type's fee leaves booked and past
-- appointments as they were; NULL only in rows written other than by booking.
CREATE TABLE appointment (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	patient_id	BIGINT UNSIGNED NOT NULL,
	clinician_id	BIGINT UNSIGNED NOT NULL,
	type_id		BIGINT UNSIGNED NOT NULL,
	fee_pence	INT UNSIGNED NULL,
	currency	CHAR(3) NULL,
	starts_at	DATETIME(0) NOT NULL,
	ends_at		DATETIME(0) NOT NULL,
	status		ENUM('booked','cancelled','completed','no_show') NOT NULL DEFAULT 'booked',
	live		TINYINT AS (IF(status = 'booked', 1, NULL)) PERSISTENT,
	booked_by	BIGINT UNSIGNED NOT NULL,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	cancelled_at	DATETIME(6) NULL,
	cancelled_by	BIGINT UNSIGNED NULL,
	cancel_reason	VARCHAR(1000) NULL,
	sequence	INT UNSIGNED NOT NULL DEFAULT 0,
	UNIQUE KEY appointment_slot (clinician_id, starts_at, live),
	KEY appointment_patient (patient_id, starts_at),
	KEY appointment_clinician (clinician_id, starts_at),
	KEY appointment_starts (starts_at),
	CONSTRAINT appointment_span CHECK (ends_at > starts_at),
	CONSTRAINT appointment_patient_fk FOREIGN KEY (patient_id) REFERENCES users (id),
	CONSTRAINT appointment_clinician_fk FOREIGN KEY (clinician_id) REFERENCES users (id),
	CONSTRAINT appointment_type_fk FOREIGN KEY (type_id) REFERENCES appointment_type (id),
	CONSTRAINT appointment_booked_by_fk FOREIGN KEY (booked_by) REFERENCES users (id),
	CONSTRAINT appointment_cancelled_by_fk FOREIGN KEY (cancelled_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE ON appointment_type TO clinic_app_role;
GRANT SELECT, INSERT, DELETE ON availability_template TO clinic_app_role;
GRANT SELECT, INSERT, DELETE ON availability_exception TO clinic_app_role;
-- No DELETE: appointments are cancelled, never removed.
GRANT SELECT, INSERT, UPDATE ON appointment TO clinic_app_role;
