/* The encrypted files under upload_dir: one per document plus an upload's tail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "documents.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "tusparse.h"

static char *
key_label(struct pool *p, const char *token)
{
	return pool_printf(p, "clinic-document-data-key-v1:%s", token);
}

enum cerr
store_new_key(struct pool *p, const char *token, unsigned char key[SEG_KEY_LEN],
    unsigned char *out, size_t *outlen)
{
	const char	*label = key_label(p, token);
	enum cerr	 rc;

	if (label == NULL)
		return CE_NOMEM;
	if ((rc = crypto_random(key, SEG_KEY_LEN)) != CE_OK ||
	    (rc = crypto_seal(conf_document_key(), label, key, SEG_KEY_LEN, out)) != CE_OK)
		return rc;
	*outlen = SEG_KEY_LEN + SEAL_OVERHEAD;
	return CE_OK;
}

enum cerr
store_key(struct pool *p, const struct doc *d, unsigned char key[SEG_KEY_LEN])
{
	unsigned char	 buf[SEG_KEY_LEN + SEAL_OVERHEAD];
	const char	*label = key_label(p, d->token);
	size_t		 n = 0;
	enum cerr	 rc;

	if (label == NULL)
		return CE_NOMEM;
	if (d->wrapped_key == NULL || d->wrapped_len != sizeof(buf))
		return CE_INVALID;
	rc = crypto_open(conf_document_key(), label, d->wrapped_key, d->wrapped_len, buf, &n);
	if (rc == CE_OK && n != SEG_KEY_LEN)
		rc = CE_INVALID;
	if (rc == CE_OK)
		memcpy(key, buf, SEG_KEY_LEN);
	memset(buf, 0, sizeof(buf));
	return rc;
}

char *
store_path(struct pool *p, const char *token, const char *suffix)
{
	return pool_printf(p, "%s/%s%s", conf.upload_dir, token, suffix);
}

void
store_remove(struct pool *p, const char *token)
{
	const char	*suffix[] = { ".seg", ".tail", ".tail.new" };
	char		*path;
	size_t		 i;

	for (i = 0; i < nitems(suffix); i++)
		if ((path = store_path(p, token, suffix[i])) != NULL && unlink(path) == -1 &&
		    errno != ENOENT)
			log_err("documents: cannot remove %s: %s", path, strerror(errno));
}

/* Reads exactly n bytes at off; the count read (short at end of file) or -1. */
static ssize_t
read_at(int fd, unsigned char *buf, size_t n, off_t off)
{
	size_t	have = 0;
	ssize_t	got;

	while (have < n) {
		if ((got = pread(fd, buf + have, n - have, off + (off_t)have)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	return (ssize_t)have;
}

static int
write_at(int fd, const unsigned char *buf, size_t n, off_t off)
{
	size_t	done = 0;
	ssize_t	put;

	while (done < n) {
		if ((put = pwrite(fd, buf + done, n - done, off + (off_t)done)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)put;
	}
	return 0;
}

/*
 * The tail is normally in <token>.tail, sealed as SEG_PARTIAL for its index.
 * If a process stopped (or its database write failed) between writing a
 * segment and recording the new offset, the segment may be in the main file
 * instead: sealed SEG_MIDDLE when full, or SEG_LAST when it is the
 * document's final segment (any length). Each holds the bytes below
 * `received`, which never change once recorded.
 */
enum cerr
store_load_tail(struct pool *p, const char *token, const unsigned char *key,
    uint64_t length, uint64_t received, unsigned char *plain, size_t *fill,
    unsigned char *scratch)
{
	uint64_t	 index = received / SEG_PLAIN;
	size_t		 want = (size_t)(received % SEG_PLAIN), n = 0, slen;
	enum seg_kind	 kind;
	char		*path;
	ssize_t		 got;
	int		 fd, ok = 0;

	*fill = 0;
	if (want == 0)
		return CE_OK;
	if ((path = store_path(p, token, ".tail")) == NULL)
		return CE_NOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		got = read_at(fd, scratch, SEG_SEALED, 0);
		close(fd);
		ok = got > 0 && seg_open(key, index, SEG_PARTIAL, scratch, (size_t)got, plain,
		    &n) == 0 && n >= want;
	}
	if (!ok) {
		if ((path = store_path(p, token, ".seg")) == NULL)
			return CE_NOMEM;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return CE_IO;
		/* The final segment is SEG_LAST, however long; any other is full. */
		kind = index + 1 == seg_count(length) ? SEG_LAST : SEG_MIDDLE;
		slen = (kind == SEG_LAST ? seg_plain_len(length, index) : SEG_PLAIN) + SEG_OVERHEAD;
		got = read_at(fd, scratch, slen, (off_t)seg_offset(index));
		close(fd);
		ok = got == (ssize_t)slen && seg_open(key, index, kind, scratch, slen, plain,
		    &n) == 0 && n >= want;
	}
	if (!ok) {
		log_err("documents: the stored part of upload %s does not open", token);
		return CE_INVALID;
	}
	*fill = want;
	return CE_OK;
}

int
store_put_segment(int fd, const unsigned char *key, uint64_t index, enum seg_kind kind,
    const unsigned char *plain, size_t len, unsigned char *scratch)
{
	if (seg_seal(key, index, kind, plain, len, scratch) == -1)
		return -1;
	return write_at(fd, scratch, len + SEG_OVERHEAD, (off_t)seg_offset(index));
}

int
store_put_tail(struct pool *p, const char *token, const unsigned char *key, uint64_t index,
    const unsigned char *plain, size_t len, unsigned char *scratch)
{
	char	*tmp, *path;
	int	 fd, bad;

	if ((tmp = store_path(p, token, ".tail.new")) == NULL ||
	    (path = store_path(p, token, ".tail")) == NULL)
		return -1;
	if (seg_seal(key, index, SEG_PARTIAL, plain, len, scratch) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		return -1;
	bad = write_at(fd, scratch, len + SEG_OVERHEAD, 0) == -1 || fdatasync(fd) == -1;
	if (close(fd) == -1)
		bad = 1;
	if (bad || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

int
store_send(struct req *r, const struct doc *d)
{
	unsigned char	 key[SEG_KEY_LEN], *sealed, *plain;
	uint64_t	 i, n = seg_count(d->length);
	size_t		 want, got;
	char		*path, *disp;
	ssize_t		 rd;
	enum cerr	 rc;
	int		 fd, status;

	if ((sealed = pool_calloc(r->pool, 1, SEG_SEALED)) == NULL ||
	    (plain = pool_calloc(r->pool, 1, SEG_PLAIN)) == NULL ||
	    (path = store_path(r->pool, d->token, ".seg")) == NULL ||
	    (disp = tus_disposition(r->pool, d->filename)) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = store_key(r->pool, d, key)) != CE_OK)
		return reply_internal(r, "a document's data key does not open");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		memset(key, 0, sizeof(key));
		return reply_internal(r, "a document's file is missing");
	}
	status = -1;
	for (i = 0; i < n; i++) {
		want = seg_plain_len(d->length, i) + SEG_OVERHEAD;
		rd = read_at(fd, sealed, want, (off_t)seg_offset(i));
		if (rd != (ssize_t)want || seg_open(key, i, i + 1 == n ? SEG_LAST : SEG_MIDDLE,
		    sealed, want, plain, &got) == -1) {
			log_err("documents: document %lld segment %llu does not open",
			    (long long)d->id, (unsigned long long)i);
			if (i == 0)
				status = reply_internal(r, "a document's first segment does not open");
			break;
		}
		if (i == 0) {
			if (reply_header(r, "Content-Type", d->media_type) == -1 ||
			    reply_header(r, "Content-Disposition", disp) == -1) {
				status = reply_internal(r, "bad stored header value");
				break;
			}
			if (reply_stream_begin(r, 200, (long long)d->length) == -1)
				break;
		}
		if (reply_stream_write(r, plain, got) == -1)
			break;
		if (i + 1 == n)
			status = 200;
	}
	memset(key, 0, sizeof(key));
	memset(plain, 0, SEG_PLAIN);
	close(fd);
	return status;
}
