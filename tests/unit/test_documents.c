/*
 * documents: the at-rest segment format (round trip; tampering with the
 * nonce, ciphertext, tag, index or kind; reordering; truncation; another
 * key) and the tus header parsers (Upload-Metadata, Upload-Checksum, decimal
 * headers at their limits, base64, file names, Content-Disposition).
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "segcrypt.h"
#include "tusparse.h"
#include "unit.h"

static unsigned char	key[SEG_KEY_LEN], key2[SEG_KEY_LEN];
static unsigned char	plain[SEG_PLAIN], sealed[SEG_SEALED], out[SEG_PLAIN];

static void
fill(void)
{
	size_t	i;

	for (i = 0; i < sizeof(key); i++) {
		key[i] = (unsigned char)i;
		key2[i] = (unsigned char)(i + 1);
	}
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (unsigned char)(i * 31 + 7);
}

START_TEST(seg_round_trip)
{
	size_t		lens[] = { 0, 1, 1000, SEG_PLAIN - 1, SEG_PLAIN };
	size_t		i, n;
	enum seg_kind	k;

	fill();
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (k = SEG_MIDDLE; k < SEG__MAX; k++) {
			ck_assert_int_eq(seg_seal(key, 42, k, plain, lens[i], sealed), 0);
			ck_assert_int_eq(seg_open(key, 42, k, sealed, lens[i] + SEG_OVERHEAD, out,
			    &n), 0);
			ck_assert_uint_eq(n, lens[i]);
			ck_assert(memcmp(out, plain, n) == 0);
		}
	/* Too long to be a segment */
	ck_assert_int_eq(seg_seal(key, 0, SEG_LAST, plain, SEG_PLAIN + 1, sealed), -1);
}
END_TEST

START_TEST(seg_nonce_fresh)
{
	unsigned char	other[SEG_SEALED];

	fill();
	ck_assert_int_eq(seg_seal(key, 1, SEG_MIDDLE, plain, 100, sealed), 0);
	ck_assert_int_eq(seg_seal(key, 1, SEG_MIDDLE, plain, 100, other), 0);
	ck_assert(memcmp(sealed, other, SEG_NONCE) != 0);
	ck_assert(memcmp(sealed + SEG_NONCE, plain, 100) != 0);	/* not plaintext */
}
END_TEST

/* Flipping one bit anywhere (nonce, ciphertext, tag) makes it fail and zeroes out. */
START_TEST(seg_tamper_each_part)
{
	size_t	len = 5000 + SEG_OVERHEAD, pos[] = { 0, SEG_NONCE - 1, SEG_NONCE, 2000,
	    len - SEG_TAG - 1, len - SEG_TAG, len - 1 };
	size_t	i, n;

	fill();
	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		ck_assert_int_eq(seg_seal(key, 3, SEG_MIDDLE, plain, 5000, sealed), 0);
		sealed[pos[i]] ^= 0x01;
		memset(out, 0xaa, 5000);
		ck_assert_msg(seg_open(key, 3, SEG_MIDDLE, sealed, len, out, &n) == -1,
		    "bit flipped at %zu was not noticed", pos[i]);
		ck_assert_uint_eq(n, 0);
		ck_assert_int_eq(out[0], 0);
		ck_assert_int_eq(out[4999], 0);
	}
}
END_TEST

