#ifndef CLINIC_STRBUF_H
#define CLINIC_STRBUF_H
/*
 * A growable text buffer whose memory belongs to a request's pool, and the
 * CSV cells the reports and the controlled-drug register are written with.
 *
 * Ownership: b->s is pool memory (freed with the pool, never by the caller);
 * it is NUL-terminated after every successful write and NULL while nothing
 * has been written. Writing never fails loudly: on out-of-memory (or a NULL
 * string given to strbuf_puts/strbuf_put) b->oom is set and every later
 * write is ignored, so a caller writes everything and checks oom once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;
struct req;

struct strbuf {
	struct pool	*pool;
	char		*s;
	size_t		 len, cap;
	bool		 oom;
};

/* An empty buffer drawing on pool (not copied; the pool must outlive b). */
void	strbuf_init(struct strbuf *b, struct pool *pool);
/* Appends n bytes of s; s NULL sets oom. */
void	strbuf_put(struct strbuf *b, const char *s, size_t n);
/* Appends the NUL-terminated s; s NULL sets oom (pool_printf's NULL included). */
void	strbuf_puts(struct strbuf *b, const char *s);

/*
 * One CSV cell (RFC 4180) followed by "," or, when last, "\r\n". Quoted when
 * it holds a comma, quote or line break (quotes doubled). Text a spreadsheet
 * would run as a formula (starting with = + - @, TAB or CR) is neutralised:
 * quoted, with ' as the first character inside the quotes. s NULL is an
 * empty cell.
 */
void	csv_cell(struct strbuf *b, const char *s, bool last);
/* An integer cell: digits and a sign only, never neutralised. */
void	csv_int(struct strbuf *b, int64_t v, bool last);

/*
 * Answers r with b's text as a text/csv attachment named filename (its
 * quotes are not escaped: give a plain name). Returns 200, or 500 through
 * reply_internal() when b->oom is set or memory runs out. r->out points
 * into the pool (b->s, or an empty string).
 */
int	csv_reply(struct req *r, struct strbuf *b, const char *filename);

#endif
