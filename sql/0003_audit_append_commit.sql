-- audit_append can end the caller's transaction itself (p_commit = 1): the
-- change, its audit row and the COMMIT then take one round trip, and the
-- chain lock is never held while the client is away between two statements.
-- Measured on 2 cores: the extra round trip under the lock capped audited
-- writes at about 1,600/s.

DROP PROCEDURE IF EXISTS audit_append;

CREATE PROCEDURE audit_append(
	IN p_actor_id BIGINT UNSIGNED,
	IN p_actor_role VARCHAR(20) CHARACTER SET utf8mb4,
	IN p_actor_reg VARCHAR(20) CHARACTER SET utf8mb4,
	IN p_action VARCHAR(64) CHARACTER SET utf8mb4,
	IN p_entity_type VARCHAR(32) CHARACTER SET utf8mb4,
	IN p_entity_id VARCHAR(64) CHARACTER SET utf8mb4,
	IN p_outcome VARCHAR(16) CHARACTER SET utf8mb4,
	IN p_request_id VARCHAR(64) CHARACTER SET utf8mb4,
	IN p_client_addr VARCHAR(45) CHARACTER SET utf8mb4,
	IN p_details LONGTEXT CHARACTER SET utf8mb4,
	IN p_commit TINYINT)
	MODIFIES SQL DATA
	SQL SECURITY DEFINER
BEGIN
	DECLARE v_seq BIGINT UNSIGNED;
	DECLARE v_prev CHAR(64);
	DECLARE v_at VARCHAR(26);
	DECLARE v_actor VARCHAR(20);
	DECLARE v_hash CHAR(64);

	SELECT seq, hash INTO v_seq, v_prev FROM audit_head WHERE id = 1 FOR UPDATE;
	SET v_seq = v_seq + 1;
	SET v_at = DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f');
	SET v_actor = IF(p_actor_id = 0, NULL, CAST(p_actor_id AS CHAR));
	SET v_hash = SHA2(CONCAT(UNHEX(v_prev), 'clinic-audit-v1',
		audit_field(CAST(v_seq AS CHAR)), audit_field(v_at), audit_field(v_actor),
		audit_field(p_actor_role), audit_field(p_actor_reg), audit_field(p_action),
		audit_field(p_entity_type), audit_field(p_entity_id), audit_field(p_outcome),
		audit_field(p_request_id), audit_field(p_client_addr), audit_field(p_details)), 256);
	INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, actor_reg, action,
		entity_type, entity_id, outcome, request_id, client_addr, details, prev_hash, hash)
	VALUES (v_seq, v_at, NULLIF(p_actor_id, 0), p_actor_role, p_actor_reg, p_action,
		p_entity_type, p_entity_id, p_outcome, p_request_id, p_client_addr, p_details,
		v_prev, v_hash);
	UPDATE audit_head SET seq = v_seq, hash = v_hash WHERE id = 1;
	IF p_commit THEN
		COMMIT;
	END IF;
END;

GRANT EXECUTE ON PROCEDURE audit_append TO clinic_app_role;
