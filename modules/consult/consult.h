#ifndef CLINIC_CONSULT_H
#define CLINIC_CONSULT_H
/*
 * consult.fcgi: shared between its resource files (room.c, signal.c,
 * notes.c) and the pure parts the unit and fuzz tests link (turn.c,
 * sigmsg.c). Handlers follow serve.h: one reply each, state changes end with
 * audit_commit(). Strings returned here belong to r->pool unless a comment
 * says otherwise.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "../appointments/appt.h"

struct req;
struct json_object;

/* One appointment seen from its room by one of its two participants. */
struct room {
	struct appt	 a;
	bool		 clinician;	/* the caller is the appointment's clinician */
	int64_t		 opens, closes;	/* the window (Unix seconds) */
	bool		 open;		/* booked, not ended, and now inside the window */
	bool		 admitted;	/* the clinician has admitted the patient */
	bool		 ended;		/* the clinician has ended the consultation */
	bool		 present;	/* the patient is in the waiting room or call */
};

/*
 * Loads the appointment of path parameter {id} for r's principal, who must
 * be its patient (role patient) or its clinician (role clinician); anyone
 * else, an admin included, gets CE_NOTFOUND (reply 404), as for an id
 * nobody has. With lock, the appointment row is locked (FOR UPDATE; a
 * transaction must be open). CE_OK or a database error.
 */
enum cerr	 room_load(struct req *, bool lock, struct room *);
/* "patient" or "clinician". */
const char	*room_role(const struct room *);
/* "waiting", "admitted" or "ended". */
const char	*room_state(const struct room *);
/*
 * Refusals (any open transaction rolled back first): 404 not-found, or 403
 * forbidden (the patient asking for what only the clinician does).
 */
int		 cons_refuse(struct req *, int status);
/* 409 room-closed naming room_opens and room_closes (rolls back first). */
int		 room_closed(struct req *, const struct room *, const char *detail);
/* The current time (Unix seconds). */
int64_t		 cons_now(void);

/*
 * TURN REST credentials (coturn use-auth-secret): username
 * "<expiry>:<user_id>", credential base64(HMAC-SHA1(secret, username)).
 * user needs TURN_USER_MAX bytes, cred TURN_CRED_MAX. CE_OK or CE_CRYPTO.
 */
#define TURN_USER_MAX	48
#define TURN_CRED_MAX	32	/* 20 bytes in base64 = 28 + NUL */
enum cerr	 turn_credential(const char *secret, size_t secretlen, int64_t user_id,
		    int64_t expiry, char user[TURN_USER_MAX], char cred[TURN_CRED_MAX]);

/*
 * Signalling messages (docs/API.md#consult). sig_rewrite() checks one
 * message as a participant sent it (the body of POST .../signal/messages,
 * msg[0..len), any bytes) and builds what is published: a JSON object with
 * "type", the server-stamped "from" and "from_id", then the client's other
 * members (any "from"/"from_id" it sent are replaced; SIG_AS_SENT says they
 * were already right — informative only since publishing moved off nchan's
 * upstream path). Returns the type's flags (> 0) with *out set (a malloc'd
 * NUL-terminated string the caller frees), or a SIG_DROP_* reason (< 0)
 * with *out NULL.
 */
#define SIG_CLINICIAN_ONLY	0x1	/* admitted, ended */
#define SIG_NEEDS_ADMISSION	0x2	/* description, candidate: a patient's wait for admission */
#define SIG_OK			0x4
#define SIG_AS_SENT		0x8	/* the client's own from/from_id are already the server's */
enum {
	SIG_DROP_SIZE = -1,	/* empty or over max_bytes */
	SIG_DROP_JSON = -2,	/* not a strict JSON object */
	SIG_DROP_TYPE = -3,	/* no "type", or not one of the types */
	SIG_DROP_SHAPE = -4,	/* a type's payload of the wrong shape */
	SIG_DROP_ROLE = -5,	/* a clinician-only type from the patient */
	SIG_DROP_NOMEM = -6
};
int		 sig_rewrite(const char *msg, size_t len, size_t max_bytes, bool clinician,
		    int64_t user_id, char **out, const char **type);

/* Handlers. */
int	room_get(struct req *);
int	room_join(struct req *);
int	room_admit(struct req *);
int	room_end(struct req *);
int	signal_authorize(struct req *);
int	signal_send(struct req *);
int	notes_get(struct req *);
int	notes_put(struct req *);
int	notes_sign(struct req *);

#endif
