-- Foundation: people, sessions, sign-in throttling and the audit trail.
-- Applied by `clinic migrate`, which records it in schema_migrations.

CREATE TABLE users (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	email		VARCHAR(254) NOT NULL,
	password_hash	VARCHAR(160) NOT NULL,
	role		ENUM('patient','clinician','pharmacist','admin','auditor') NOT NULL,
	given_name	VARCHAR(100) NOT NULL,
	family_name	VARCHAR(100) NOT NULL,
	date_of_birth	DATE NULL,
	gmc_number	VARCHAR(7) NULL,
	gphc_number	VARCHAR(7) NULL,
	specialist	TINYINT(1) NOT NULL DEFAULT 0,
	mfa_secret	VARBINARY(64) NULL,
	mfa_pending	VARBINARY(64) NULL,
	mfa_last_step	BIGINT NOT NULL DEFAULT -1,
	preferences	JSON NOT NULL DEFAULT '{}',
	disabled	TINYINT(1) NOT NULL DEFAULT 0,
	created_at	DATETIME(6) NOT NULL,
	updated_at	DATETIME(6) NOT NULL,
	UNIQUE KEY users_email (email),
	KEY users_role (role)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
	token_hash	BINARY(32) NOT NULL PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	csrf_token	CHAR(43) NOT NULL,
	mfa_done	TINYINT(1) NOT NULL DEFAULT 0,
	created_at	DATETIME(6) NOT NULL,
	last_seen	DATETIME(6) NOT NULL,
	client_addr	VARCHAR(45) NULL,
	user_agent	VARCHAR(255) NULL,
	KEY sessions_user (user_id),
	CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Failed sign-in (and second-factor) attempts, per account and per client address.
CREATE TABLE login_throttle (
	scope		ENUM('account','address','mfa') NOT NULL,
	subject		VARCHAR(254) NOT NULL,
	failures	INT UNSIGNED NOT NULL DEFAULT 0,
	last_failure	DATETIME(6) NOT NULL,
	blocked_until	DATETIME(6) NULL,
	PRIMARY KEY (scope, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The audit trail. Rows are appended only: see modules/common/audit.h for the
-- hash chain and docs/AUDIT.md for how to verify it from outside.
CREATE TABLE audit_event (
	seq		BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	occurred_at	DATETIME(6) NOT NULL,
	actor_id	BIGINT UNSIGNED NULL,
	actor_role	VARCHAR(20) NULL,
	actor_reg	VARCHAR(20) NULL,
	action		VARCHAR(64) NOT NULL,
	entity_type	VARCHAR(32) NULL,
	entity_id	VARCHAR(64) NULL,
	outcome		VARCHAR(16) NOT NULL,
	request_id	VARCHAR(64) NULL,
	client_addr	VARCHAR(45) NULL,
	details		LONGTEXT NOT NULL,
	prev_hash	CHAR(64) NOT NULL,
	hash		CHAR(64) NOT NULL,
	KEY audit_actor (actor_id, seq),
	KEY audit_entity (entity_type, entity_id, seq),
	KEY audit_action (action, seq),
	KEY audit_time (occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event FOR EACH ROW
	SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_event is append-only: UPDATE refused';

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event FOR EACH ROW
	SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_event is append-only: DELETE refused';

-- The chain head: its row lock orders concurrent writers.
CREATE TABLE audit_head (
	id		TINYINT UNSIGNED NOT NULL PRIMARY KEY,
	seq		BIGINT UNSIGNED NOT NULL,
	hash		CHAR(64) NOT NULL,
	CONSTRAINT audit_head_one CHECK (id = 1)
) ENGINE=InnoDB;

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, REPEAT('0', 64));

-- What the application account may do. `clinic migrate` grants this role to
-- the account named by db_user; audit_event is INSERT and SELECT only.
CREATE ROLE IF NOT EXISTS clinic_app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO clinic_app_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO clinic_app_role;
GRANT SELECT, UPDATE ON audit_head TO clinic_app_role;
GRANT SELECT, INSERT ON audit_event TO clinic_app_role;
GRANT SELECT ON schema_migrations TO clinic_app_role;
