#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "log.h"

static const char	*log_prog = "clinic";
static const char	*log_rid;
static enum log_level	 log_min = LOG_LVL_INFO;

static const char *const level_names[LOG_LVL__MAX] = {
	"debug", "info", "warn", "error",
};

const char *
cerr_str(enum cerr e)
{
	switch (e) {
	case CE_OK:		return "no error";
	case CE_NOMEM:		return "out of memory";
	case CE_DB:		return "database error";
	case CE_DEADLOCK:	return "deadlock or lock wait timeout";
	case CE_DUPLICATE:	return "duplicate key";
	case CE_NOTFOUND:	return "not found";
	case CE_GONE:		return "database connection lost";
	case CE_CRYPTO:		return "cryptographic library failure";
	case CE_CONF:		return "invalid configuration";
	case CE_IO:		return "input/output error";
	case CE_INVALID:	return "invalid input";
	case CE_TAMPERED:	return "audit chain broken";
	case CE__MAX:		break;
	}
	return "unknown error";
}

void
log_init(const char *prog, enum log_level min)
{
	log_prog = prog;
	log_min = min;
}

void
log_set_request(const char *rid)
{
	log_rid = rid;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char		 buf[2048], out[4096];
	const unsigned char *s;
	size_t		 o = 0;
	va_list		 ap;

	if (lvl < log_min || lvl >= LOG_LVL__MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Escape everything outside printable ASCII, and quotes. */
	for (s = (const unsigned char *)buf; *s != '\0' && o + 5 < sizeof(out); s++) {
		if (*s == '"' || *s == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*s;
		} else if (*s < 0x20 || *s >= 0x7f) {
			(void)snprintf(out + o, sizeof(out) - o, "\\x%02x", *s);
			o += 4;
		} else
			out[o++] = (char)*s;
	}
	out[o] = '\0';
	fprintf(stderr, "level=%s prog=%s rid=%s msg=\"%s\"\n", level_names[lvl],
	    log_prog, log_rid != NULL ? log_rid : "-", out);
}
