/* TOTP second factor: enrolment with a QR code, confirmation, verification. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <qrencode.h>

#include "audit.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "session.h"
#include "stepup.h"
#include "user.h"

#define SECRET_BYTES	20	/* 160 bits, as RFC 4226 recommends */

static const char SQL_SET_PENDING[] =
    "UPDATE users SET mfa_pending = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

/* Percent-encodes s for an otpauth:// URI component. */
static char *
uri_escape(struct pool *pool, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			*d, *o;

	if ((d = pool_calloc(pool, strlen(s) * 3 + 1, 1)) == NULL)
		return NULL;
	for (o = d; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '@')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return d;
}

/* An SVG of the QR code for text: one path, 4-module quiet zone. NULL on failure. */
static char *
qr_svg(struct pool *pool, const char *text)
{
	QRcode		*qr;
	char		*svg = NULL, *path, *p;
	int		 x, y, w, q = 4;
	size_t		 cap;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL)
		return NULL;
	w = qr->width;
	cap = (size_t)w * (size_t)w * 24 + 1;
	if ((path = pool_calloc(pool, cap, 1)) == NULL)
		goto out;
	p = path;
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (qr->data[y * w + x] & 1)
				p += snprintf(p, cap - (size_t)(p - path), "M%d %dh1v1h-1z",
				    x + q, y + q);
	svg = pool_printf(pool, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
	    " width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\""
	    " aria-label=\"QR code for your authenticator app\">"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"%s\"/></svg>", w + 2 * q, w + 2 * q,
	    (w + 2 * q) * 6, (w + 2 * q) * 6, path);
out:
	QRcode_free(qr);
	return svg;
}

int
auth_mfa_enrol(struct req *r)
{
	struct json_object	*o;
	unsigned char		 secret[SECRET_BYTES], sealed[SECRET_BYTES + SEAL_OVERHEAD];
	char			 b32[40], id[24], *uri, *issuer, *label;
	enum cerr		 rc;

	if (r->who.mfa_enrolled && !r->who.mfa_done)
		return reply_problem(r, 403, "mfa-required", "Second factor required",
		    "Enter a code from your current authenticator app before setting up a new one.");
	if ((rc = crypto_random(secret, sizeof(secret))) != CE_OK ||
	    (rc = crypto_seal(conf_secret_key(), TOTP_SEAL_LABEL, secret, sizeof(secret),
	    sealed)) != CE_OK)
		return reply_internal(r, "cannot make a second-factor secret");
	base32_encode(secret, sizeof(secret), b32);
	issuer = uri_escape(r->pool, conf.totp_issuer);
	label = pool_printf(r->pool, "%s:%s", conf.totp_issuer, r->who.email);
	if (issuer == NULL || label == NULL || (label = uri_escape(r->pool, label)) == NULL ||
	    (uri = pool_printf(r->pool, "otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1"
	    "&digits=6&period=30", label, b32, issuer)) == NULL)
		return reply_internal(r, "out of memory");
	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_SET_PENDING, "bi", sealed, sizeof(sealed),
	    r->who.user_id)) != CE_OK ||
	    (rc = audit_commit(r, "auth.mfa.enrol_started", "user", id, "success", NULL)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "secret", json_object_new_string(b32));
	json_object_object_add(o, "otpauth_uri", json_object_new_string(uri));
	json_object_object_add(o, "qr_svg", json_object_new_string(qr_svg(r->pool, uri)));
	return reply_json(r, 200, o);
}

/*
 * Checks r's code against the stored (enrolling: pending) secret with the
 * shared second-factor check (stepup.h): a code is accepted once only.
 */
static int
check_code(struct req *r, bool enrolling)
{
	enum stepup_outcome	 out;
	char			 id[24];
	int64_t			 wait;
	enum cerr		 rc;

	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	if ((rc = stepup_check(r, r->in.vals[0].s, enrolling, &out, &wait)) != CE_OK) {
		if (rc == CE_CRYPTO)
			return reply_internal(r, "a stored second-factor secret cannot be opened "
			    "(was secret_key changed?)");
		return rc == CE_NOTFOUND ? reply_internal(r, "user row vanished") :
		    reply_db(r, rc);
	}
	switch (out) {
	case STEPUP_WAIT:
		return throttle_reply(r, wait);
	case STEPUP_NO_SECRET:
		return enrolling ?
		    reply_problem(r, 409, "mfa-not-started", "Set-up has not been started",
		    "Start setting up an authenticator app first.") :
		    reply_problem(r, 409, "mfa-not-enrolled", "No authenticator app is set up",
		    "Set one up first.");
	case STEPUP_WRONG:
		if ((rc = audit_commit(r, enrolling ? "auth.mfa.enrol_confirm" : "auth.mfa.verify",
		    "user", id, "failure", NULL)) != CE_OK)
			return reply_db(r, rc);
		return reply_field(r, 422, "code",
		    "is not right or was already used: enter the current code from your app");
	default:
		break;
	}
	if ((rc = session_start(r, r->who.user_id, true)) != CE_OK ||
	    (rc = audit_commit(r, enrolling ? "auth.mfa.enrolled" : "auth.mfa.verified", "user", id,
	    "success", NULL)) != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 200, auth_session_json(r));
}

int
auth_mfa_enrol_confirm(struct req *r)
{
	if (r->who.mfa_enrolled && !r->who.mfa_done)
		return reply_problem(r, 403, "mfa-required", "Second factor required",
		    "Enter a code from your current authenticator app first.");
	return check_code(r, true);
}

int
auth_mfa_verify(struct req *r)
{
	if (r->who.mfa_done && r->who.mfa_enrolled)
		return reply_problem(r, 409, "mfa-done", "Already verified",
		    "This session has already passed the second factor.");
	return check_code(r, false);
}
