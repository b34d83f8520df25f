/*
 * documents.fcgi (docs/API.md#documents): tus 1.0.0 uploads (creation,
 * core, termination, checksum), typing by content, limits, encrypted storage
 * read back byte for byte, staff reads audited, re-upload requests, and a
 * patient never reaching another patient's upload or document.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "helpers.h"

#define TUS	"Tus-Resumable: 1.0.0"
#define OCTETS	"application/offset+octet-stream"
#define UPLOADS	"/api/v1/documents/uploads"

/* Standard base64 of n bytes into a static buffer. */
static const char *
b64(const void *p, size_t n)
{
	static char	out[4][512];
	static int	k;
	char		*o = out[k++ % 4];

	ck_assert(n < 300);
	EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	return o;
}

static const char *
meta(const char *filename, const char *category)
{
	static char	buf[2048];

	(void)snprintf(buf, sizeof(buf), "Upload-Metadata: filename %s,category %s,filetype %s",
	    b64(filename, strlen(filename)), b64(category, strlen(category)),
	    b64("application/pdf", 15));
	return buf;
}

/* POST a new upload; returns the response (Location in *loc when 201). */
static struct resp *
create(struct browser *b, unsigned long long length, const char *metadata, char *loc,
    size_t cap)
{
	char		 lenh[64];
	const char	*extra[] = { TUS, lenh, metadata, NULL };
	struct resp	*r;
	char		*l;

	(void)snprintf(lenh, sizeof(lenh), "Upload-Length: %llu", length);
	r = http_raw(b, "POST", UPLOADS, NULL, 0, NULL, b->csrf, extra);
	if (loc != NULL && r->status == 201) {
		l = resp_header(r, "Location");
		ck_assert_ptr_nonnull(l);
		ck_assert_msg(strncmp(l, UPLOADS "/", sizeof(UPLOADS)) == 0, "Location %s", l);
		(void)snprintf(loc, cap, "%s", l);
		free(l);
	}
	return r;
}

static struct resp *
patch(struct browser *b, const char *loc, unsigned long long off, const void *data, size_t n,
    const char *more)
{
	char		 offh[64];
	const char	*extra[] = { TUS, offh, more, NULL };

	(void)snprintf(offh, sizeof(offh), "Upload-Offset: %llu", off);
	return http_raw(b, "PATCH", loc, data, n, OCTETS, b->csrf, extra);
}

static struct resp *
head(struct browser *b, const char *loc)
{
	const char	*extra[] = { TUS, NULL };

	return http_raw(b, "HEAD", loc, NULL, 0, NULL, NULL, extra);
}

static long long
hdr_int(const struct resp *r, const char *name)
{
	char		*v = resp_header(r, name), *end;
	long long	 n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	ck_assert_msg(errno == 0 && end != v && *end == '\0' && n >= 0,
	    "%s is not a count: \"%s\"", name, v);
	free(v);
	return n;
}

/* A "PDF": the magic line then pseudo-random bytes (deterministic by seed). */
static unsigned char *
fake_pdf(size_t n, unsigned seed)
{
	unsigned char	*p = malloc(n);
	size_t		 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	memcpy(p, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15);
	return p;
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char	md[32];
	int		i;

	SHA256(p, n, md);
	for (i = 0; i < 32; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The upload id (last path segment) of a Location. */
static const char *
token_of(const char *loc)
{
	return strrchr(loc, '/') + 1;
}

/* The upload_dir of the test stack, from its clinic.conf. */
static const char *
upload_dir(void)
{
	static char	dir[512];
	FILE		*f;
	char		 line[1024];

	if (*dir != '\0')
		return dir;
	ck_assert_ptr_nonnull(f = fopen(E.conf, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "upload_dir = ", 13) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			(void)snprintf(dir, sizeof(dir), "%s", line + 13);
		}
	fclose(f);
	ck_assert_msg(*dir != '\0', "no upload_dir in %s", E.conf);
	return dir;
}

/* How many files under upload_dir belong to upload token. */
static int
files_of(const char *token)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir(upload_dir()));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, token, strlen(token)) == 0)
			n++;
	closedir(d);
	return n;
}

/* Document id's content, downloaded by b, is exactly the n bytes of data. */
static void
expect_content(struct browser *b, long long id, const void *data, size_t n)
{
	struct resp	*r;
	char		 want[65], got[65];

	r = api_get(b, "/api/v1/documents/%lld/content", id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_uint_eq(r->bodylen, n);
	sha256_hex(data, n, want);
	sha256_hex(r->body, r->bodylen, got);
	ck_assert_str_eq(got, want);
	resp_free(r);
}

/* Uploads data whole in PATCHes of `step` bytes; returns the document id. */
static long long
upload(struct user *u, const void *data, size_t n, size_t step, const char *filename,
    const char *category, char *loc, size_t cap)
{
	struct resp	*r;
	size_t		 off, k;
	char		 l[256];
	long long	 id;

	r = create(u->b, n, meta(filename, category), l, sizeof(l));
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	expect_one_audit(r, "document.upload_started", "success");
	resp_free(r);
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		r = patch(u->b, l, off, (const char *)data + off, k, NULL);
		ck_assert_msg(r->status == 204, "%s", rdesc(r));
		ck_assert_int_eq(hdr_int(r, "Upload-Offset"), (long long)(off + k));
		ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
		if (off + k == n)
			expect_one_audit(r, "document.uploaded", "success");
		resp_free(r);
	}
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(l));
	ck_assert_int_gt(id, 0);
	if (loc != NULL)
		(void)snprintf(loc, cap, "%s", l);
	return id;
}