START_TEST(seg_bound_to_index_kind_and_key)
{
	size_t	n, len = 300 + SEG_OVERHEAD;

	fill();
	ck_assert_int_eq(seg_seal(key, 7, SEG_MIDDLE, plain, 300, sealed), 0);
	/* Reordered: segment 7 read where segment 6 or 8 belongs. */
	ck_assert_int_eq(seg_open(key, 6, SEG_MIDDLE, sealed, len, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 8, SEG_MIDDLE, sealed, len, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 7 + (1ULL << 32), SEG_MIDDLE, sealed, len, out, &n), -1);
	/* Truncated at a boundary: a middle segment presented as the last one. */
	ck_assert_int_eq(seg_open(key, 7, SEG_LAST, sealed, len, out, &n), -1);
	/* An upload's unfinished tail is not a finished segment, nor the reverse. */
	ck_assert_int_eq(seg_open(key, 7, SEG_PARTIAL, sealed, len, out, &n), -1);
	/* Another document's key */
	ck_assert_int_eq(seg_open(key2, 7, SEG_MIDDLE, sealed, len, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 7, SEG_MIDDLE, sealed, len, out, &n), 0);
}
END_TEST

START_TEST(seg_truncated_bytes)
{
	size_t	n;

	fill();
	ck_assert_int_eq(seg_seal(key, 0, SEG_LAST, plain, 1000, sealed), 0);
	ck_assert_int_eq(seg_open(key, 0, SEG_LAST, sealed, 1000 + SEG_OVERHEAD - 1, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 0, SEG_LAST, sealed, 500, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 0, SEG_LAST, sealed, SEG_OVERHEAD - 1, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 0, SEG_LAST, sealed, 0, out, &n), -1);
	ck_assert_int_eq(seg_open(key, 0, SEG_LAST, sealed, SEG_SEALED + 1, out, &n), -1);
}
END_TEST

/* A whole "file" of segments: a dropped or swapped segment is found. */
START_TEST(seg_file_layout)
{
	ck_assert_uint_eq(seg_count(0), 0);
	ck_assert_uint_eq(seg_count(1), 1);
	ck_assert_uint_eq(seg_count(SEG_PLAIN), 1);
	ck_assert_uint_eq(seg_count(SEG_PLAIN + 1), 2);
	ck_assert_uint_eq(seg_offset(3), 3ULL * SEG_SEALED);
	ck_assert_uint_eq(seg_plain_len(SEG_PLAIN * 2 + 5, 2), 5);
	ck_assert_uint_eq(seg_plain_len(SEG_PLAIN * 2 + 5, 1), SEG_PLAIN);
	ck_assert_uint_eq(seg_plain_len(SEG_PLAIN * 2 + 5, 3), 0);
	ck_assert_uint_eq(seg_file_size(SEG_PLAIN * 2 + 5), 2ULL * SEG_SEALED + 5 + SEG_OVERHEAD);
	ck_assert_uint_eq(seg_file_size(209715200ULL), 3200ULL * SEG_SEALED);
}
END_TEST

