#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define POOL_CHUNK	(16 * 1024)

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct cleanup {
	struct cleanup	*next;
	void		(*fn)(void *);
	void		*arg;
};

struct pool {
	struct chunk	*head;		/* current chunk; the first one is kept */
	struct chunk	*first;
	struct cleanup	*cleanups;
};

static struct chunk *
chunk_new(size_t size)
{
	struct chunk	*c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct pool *
pool_new(void)
{
	struct pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->first = chunk_new(POOL_CHUNK)) == NULL) {
		free(p);
		return NULL;
	}
	p->head = p->first;
	return p;
}

static void
run_cleanups(struct pool *p)
{
	struct cleanup	*c;

	while ((c = p->cleanups) != NULL) {
		p->cleanups = c->next;
		c->fn(c->arg);
	}
}

void
pool_reset(struct pool *p)
{
	struct chunk	*c, *next;

	run_cleanups(p);
	for (c = p->head; c != NULL && c != p->first; c = next) {
		next = c->next;
		free(c);
	}
	p->first->used = 0;
	p->first->next = NULL;
	p->head = p->first;
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pool_reset(p);
	free(p->first);
	free(p);
}

void *
pool_calloc(struct pool *p, size_t nmemb, size_t size)
{
	struct chunk	*c;
	size_t		 n, align = sizeof(max_align_t);

	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	n = nmemb * size;
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	c = p->head;
	if (c->size - c->used < n) {
		if ((c = chunk_new(n > POOL_CHUNK ? n : POOL_CHUNK)) == NULL)
			return NULL;
		c->next = p->head;
		p->head = c;
	}
	void *ret = (char *)c->data + c->used;
	c->used += n;
	memset(ret, 0, n);
	return ret;
}

char *
pool_strndup(struct pool *p, const char *s, size_t len)
{
	char	*d;

	if (len == SIZE_MAX || (d = pool_calloc(p, 1, len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	return d;
}

char *
pool_strdup(struct pool *p, const char *s)
{
	return pool_strndup(p, s, strlen(s));
}

char *
pool_printf(struct pool *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*d;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (d = pool_calloc(p, 1, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	n = vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : d;
}

int
pool_cleanup(struct pool *p, void (*fn)(void *), void *arg)
{
	struct cleanup	*c;

	if ((c = pool_calloc(p, 1, sizeof(*c))) == NULL)
		return -1;
	c->fn = fn;
	c->arg = arg;
	c->next = p->cleanups;
	p->cleanups = c;
	return 0;
}