START_TEST(test_options_advertise)
{
	struct browser	*b = br_new();
	struct resp	*r = http_raw(b, "OPTIONS", UPLOADS, NULL, 0, NULL, NULL, NULL);

	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Version: 1.0.0"));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Extension: creation,termination,checksum"));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Checksum-Algorithm: sha1"));
	ck_assert_int_eq(hdr_int(r, "Tus-Max-Size"), 209715200);
	resp_free(r);
	br_free(b);
}
END_TEST

START_TEST(test_upload_head_download_delete)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 5 * 65536 + 1234;	/* six segments, the last one short */
	unsigned char	*pdf = fake_pdf(n, 7);
	char		 loc[256], path[128], want[65], got[65], *h;
	long long	 id;

	user_register(&u, "docs");
	r = create(u.b, n, meta("Scan 1.pdf", "medical_records_summary"), loc, sizeof(loc));
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 0);
	/* Exactly one Tus-Resumable header. */
	h = strstr(r->headers, "Tus-Resumable:");
	ck_assert(h != NULL && strstr(h + 1, "Tus-Resumable:") == NULL);
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 0);
	ck_assert_int_eq(hdr_int(r, "Upload-Length"), (long long)n);
	ck_assert_ptr_nonnull(strstr(r->headers, "Cache-Control: no-store"));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
	resp_free(r);
	/* PATCHes ending mid-segment: the tail is kept sealed between them. */
	r = patch(u.b, loc, 0, pdf, 70000, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == 70000, "%s", rdesc(r));
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 70000);
	resp_free(r);
	/* Nothing on disk is plaintext. */
	{
		char	 fp[600];
		FILE	*f;
		char	 buf[16] = "";

		(void)snprintf(fp, sizeof(fp), "%s/%s.seg", upload_dir(), token_of(loc));
		ck_assert_ptr_nonnull(f = fopen(fp, "rb"));
		ck_assert_uint_eq(fread(buf, 1, 9, f), 9);
		fclose(f);
		ck_assert(memcmp(buf, "%PDF-1.7\n", 9) != 0);
	}
	r = patch(u.b, loc, 70000, pdf + 70000, 3, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == 70003, "%s", rdesc(r));
	resp_free(r);
	r = patch(u.b, loc, 70003, pdf + 70003, n - 70003, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == (long long)n, "%s",
	    rdesc(r));
	expect_one_audit(r, "document.uploaded", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 1);	/* the tail is gone */

	r = api(u.b, "GET", "/api/v1/documents", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "documents.0.filename"), "Scan 1.pdf");
	ck_assert_str_eq(jstr(r->json, "documents.0.category"), "medical_records_summary");
	ck_assert_str_eq(jstr(r->json, "documents.0.media_type"), "application/pdf");
	ck_assert_str_eq(jstr(r->json, "documents.0.status"), "ready");
	ck_assert_int_eq(jint(r->json, "documents.0.size"), (long long)n);
	id = jint(r->json, "documents.0.id");
	resp_free(r);

	r = api_get(u.b, "/api/v1/documents/%lld", id);
	ck_assert_msg(r->status == 200 && jint(r->json, "id") == id, "%s", rdesc(r));
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/documents/%lld/content", id);
	r = api(u.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_uint_eq(r->bodylen, n);
	sha256_hex(pdf, n, want);
	sha256_hex(r->body, r->bodylen, got);
	ck_assert_str_eq(got, want);
	h = resp_header(r, "Content-Type");
	ck_assert_str_eq(h, "application/pdf");
	free(h);
	h = resp_header(r, "Content-Disposition");
	ck_assert_str_eq(h, "attachment; filename=\"Scan 1.pdf\"; filename*=UTF-8''Scan%201.pdf");
	free(h);
	ck_assert_int_eq(hdr_int(r, "Content-Length"), (long long)n);
	resp_free(r);

	/* Termination of a finished upload deletes the document and its bytes. */
	r = http_raw(u.b, "DELETE", loc, NULL, 0, NULL, u.b->csrf, (const char *[]){ TUS, NULL });
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	expect_one_audit(r, "document.deleted", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 0);
	ck_assert_int_eq(sql_int("SELECT wrapped_key IS NULL FROM documents WHERE id = %lld", id),
	    1);
	r = api(u.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_int_eq(r->status, 404);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_terminate_in_progress)
{
	struct user	 u;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(100000, 3);
	char		 loc[256];

	user_register(&u, "term");
	r = create(u.b, 100000, meta("t.pdf", "letter"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 70000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 2);	/* segments + tail */
	r = http_raw(u.b, "DELETE", loc, NULL, 0, NULL, u.b->csrf, (const char *[]){ TUS, NULL });
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
	expect_one_audit(r, "document.upload_terminated", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 0);
	r = head(u.b, loc);
	ck_assert_int_eq(r->status, 404);
	resp_free(r);
	r = patch(u.b, loc, 70000, pdf + 70000, 30000, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/documents", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "documents")), 0);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_stale_upload_expires)
{
	struct user	 u;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(100000, 13);
	char		 old[256], loc[256];

	user_register(&u, "stale");
	r = create(u.b, 100000, meta("forgotten.pdf", "other"), old, sizeof(old));
	resp_free(r);
	r = patch(u.b, old, 0, pdf, 70000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	ck_assert_int_eq(sql_exec("UPDATE documents SET updated_at = UTC_TIMESTAMP(6) - INTERVAL 8 DAY"
	    " WHERE token = '%s'", token_of(old)), 0);
	/* The next creation ends the week-old upload: quota freed, bytes removed, audited. */
	r = create(u.b, 1000, meta("new.pdf", "other"), loc, sizeof(loc));
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT status = 'deleted' AND wrapped_key IS NULL FROM documents"
	    " WHERE token = '%s'", token_of(old)), 1);
	ck_assert_int_eq(files_of(token_of(old)), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'document.upload_expired' AND entity_id = (SELECT id FROM documents WHERE token = '%s')",
	    token_of(old)), 1);
	r = head(u.b, old);
	ck_assert_int_eq(r->status, 404);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * A process that stopped after writing segments but before recording the new
 * offset: the recorded offset is behind the file and the tail file belongs to
 * a later segment. The next PATCH continues from the recorded offset, reading
 * the unfinished segment back from the main file.
 */
START_TEST(test_resume_after_lost_offset_update)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 200000;
	unsigned char	*pdf = fake_pdf(n, 17);
	char		 loc[256], path[128], want[65], got[65];
	long long	 id;

	user_register(&u, "crash");
	r = create(u.b, n, meta("crash.pdf", "other"), loc, sizeof(loc));
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 140000, NULL);	/* segments 0, 1; tail of segment 2 */
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	ck_assert_int_eq(sql_exec("UPDATE documents SET received = 70000 WHERE token = '%s'",
	    token_of(loc)), 0);
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 70000);
	resp_free(r);
	r = patch(u.b, loc, 70000, pdf + 70000, n - 70000, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == (long long)n, "%s",
	    rdesc(r));
	resp_free(r);
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	(void)snprintf(path, sizeof(path), "/api/v1/documents/%lld/content", id);
	r = api(u.b, "GET", path, NULL);
	ck_assert_int_eq(r->status, 200);
	sha256_hex(pdf, n, want);
	sha256_hex(r->body, r->bodylen, got);
	ck_assert_str_eq(got, want);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

/* A stored segment altered on disk is never served. */
START_TEST(test_tampered_file_not_served)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 140000;
	unsigned char	*pdf = fake_pdf(n, 19);
	char		 loc[256], fp[600];
	long long	 id;
	FILE		*f;
	int		 c;

	user_register(&u, "tamper");
	id = upload(&u, pdf, n, n, "t.pdf", "other", loc, sizeof(loc));
	(void)snprintf(fp, sizeof(fp), "%s/%s.seg", upload_dir(), token_of(loc));
	/* Flip a byte in the second segment: the first still opens, so the reply starts. */
	ck_assert_ptr_nonnull(f = fopen(fp, "r+b"));
	ck_assert_int_eq(fseek(f, 65536 + 28 + 100, SEEK_SET), 0);
	c = fgetc(f);
	ck_assert_int_eq(fseek(f, 65536 + 28 + 100, SEEK_SET), 0);
	ck_assert_int_ne(fputc(c ^ 1, f), EOF);
	fclose(f);
	r = api_get(u.b, "/api/v1/documents/%lld/content", id);
	/* Cut short: never the whole, never the altered segment's bytes. */
	ck_assert_msg(r->bodylen <= 65536, "%zu bytes served of a tampered file", r->bodylen);
	resp_free(r);
	/* Altering the first segment: refused before anything is sent. */
	ck_assert_ptr_nonnull(f = fopen(fp, "r+b"));
	ck_assert_int_eq(fseek(f, 20, SEEK_SET), 0);
	c = fgetc(f);
	ck_assert_int_eq(fseek(f, 20, SEEK_SET), 0);
	ck_assert_int_ne(fputc(c ^ 1, f), EOF);
	fclose(f);
	r = api_get(u.b, "/api/v1/documents/%lld/content", id);
	expect_problem(r, 500, "internal");
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

/* Two PATCHes at the same offset at once: one writes, the other is told no. */
START_TEST(test_concurrent_patches)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 3000000;
	unsigned char	*pdf = fake_pdf(n, 23);
	char		 loc[256], *cookie;
	long long	 id;
	pid_t		 kid;
	int		 st, mine;

	user_register(&u, "race");
	r = create(u.b, n, meta("race.pdf", "other"), loc, sizeof(loc));
	resp_free(r);
	ck_assert_ptr_nonnull(cookie = br_cookie(u.b));
	ck_assert_int_ge(kid = fork(), 0);
	if (kid == 0) {
		struct browser	*b2 = br_new();

		br_set_cookie(b2, cookie);
		(void)snprintf(b2->csrf, sizeof(b2->csrf), "%s", u.b->csrf);
		r = patch(b2, loc, 0, pdf, n, NULL);
		_exit(r->status == 204 ? 0 : r->status == 423 ? 1 : r->status == 409 ? 2 : 3);
	}
	r = patch(u.b, loc, 0, pdf, n, NULL);
	mine = (int)r->status;
	resp_free(r);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert(WIFEXITED(st));
	ck_assert_msg((mine == 204 && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 2)) ||
	    (WEXITSTATUS(st) == 0 && (mine == 423 || mine == 409)),
	    "parent %d, child exit %d", mine, WEXITSTATUS(st));
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	expect_content(u.b, id, pdf, n);
	free(cookie);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_offset_mismatch)
{
	struct user	 u;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(1000, 5);
	char		 loc[256];

	user_register(&u, "off");
	r = create(u.b, 1000, meta("o.pdf", "other"), loc, sizeof(loc));
	resp_free(r);
	r = patch(u.b, loc, 10, pdf + 10, 100, NULL);
	expect_problem(r, 409, "offset-mismatch");
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 0);
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 500, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 500, NULL);	/* the same PATCH again */
	expect_problem(r, 409, "offset-mismatch");
	resp_free(r);
	/* Past Upload-Length */
	r = patch(u.b, loc, 500, pdf, 600, NULL);
	expect_problem(r, 413, "too-large");
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 500);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_checksum)
{
	struct user	 u;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(200000, 11), sum[20];
	char		 loc[256], ck[128];

	user_register(&u, "ck");
	r = create(u.b, 200000, meta("c.pdf", "other"), loc, sizeof(loc));
	resp_free(r);
	SHA1(pdf, 100000, sum);
	(void)snprintf(ck, sizeof(ck), "Upload-Checksum: sha1 %s", b64(sum, 20));
	r = patch(u.b, loc, 0, pdf, 100000, ck);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == 100000, "%s", rdesc(r));
	resp_free(r);
	/* The checksum of other bytes: 460, and that PATCH's bytes are not kept. */
	r = patch(u.b, loc, 100000, pdf + 100000, 100000, ck);
	ck_assert_msg(r->status == 460, "%s", rdesc(r));
	ck_assert(problem_is(r, "checksum-mismatch"));
	ck_assert_ptr_nonnull(strstr(r->headers, "Checksum Mismatch"));
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 100000);
	resp_free(r);
	/* An algorithm we do not offer: 400. */
	r = patch(u.b, loc, 100000, pdf + 100000, 100000,
	    "Upload-Checksum: md5 1B2M2Y8AsgTpgAmY7PhCfg==");
	expect_problem(r, 400, "checksum-algorithm");
	resp_free(r);
	r = patch(u.b, loc, 100000, pdf + 100000, 100000, "Upload-Checksum: sha1 !!!");
	expect_problem(r, 400, "tus-header");
	resp_free(r);
	SHA1(pdf + 100000, 100000, sum);
	(void)snprintf(ck, sizeof(ck), "Upload-Checksum: sha1 %s", b64(sum, 20));
	r = patch(u.b, loc, 100000, pdf + 100000, 100000, ck);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == 200000, "%s", rdesc(r));
	resp_free(r);
	{
		char	path[128], want[65], got[65];
		long long id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));

		(void)snprintf(path, sizeof(path), "/api/v1/documents/%lld/content", id);
		r = api(u.b, "GET", path, NULL);
		ck_assert_int_eq(r->status, 200);
		sha256_hex(pdf, 200000, want);
		sha256_hex(r->body, r->bodylen, got);
		ck_assert_str_eq(got, want);
		resp_free(r);
	}
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_wrong_type_named_pdf)
{
	struct user	 u;
	struct resp	*r;
	char		 loc[256], text[70000];
	size_t		 i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = "Just some words in a text file.\n"[i % 32];
	user_register(&u, "type");
	/* Smaller than a segment: typed when the last byte arrives. */
	r = create(u.b, 500, meta("report.pdf", "letter"), loc, sizeof(loc));
	resp_free(r);
	r = patch(u.b, loc, 0, text, 500, NULL);
	expect_problem(r, 415, "unsupported-file-type");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "PDF, JPEG, PNG, HEIC or WebP"));
	expect_one_audit(r, "document.refused", "failure");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 0);
	r = head(u.b, loc);
	ck_assert_int_eq(r->status, 404);
	resp_free(r);
	/* Larger: refused as soon as the first segment is complete. */
	r = create(u.b, sizeof(text), meta("scan.pdf", "letter"), loc, sizeof(loc));
	resp_free(r);
	r = patch(u.b, loc, 0, text, sizeof(text), NULL);
	expect_problem(r, 415, "unsupported-file-type");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM documents WHERE patient_id = %lld"
	    " AND status IN ('uploading', 'ready')", (long long)u.id), 0);
	r = api(u.b, "GET", "/api/v1/documents", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "documents")), 0);
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_image_types_accepted)
{
	/* A HEIC as phones make it: an ftyp box naming the heic brand. */
	static const unsigned char heic[] = {
		0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0,
		'm', 'i', 'f', '1', 'h', 'e', 'i', 'c',
		0, 0, 0, 8, 'm', 'e', 't', 'a',
	};
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
	};
	static const unsigned char webp[] = {
		'R', 'I', 'F', 'F', 0x1e, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ',
		0x12, 0, 0, 0, 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00, 0x01, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const unsigned char jpeg[] = {
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01,
		0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9,
	};
	/* A HEIF image as some cameras name it (brand mif1). */
	static const unsigned char heif[] = {
		0, 0, 0, 24, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1', 0, 0, 0, 0,
		'm', 'i', 'f', '1', 'h', 'e', 'i', 'c',
		0, 0, 0, 8, 'm', 'e', 't', 'a',
	};
	struct {
		const unsigned char	*p;
		size_t			 n;
		const char		*name, *type;
	} c[] = {
		{ heic, sizeof(heic), "IMG_0001.HEIC", "image/heic" },
		{ heif, sizeof(heif), "photo.heif", "image/heif" },
		{ png, sizeof(png), "photo.png", "image/png" },
		{ webp, sizeof(webp), "photo.webp", "image/webp" },
		/* The name says PDF; the content decides. */
		{ jpeg, sizeof(jpeg), "scan.pdf", "image/jpeg" },
	};
	struct user	 u;
	struct resp	*r;
	size_t		 i;
	long long	 id;

	user_register(&u, "img");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		id = upload(&u, c[i].p, c[i].n, 1 << 20, c[i].name, "identity", NULL, 0);
		r = api_get(u.b, "/api/v1/documents/%lld", id);
		ck_assert_str_eq(jstr(r->json, "media_type"), c[i].type);
		resp_free(r);
	}
	user_free(&u);
}
END_TEST