START_TEST(tus_decimal_limits)
{
	uint64_t	v;

	ck_assert_int_eq(tus_decimal("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(tus_decimal("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(tus_decimal("18446744073709551616", UINT64_MAX, &v), -1);
	ck_assert_int_eq(tus_decimal("99999999999999999999", UINT64_MAX, &v), -1);
	ck_assert_int_eq(tus_decimal("000000000000000000001", UINT64_MAX, &v), -1);	/* 21 digits */
	ck_assert_int_eq(tus_decimal("11", 10, &v), -1);
	ck_assert_int_eq(tus_decimal("-1", 10, &v), -1);
	ck_assert_int_eq(tus_decimal("+1", 10, &v), -1);
	ck_assert_int_eq(tus_decimal(" 1", 10, &v), -1);
	ck_assert_int_eq(tus_decimal("1 ", 10, &v), -1);
	ck_assert_int_eq(tus_decimal("1e3", 10000, &v), -1);
	ck_assert_int_eq(tus_decimal("", 10, &v), -1);
	ck_assert_int_eq(tus_decimal(NULL, 10, &v), -1);
}
END_TEST

START_TEST(tus_base64_strict)
{
	unsigned char	b[16];

	ck_assert_int_eq(base64_decode("YQ==", 4, b, sizeof(b)), 1);
	ck_assert_int_eq(b[0], 'a');
	ck_assert_int_eq(base64_decode("YWI=", 4, b, sizeof(b)), 2);
	ck_assert_int_eq(base64_decode("YWJj", 4, b, sizeof(b)), 3);
	ck_assert_int_eq(base64_decode("", 0, b, sizeof(b)), 0);
	ck_assert_int_eq(base64_decode("YQ", 2, b, sizeof(b)), -1);	/* unpadded */
	ck_assert_int_eq(base64_decode("YR==", 4, b, sizeof(b)), -1);	/* stray low bits */
	ck_assert_int_eq(base64_decode("Y===", 4, b, sizeof(b)), -1);
	ck_assert_int_eq(base64_decode("YQ==YQ==", 8, b, sizeof(b)), -1);	/* padding inside */
	ck_assert_int_eq(base64_decode("YW-j", 4, b, sizeof(b)), -1);	/* base64url */
	ck_assert_int_eq(base64_decode("YWJj", 4, b, 2), -1);		/* no room */
}
END_TEST

START_TEST(tus_metadata_pairs)
{
	struct tus_meta		*m;
	const struct tus_meta	*v;
	int			 n;

	n = tus_metadata(unit_pool, "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential,"
	    "category b3RoZXI=", &m);
	ck_assert_int_eq(n, 3);
	ck_assert_ptr_nonnull(v = tus_meta_get(m, n, "filename"));
	ck_assert_str_eq(v->value, "world_domination_plan.pdf");
	ck_assert_uint_eq(v->len, 25);
	ck_assert_ptr_null(tus_meta_get(m, n, "is_confidential"));	/* no value */
	ck_assert_str_eq(tus_meta_get(m, n, "category")->value, "other");
	ck_assert_ptr_null(tus_meta_get(m, n, "absent"));
	ck_assert_int_eq(tus_metadata(unit_pool, "", &m), 0);
	ck_assert_int_eq(tus_metadata(unit_pool, " a YQ== , b ", &m), 2);
	/* Malformed */
	ck_assert_int_eq(tus_metadata(unit_pool, "a YQ==,a YQ==", &m), -1);	/* duplicate */
	ck_assert_int_eq(tus_metadata(unit_pool, "a YQ", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, "a YQ== x", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, ",a YQ==", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, "a YQ==,", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, "k\x01 YQ==", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &m), -1);
	ck_assert_int_eq(tus_metadata(unit_pool, NULL, &m), -1);
}
END_TEST

START_TEST(tus_checksum_header)
{
	unsigned char	d[20];

	/* SHA-1 of the empty string */
	ck_assert_int_eq(tus_checksum("sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", d), TUS_CK_OK);
	ck_assert_int_eq(d[0], 0xda);
	ck_assert_int_eq(d[19], 0x09);
	ck_assert_int_eq(tus_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg==", d), TUS_CK_UNSUPPORTED);
	ck_assert_int_eq(tus_checksum("sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", d),
	    TUS_CK_UNSUPPORTED);
	ck_assert_int_eq(tus_checksum("sha1 1B2M2Y8AsgTpgAmY7PhCfg==", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum("sha1", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum("sha1 ", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum(" 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum("sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum("sha1  2jmj7l5rSw0yVb/vlWAYkK/YBwk=", d), TUS_CK_MALFORMED);
	ck_assert_int_eq(tus_checksum(NULL, d), TUS_CK_MALFORMED);
}
END_TEST

START_TEST(tus_filename_safe)
{
	char	*f;

	ck_assert_str_eq(tus_filename(unit_pool, "scan.pdf", 8), "scan.pdf");
	ck_assert_str_eq(tus_filename(unit_pool, "C:\\Users\\me\\scan.pdf", 20), "scan.pdf");
	ck_assert_str_eq(tus_filename(unit_pool, "../../etc/passwd", 16), "passwd");
	ck_assert_str_eq(tus_filename(unit_pool, "  Brief.pdf ", 12), "Brief.pdf");
	ck_assert_ptr_nonnull(f = tus_filename(unit_pool, "Zo\xc3\xab.jpg", 8));
	ck_assert_str_eq(f, "Zo\xc3\xab.jpg");
	ck_assert_ptr_null(tus_filename(unit_pool, "a\nb", 3));
	ck_assert_ptr_null(tus_filename(unit_pool, "a\0b", 3));
	ck_assert_ptr_null(tus_filename(unit_pool, "\xff.pdf", 5));
	ck_assert_ptr_null(tus_filename(unit_pool, "\xc0\xaf.pdf", 6));	/* overlong */
	ck_assert_ptr_null(tus_filename(unit_pool, "a\xe2\x80\xaeggp.exe", 11));	/* RLO */
	ck_assert_ptr_null(tus_filename(unit_pool, "dir/", 4));
	ck_assert_ptr_null(tus_filename(unit_pool, "..", 2));
	ck_assert_ptr_null(tus_filename(unit_pool, "", 0));
}
END_TEST

START_TEST(tus_disposition_fallback)
{
	ck_assert_str_eq(tus_disposition(unit_pool, "scan.pdf"),
	    "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf");
	ck_assert_str_eq(tus_disposition(unit_pool, "Zo\xc3\xab \"x\";%.pdf"),
	    "attachment; filename=\"Zo_ _x___.pdf\"; filename*=UTF-8''Zo%C3%AB%20%22x%22%3B%25.pdf");
	ck_assert_str_eq(tus_disposition(unit_pool, "\xe6\x96\x87.pdf"),
	    "attachment; filename=\"_.pdf\"; filename*=UTF-8''%E6%96%87.pdf");
}
END_TEST

/* The streaming calls (R_STREAM bodies, streamed replies) outside FastCGI. */
START_TEST(stream_calls_without_fastcgi)
{
	struct req	r;
	char		buf[16];

	memset(&r, 0, sizeof(r));
	r.pool = unit_pool;
	r.method = "GET";
	r.content_length = 10;
	ck_assert_ptr_null(req_env(&r, "HTTP_UPLOAD_OFFSET"));
	ck_assert_int_eq(req_read(&r, buf, sizeof(buf)), -1);
	ck_assert_int_eq(reply_write_head(&r, 10), -1);
	ck_assert_int_eq(reply_stream_write(&r, "x", 1), -1);	/* no head yet */
	ck_assert_int_eq(reply_stream_begin(&r, 200, 10), -1);
	ck_assert(r.streamed);		/* serve() must not write again */
	ck_assert_int_eq(r.status, 200);
	ck_assert((R_STREAM & (R_PUBLIC | R_PRE_MFA | R_RAW | ROLE_ANY)) == 0);
	ck_assert_str_eq(reply_reason(460), "Checksum Mismatch");
	ck_assert_str_eq(reply_reason(412), "Precondition Failed");
	ck_assert_str_eq(reply_reason(423), "Locked");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("documents");
	TCase	*tc;

	tc = tcase_create("segcrypt");
	tcase_add_test(tc, seg_round_trip);
	tcase_add_test(tc, seg_nonce_fresh);
	tcase_add_test(tc, seg_tamper_each_part);
	tcase_add_test(tc, seg_bound_to_index_kind_and_key);
	tcase_add_test(tc, seg_truncated_bytes);
	tcase_add_test(tc, seg_file_layout);
	suite_add_tcase(s, tc);
	tc = tcase_create("tusparse");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, tus_decimal_limits);
	tcase_add_test(tc, tus_base64_strict);
	tcase_add_test(tc, tus_metadata_pairs);
	tcase_add_test(tc, tus_checksum_header);
	tcase_add_test(tc, tus_filename_safe);
	tcase_add_test(tc, tus_disposition_fallback);
	tcase_add_test(tc, stream_calls_without_fastcgi);
	suite_add_tcase(s, tc);
	return s;
}
