/* See strbuf.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pool.h"
#include "reply.h"
#include "req.h"
#include "strbuf.h"

void
strbuf_init(struct strbuf *b, struct pool *pool)
{
	b->pool = pool;
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void
strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	char	*ns;
	size_t	 cap;

	if (b->oom)
		return;
	if (s == NULL || n > SIZE_MAX / 2 - b->len - 1) {
		b->oom = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap == 0 ? 1024 : b->cap; cap < b->len + n + 1; cap *= 2)
			;
		if ((ns = pool_calloc(b->pool, 1, cap)) == NULL) {
			b->oom = true;
			return;
		}
		if (b->len > 0)
			memcpy(ns, b->s, b->len);
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, s != NULL ? strlen(s) : 0);
}

static void
csv_end(struct strbuf *b, bool last)
{
	strbuf_put(b, last ? "\r\n" : ",", last ? 2 : 1);
}

void
csv_cell(struct strbuf *b, const char *s, bool last)
{
	const char	*p;
	bool		 formula;

	if (s == NULL)
		s = "";
	formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
	if (!formula && strpbrk(s, ",\"\r\n") == NULL)
		strbuf_puts(b, s);
	else {
		strbuf_put(b, formula ? "\"'" : "\"", formula ? 2 : 1);
		for (p = s; *p != '\0'; p++) {
			strbuf_put(b, p, 1);
			if (*p == '"')
				strbuf_put(b, "\"", 1);
		}
		strbuf_put(b, "\"", 1);
	}
	csv_end(b, last);
}

void
csv_int(struct strbuf *b, int64_t v, bool last)
{
	char	n[24];
	int	k = snprintf(n, sizeof(n), "%" PRId64, v);

	if (k <= 0 || (size_t)k >= sizeof(n)) {
		b->oom = true;
		return;
	}
	strbuf_put(b, n, (size_t)k);
	csv_end(b, last);
}

int
csv_reply(struct req *r, struct strbuf *b, const char *filename)
{
	const char	*disp;

	if (b->oom || filename == NULL ||
	    (disp = pool_printf(r->pool, "attachment; filename=\"%s\"", filename)) == NULL)
		return reply_internal(r, "out of memory");
	if (reply_header(r, "Content-Type", "text/csv; charset=utf-8") != 0 ||
	    reply_header(r, "Content-Disposition", disp) != 0)
		return reply_internal(r, "out of memory");
	r->out = b->s != NULL ? b->s : pool_strdup(r->pool, "");
	r->outlen = b->len;
	if (r->out == NULL)
		return reply_internal(r, "out of memory");
	r->status = 200;
	return 200;
}