START_TEST(test_limits)
{
	struct user	 u;
	struct resp	*r;
	int		 i;

	user_register(&u, "lim");
	r = create(u.b, 209715201ULL, meta("big.pdf", "other"), NULL, 0);
	expect_problem(r, 413, "too-large");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "200 MB"));
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "209715200"));
	resp_free(r);
	/* The quota (1 GiB) counts uploads in progress: five of 200 MB fit, a sixth does not. */
	for (i = 0; i < 5; i++) {
		r = create(u.b, 209715200ULL, meta("big.pdf", "other"), NULL, 0);
		ck_assert_msg(r->status == 201, "%s", rdesc(r));
		resp_free(r);
	}
	r = create(u.b, 209715200ULL, meta("big.pdf", "other"), NULL, 0);
	expect_problem(r, 413, "quota");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "quota"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM documents WHERE patient_id = %lld",
	    (long long)u.id), 5);
	user_free(&u);
}
END_TEST

START_TEST(test_bad_headers_and_metadata)
{
	struct user	 u;
	struct resp	*r;
	char		 m[512], loc[256];
	unsigned char	*pdf = fake_pdf(100, 1);

	user_register(&u, "meta");
	r = http_raw(u.b, "POST", UPLOADS, NULL, 0, NULL, u.b->csrf,
	    (const char *[]){ "Upload-Length: 10", meta("a.pdf", "other"), NULL });
	expect_problem(r, 412, "tus-version");
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Version: 1.0.0"));
	resp_free(r);
	r = http_raw(u.b, "POST", UPLOADS, NULL, 0, NULL, u.b->csrf,
	    (const char *[]){ "Tus-Resumable: 0.2.2", "Upload-Length: 10", meta("a.pdf", "other"),
	    NULL });
	expect_problem(r, 412, "tus-version");
	resp_free(r);
	r = http_raw(u.b, "POST", UPLOADS, NULL, 0, NULL, u.b->csrf,
	    (const char *[]){ TUS, meta("a.pdf", "other"), NULL });
	expect_problem(r, 400, "tus-header");
	resp_free(r);
	r = create(u.b, 0, meta("a.pdf", "other"), NULL, 0);
	expect_problem(r, 422, "validation");
	resp_free(r);
	r = create(u.b, 10, "Upload-Metadata: filename !!!notbase64", NULL, 0);
	expect_problem(r, 400, "tus-header");
	resp_free(r);
	(void)snprintf(m, sizeof(m), "Upload-Metadata: category %s", b64("other", 5));
	r = create(u.b, 10, m, NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "filename"));
	resp_free(r);
	(void)snprintf(m, sizeof(m), "Upload-Metadata: filename %s", b64("a.pdf", 5));
	r = create(u.b, 10, m, NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "category"));
	resp_free(r);
	r = create(u.b, 10, meta("a.pdf", "holiday_photos"), NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "category"));
	resp_free(r);
	(void)snprintf(m, sizeof(m), "Upload-Metadata: filename %s,category %s", b64("a.pdf", 5),
	    b64("other\0x", 7));
	r = create(u.b, 10, m, NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "category"));
	resp_free(r);
	r = create(u.b, 10, meta("a\x01.pdf", "other"), NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "filename"));
	resp_free(r);
	(void)snprintf(m, sizeof(m), "%s,request %s", meta("a.pdf", "other"), b64("999999", 6));
	r = create(u.b, 10, m, NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "request"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM documents WHERE patient_id = %lld",
	    (long long)u.id), 0);

	r = create(u.b, 100, meta("a.pdf", "other"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	r = http_raw(u.b, "PATCH", loc, (const char *)pdf, 100, "application/octet-stream",
	    u.b->csrf, (const char *[]){ TUS, "Upload-Offset: 0", NULL });
	expect_problem(r, 415, "unsupported-media-type");
	resp_free(r);
	r = http_raw(u.b, "PATCH", loc, (const char *)pdf, 100, OCTETS, u.b->csrf,
	    (const char *[]){ "Upload-Offset: 0", NULL });
	expect_problem(r, 412, "tus-version");
	resp_free(r);
	r = http_raw(u.b, "PATCH", loc, (const char *)pdf, 100, OCTETS, u.b->csrf,
	    (const char *[]){ TUS, "Upload-Offset: -1", NULL });
	expect_problem(r, 400, "tus-header");
	resp_free(r);
	r = http_raw(u.b, "HEAD", loc, NULL, 0, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 412);
	resp_free(r);
	r = http_raw(u.b, "DELETE", loc, NULL, 0, NULL, u.b->csrf, NULL);
	expect_problem(r, 412, "tus-version");
	resp_free(r);
	/* Without the CSRF token nothing is accepted. */
	r = http_raw(u.b, "PATCH", loc, (const char *)pdf, 100, OCTETS, NULL,
	    (const char *[]){ TUS, "Upload-Offset: 0", NULL });
	expect_problem(r, 403, "csrf");
	/* Replies given before a tus handler runs name the protocol too (nginx). */
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
	resp_free(r);
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 0);
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_other_patient_404)
{
	struct user	 a, b;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(3000, 9);
	char		 done[256], open[256], path[128];
	long long	 id;

	user_register(&a, "own");
	user_register(&b, "other");
	id = upload(&a, pdf, 3000, 3000, "mine.pdf", "letter", done, sizeof(done));
	r = create(a.b, 3000, meta("half.pdf", "letter"), open, sizeof(open));
	resp_free(r);
	r = patch(a.b, open, 0, pdf, 1000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);

	r = head(b.b, open);
	ck_assert_int_eq(r->status, 404);
	resp_free(r);
	r = patch(b.b, open, 1000, pdf + 1000, 2000, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = http_raw(b.b, "DELETE", open, NULL, 0, NULL, b.b->csrf, (const char *[]){ TUS, NULL });
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = http_raw(b.b, "DELETE", done, NULL, 0, NULL, b.b->csrf, (const char *[]){ TUS, NULL });
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(b.b, "/api/v1/documents/%lld", id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(b.b, "/api/v1/documents/%lld/content", id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/documents/%lld", id);
	r = api(b.b, "DELETE", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(b.b, "/api/v1/documents?patient_id=%lld", (long long)a.id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(b.b, "/api/v1/documents/requests?patient_id=%lld", (long long)a.id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(b.b, "GET", "/api/v1/documents", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "documents")), 0);
	resp_free(r);
	/* Untouched: */
	r = head(a.b, open);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 1000);
	resp_free(r);
	r = api_get(a.b, "/api/v1/documents/%lld/content", id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->bodylen, 3000);
	resp_free(r);
	/* A patient may delete their own document (audited); it is gone. */
	r = api(a.b, "DELETE", path, NULL);
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	expect_one_audit(r, "document.deleted", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(done)), 0);
	r = api_get(a.b, "/api/v1/documents/%lld", id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	free(pdf);
	user_free(&a);
	user_free(&b);
}
END_TEST

START_TEST(test_staff_reads_audited)
{
	struct user	 u;
	struct browser	*clin, *aud;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(150000, 21);
	char		 want[65], got[65];
	long long	 id;
	int64_t		 cid;

	user_register(&u, "staffread");
	id = upload(&u, pdf, 150000, 65536, "letter.pdf", "letter", NULL, 0);
	clin = staff_new("clinician", &cid);
	r = api(clin, "GET", "/api/v1/documents", NULL);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "patient_id"));
	resp_free(r);
	r = api_get(clin, "/api/v1/documents?patient_id=%lld", (long long)u.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "documents.0.id"), id);
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	r = api_get(clin, "/api/v1/documents/%lld/content", id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	sha256_hex(pdf, 150000, want);
	sha256_hex(r->body, r->bodylen, got);
	ck_assert_str_eq(got, want);
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	ck_assert_int_ge(sql_int("SELECT COUNT(*) FROM audit_event WHERE actor_id = %lld"
	    " AND action = 'patient.record_viewed' AND entity_id = '%lld'"
	    " AND JSON_VALUE(details, '$.document_id') = %lld", (long long)cid, (long long)u.id, id),
	    1);
	/* Staff do not delete patients' documents; nobody reaches a non-patient. */
	r = api_get(clin, "/api/v1/documents?patient_id=%lld", (long long)cid);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	aud = staff_new("auditor", NULL);
	r = api_get(aud, "/api/v1/documents/%lld/content", id);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	br_free(aud);
	br_free(clin);
	free(pdf);
	user_free(&u);
}
END_TEST

START_TEST(test_reupload_request)
{
	struct user	 u;
	struct browser	*clin;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(2000, 4);
	char		 body[512], m[1024], loc[256], rid[32];
	long long	 reqid;

	user_register(&u, "requp");
	clin = staff_new("clinician", NULL);
	r = api(u.b, "POST", "/api/v1/documents/requests", "{\"patient_id\":1,\"category\":\"other\","
	    "\"reason\":\"x\"}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(clin, "POST", "/api/v1/documents/requests", "{\"patient_id\":1,\"category\":\"x\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "category") && has_error_field(r, "reason"));
	resp_free(r);
	(void)snprintf(body, sizeof(body), "{\"patient_id\":%lld,\"category\":\"identity\","
	    "\"reason\":\"The photo of your passport is blurred: please take it again.\"}",
	    (long long)u.id);
	r = api(clin, "POST", "/api/v1/documents/requests", body);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	expect_one_audit(r, "document.reupload_requested", "success");
	reqid = jint(r->json, "id");
	resp_free(r);
	/* The append-only trail keeps the request's id and the reason's length, not its text. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'document.reupload_requested' AND entity_id = '%lld' AND details NOT LIKE"
	    " '%%passport%%' AND JSON_VALUE(details, '$.reason_length') = 60", reqid), 1);

	r = api(u.b, "GET", "/api/v1/documents/requests", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "requests.0.id"), reqid);
	ck_assert_str_eq(jstr(r->json, "requests.0.reason"),
	    "The photo of your passport is blurred: please take it again.");
	ck_assert_str_eq(jstr(r->json, "requests.0.category"), "identity");
	resp_free(r);

	/* The upload names the request; its category comes from the request. */
	(void)snprintf(rid, sizeof(rid), "%lld", reqid);
	(void)snprintf(m, sizeof(m), "Upload-Metadata: filename %s,request %s",
	    b64("passport.pdf", 12), b64(rid, strlen(rid)));
	r = create(u.b, 2000, m, loc, sizeof(loc));
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/documents/requests", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "requests")), 1);	/* still open */
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 2000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/documents/requests", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "requests")), 0);
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/documents", NULL);
	ck_assert_int_eq(jint(r->json, "documents.0.request_id"), reqid);
	ck_assert_str_eq(jstr(r->json, "documents.0.category"), "identity");
	resp_free(r);
	r = api_get(clin, "/api/v1/documents/requests?patient_id=%lld", (long long)u.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(!jnull(r->json, "requests.0.fulfilled_at"));
	ck_assert_int_gt(jint(r->json, "requests.0.document_id"), 0);
	resp_free(r);
	/* A closed request cannot be named again. */
	r = create(u.b, 2000, m, NULL, 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "request"));
	resp_free(r);
	br_free(clin);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * Starts a PATCH at offset 0 by hand: a socket with the head written, whose
 * body (`declared` bytes) the caller sends, or does not.
 */
static int
raw_patch(struct browser *b, const char *loc, size_t declared)
{
	struct sockaddr_in	 sa;
	char			 req[2048], *cookie = br_cookie(b);
	const char		*hp = strstr(E.url, "//") + 2, *colon = strchr(hp, ':');
	char			*end;
	long			 port;
	int			 fd, len;

	ck_assert_ptr_nonnull(cookie);
	ck_assert_ptr_nonnull(colon);
	port = strtol(colon + 1, &end, 10);
	ck_assert_msg(port > 0 && port < 65536 && (*end == '\0' || *end == '/'),
	    "no port in %s", E.url);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	len = snprintf(req, sizeof(req), "PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Cookie: %s=%s\r\nX-CSRF-Token: %s\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
	    "Content-Type: " OCTETS "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	    loc, SESSION_COOKIE, cookie, b->csrf, declared);
	ck_assert_int_eq(write(fd, req, (size_t)len), len);
	free(cookie);
	return fd;
}

/* Sends a PATCH by hand and hangs up part-way through its body. */
static void
broken_patch(struct browser *b, const char *loc, size_t declared, const void *data, size_t n)
{
	int	fd = raw_patch(b, loc, declared);

	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	usleep(300000);
	close(fd);
}

START_TEST(test_interrupted_patch_keeps_bytes)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 400000;
	unsigned char	*pdf = fake_pdf(n, 33);
	char		 loc[256];
	long long	 off = 0, id;
	int		 i;

	user_register(&u, "broken");
	r = create(u.b, n, meta("train.pdf", "medical_records_summary"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	broken_patch(u.b, loc, n, pdf, 250000);
	/* The program sees the end of the body once nginx gives up on the client. */
	for (i = 0; i < 150 && off == 0; i++) {
		r = head(u.b, loc);
		off = hdr_int(r, "Upload-Offset");
		resp_free(r);
		if (off == 0)
			usleep(200000);
	}
	ck_assert_msg(off > 0 && off <= 250000, "offset %lld after the broken PATCH", off);
	/* Resume from there (waiting out the old PATCH's lease if it still runs). */
	for (i = 0; i < 50; i++) {
		r = patch(u.b, loc, (unsigned long long)off, pdf + off, n - (size_t)off, NULL);
		if (r->status != 423)
			break;
		resp_free(r);
		usleep(200000);
	}
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	resp_free(r);
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	expect_content(u.b, id, pdf, n);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * Interrupts the application's statement that waits for a lock held by the
 * test's root connection (KILL QUERY): the database write fails as a lock
 * wait timeout or a lost connection would, without waiting 50 s for one.
 */
static void
kill_lock_waiter(void)
{
	int64_t	tid = -1;
	int	i;

	for (i = 0; i < 100 && tid <= 0; i++) {
		tid = sql_int("SELECT trx_mysql_thread_id FROM information_schema.innodb_trx"
		    " WHERE trx_state = 'LOCK WAIT' LIMIT 1");
		if (tid <= 0)
			usleep(100000);
	}
	ck_assert_msg(tid > 0, "no statement came to wait for the lock");
	ck_assert_int_eq(sql_exec("KILL QUERY %lld", (long long)tid), 0);
}

/*
 * The final PATCH's commit fails (its audit row cannot be written): nothing is
 * recorded, and the client's retry from HEAD's offset is served at once — the
 * lease is released and the tail still there — not 423 for two minutes, nor
 * 500 "cannot read an upload's stored tail".
 */
START_TEST(test_final_commit_fails_then_retry)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 100000;
	unsigned char	*pdf = fake_pdf(n, 41);
	char		 loc[256], *cookie;
	long long	 id;
	pid_t		 kid;
	int		 st;

	user_register(&u, "commitfail");
	ck_assert_ptr_nonnull(cookie = br_cookie(u.b));
	r = create(u.b, n, meta("c.pdf", "other"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 70000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	/* Hold the audit chain's head: document.uploaded waits on it. */
	ck_assert_int_eq(sql_exec("BEGIN"), 0);
	ck_assert_int_eq(sql_int("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE") > 0, 1);
	ck_assert_int_ge(kid = fork(), 0);
	if (kid == 0) {
		struct browser	*b2 = br_new();

		br_set_cookie(b2, cookie);
		(void)snprintf(b2->csrf, sizeof(b2->csrf), "%s", u.b->csrf);
		r = patch(b2, loc, 70000, pdf + 70000, n - 70000, NULL);
		if (r->status / 100 != 5)
			fprintf(stderr, "final PATCH: %s\n", rdesc(r));
		_exit((int)(r->status / 100));
	}
	kill_lock_waiter();
	ck_assert_int_eq(sql_exec("ROLLBACK"), 0);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 5, "the final PATCH did not fail");
	ck_assert_int_eq(sql_int("SELECT received = 70000 AND status = 'uploading' AND lease IS NULL"
	    " FROM documents WHERE token = '%s'", token_of(loc)), 1);
	ck_assert_int_eq(files_of(token_of(loc)), 2);	/* segments + the tail, still needed */
	r = head(u.b, loc);
	ck_assert_int_eq(hdr_int(r, "Upload-Offset"), 70000);
	resp_free(r);
	r = patch(u.b, loc, 70000, pdf + 70000, n - 70000, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == (long long)n, "%s",
	    rdesc(r));
	expect_one_audit(r, "document.uploaded", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 1);	/* the tail went after the commit */
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	expect_content(u.b, id, pdf, n);
	free(cookie);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * An upload left `uploading` at an offset inside its final segment with the
 * tail file gone and that segment written (sealed as the last): the next
 * PATCH reads the segment back from the main file and completes the upload.
 */
START_TEST(test_resume_from_written_last_segment)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 100000;
	unsigned char	*pdf = fake_pdf(n, 43);
	char		 loc[256];
	long long	 id;

	user_register(&u, "lastseg");
	id = upload(&u, pdf, n, 70000, "l.pdf", "other", loc, sizeof(loc));
	ck_assert_int_eq(files_of(token_of(loc)), 1);
	ck_assert_int_eq(sql_exec("UPDATE documents SET status = 'uploading', received = 70000,"
	    " completed_at = NULL WHERE id = %lld", id), 0);
	r = patch(u.b, loc, 70000, pdf + 70000, n - 70000, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == (long long)n, "%s",
	    rdesc(r));
	resp_free(r);
	expect_content(u.b, id, pdf, n);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * A PATCH whose offset update fails after its bytes were written: the lease is
 * released, so the retry is served at once (tus-js-client gives up long before
 * a two-minute lease would run out).
 */
START_TEST(test_offset_update_fails_then_retry)
{
	struct user	 u;
	struct resp	*r;
	size_t		 n = 100000, k = 70000;
	unsigned char	*pdf = fake_pdf(n, 47);
	char		 loc[256], reply[64];
	long long	 id;
	ssize_t		 got;
	int		 fd, i;

	user_register(&u, "offfail");
	r = create(u.b, n, meta("f.pdf", "other"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	fd = raw_patch(u.b, loc, k);
	ck_assert_int_eq(write(fd, pdf, 1000), 1000);
	/* Once the PATCH holds its lease, lock the row its offset update needs. */
	for (i = 0; i < 100 && sql_int("SELECT lease IS NOT NULL FROM documents WHERE id = %lld",
	    id) != 1; i++)
		usleep(100000);
	ck_assert_msg(i < 100, "the PATCH never took its lease");
	ck_assert_int_eq(sql_exec("BEGIN"), 0);
	ck_assert_int_eq(sql_int("SELECT id FROM documents WHERE id = %lld FOR UPDATE", id), id);
	ck_assert_int_eq(write(fd, pdf + 1000, k - 1000), (ssize_t)(k - 1000));
	kill_lock_waiter();
	ck_assert_int_eq(sql_exec("ROLLBACK"), 0);
	memset(reply, 0, sizeof(reply));
	got = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	ck_assert_msg(got > 12 && strncmp(reply, "HTTP/1.1 5", 10) == 0, "reply: %s", reply);
	ck_assert_int_eq(sql_int("SELECT received = 0 AND lease IS NULL FROM documents"
	    " WHERE id = %lld", id), 1);
	r = patch(u.b, loc, 0, pdf, n, NULL);
	ck_assert_msg(r->status == 204 && hdr_int(r, "Upload-Offset") == (long long)n, "%s",
	    rdesc(r));
	resp_free(r);
	free(pdf);
	user_free(&u);
}
END_TEST

/*
 * While a PATCH holds the upload's lease, neither termination nor deletion
 * removes it (the PATCH would write its files again afterwards): 423.
 */
START_TEST(test_delete_while_patch_writes)
{
	struct user	 u;
	struct resp	*r;
	unsigned char	*pdf = fake_pdf(100000, 53);
	char		 loc[256];
	long long	 id;

	user_register(&u, "busydel");
	r = create(u.b, 100000, meta("b.pdf", "letter"), loc, sizeof(loc));
	ck_assert_int_eq(r->status, 201);
	resp_free(r);
	r = patch(u.b, loc, 0, pdf, 70000, NULL);
	ck_assert_int_eq(r->status, 204);
	resp_free(r);
	id = sql_int("SELECT id FROM documents WHERE token = '%s'", token_of(loc));
	ck_assert_int_eq(sql_exec("UPDATE documents SET lease = REPEAT('a', 32), lease_until ="
	    " UTC_TIMESTAMP(6) + INTERVAL 60 SECOND WHERE id = %lld", id), 0);
	r = http_raw(u.b, "DELETE", loc, NULL, 0, NULL, u.b->csrf, (const char *[]){ TUS, NULL });
	expect_problem(r, 423, "upload-busy");
	ck_assert_ptr_nonnull(strstr(r->headers, "Tus-Resumable: 1.0.0"));
	resp_free(r);
	{
		char	path[64];

		(void)snprintf(path, sizeof(path), "/api/v1/documents/%lld", id);
		r = api(u.b, "DELETE", path, NULL);
		expect_problem(r, 423, "upload-busy");
		resp_free(r);
	}
	ck_assert_int_eq(files_of(token_of(loc)), 2);
	ck_assert_int_eq(sql_int("SELECT status = 'uploading' AND wrapped_key IS NOT NULL"
	    " FROM documents WHERE id = %lld", id), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_type = 'document'"
	    " AND entity_id = '%lld' AND action IN ('document.deleted',"
	    " 'document.upload_terminated')", id), 0);
	/* Once the lease has run out (its PATCH died), termination goes ahead. */
	ck_assert_int_eq(sql_exec("UPDATE documents SET lease_until = UTC_TIMESTAMP(6) -"
	    " INTERVAL 1 SECOND WHERE id = %lld", id), 0);
	r = http_raw(u.b, "DELETE", loc, NULL, 0, NULL, u.b->csrf, (const char *[]){ TUS, NULL });
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	expect_one_audit(r, "document.upload_terminated", "success");
	resp_free(r);
	ck_assert_int_eq(files_of(token_of(loc)), 0);
	free(pdf);
	user_free(&u);
}
END_TEST

Suite *
documents_suite(void)
{
	Suite	*s = suite_create("documents");
	TCase	*tc = tcase_create("tus");

	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_options_advertise);
	tcase_add_test(tc, test_upload_head_download_delete);
	tcase_add_test(tc, test_terminate_in_progress);
	tcase_add_test(tc, test_offset_mismatch);
	tcase_add_test(tc, test_stale_upload_expires);
	tcase_add_test(tc, test_concurrent_patches);
	tcase_add_test(tc, test_resume_after_lost_offset_update);
	tcase_add_test(tc, test_tampered_file_not_served);
	tcase_add_test(tc, test_checksum);
	tcase_add_test(tc, test_wrong_type_named_pdf);
	tcase_add_test(tc, test_image_types_accepted);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_bad_headers_and_metadata);
	tcase_add_test(tc, test_interrupted_patch_keeps_bytes);
	tcase_add_test(tc, test_final_commit_fails_then_retry);
	tcase_add_test(tc, test_resume_from_written_last_segment);
	tcase_add_test(tc, test_offset_update_fails_then_retry);
	tcase_add_test(tc, test_delete_while_patch_writes);
	suite_add_tcase(s, tc);
	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_other_patient_404);
	tcase_add_test(tc, test_staff_reads_audited);
	tcase_add_test(tc, test_reupload_request);
	suite_add_tcase(s, tc);
	return s;
}
