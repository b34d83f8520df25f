/*
 * audit: the canonical encoding byte for byte, and the chain hash checked
 * against SHA-256 computed here with OpenSSL directly.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit.h"
#include "crypto.h"
#include "pool.h"
#include "unit.h"


static const char	zero64[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static struct audit_rec
full_rec(void)
{
	struct audit_rec	r = {
		.seq = 7,
		.occurred_at = "2024-05-06 07:08:09.123456",
		.actor_id = 42,
		.actor_role = "clinician",
		.actor_reg = "GMC1234567",
		.action = "prescription.signed",
		.entity_type = "prescription",
		.entity_id = "99",
		.outcome = "success",
		.request_id = "rid-1",
		.client_addr = "127.0.0.1",
		.details = "{\"a\":1}",
	};

	return r;
}

/* canonical(full_rec()), written out by hand from the format in audit.h. */
static const char	full_canon[] =
    "clinic-audit-v1"
    "|1:7"
    "|26:2024-05-06 07:08:09.123456"
    "|2:42"
    "|9:clinician"
    "|10:GMC1234567"
    "|19:prescription.signed"
    "|12:prescription"
    "|2:99"
    "|7:success"
    "|5:rid-1"
    "|9:127.0.0.1"
    "|7:{\"a\":1}";

START_TEST(canonical_exact_bytes)
{
	struct audit_rec	 r = full_rec();
	size_t			 len = 0;
	const char		*c;

	ck_assert_ptr_nonnull(c = audit_canonical(unit_pool, &r, &len));
	ck_assert_str_eq(c, full_canon);
	ck_assert_uint_eq(len, sizeof(full_canon) - 1);
}
END_TEST

START_TEST(canonical_null_fields)
{
	struct audit_rec	 r = {
		.seq = 1,
		.occurred_at = "2024-01-02 03:04:05.000000",
		.actor_id = 0,		/* no actor */
		.action = "user.login",
		.entity_type = "user",
		.outcome = "failure",
		.details = "{}",
	};
	size_t			 len = 0;
	const char		*c;

	ck_assert_ptr_nonnull(c = audit_canonical(unit_pool, &r, &len));
	ck_assert_str_eq(c, "clinic-audit-v1|1:1|26:2024-01-02 03:04:05.000000"
	    "|-|-|-|10:user.login|4:user|-|7:failure|-|-|2:{}");
	ck_assert_uint_eq(len, strlen(c));
}
END_TEST

START_TEST(canonical_lengths_are_bytes)
{
	struct audit_rec	 r = full_rec();
	size_t			 len = 0;
	const char		*c;

	r.seq = 1234567890123LL;
	r.actor_id = -3;
	r.actor_reg = "Zo\xc3\xab";		/* 3 characters, 4 bytes */
	r.entity_id = "";			/* empty is not NULL */
	r.details = "{\"note\":\"a|1:b\"}";
	ck_assert_ptr_nonnull(c = audit_canonical(unit_pool, &r, &len));
	ck_assert_str_eq(c, "clinic-audit-v1|13:1234567890123|26:2024-05-06 07:08:09.123456"
	    "|2:-3|9:clinician|4:Zo\xc3\xab|19:prescription.signed|12:prescription|0:"
	    "|7:success|5:rid-1|9:127.0.0.1|16:{\"note\":\"a|1:b\"}");
}
END_TEST

START_TEST(canonical_is_unambiguous)
{
	struct audit_rec	 a = full_rec(), b = full_rec();
	const char		*ca, *cb;
	size_t			 la, lb;

	/* Moving a separator between adjacent fields changes the encoding. */
	a.entity_type = "prescription";
	a.entity_id = "99";
	b.entity_type = "prescription|2:99";
	b.entity_id = NULL;
	ck_assert_ptr_nonnull(ca = audit_canonical(unit_pool, &a, &la));
	ck_assert_ptr_nonnull(cb = audit_canonical(unit_pool, &b, &lb));
	ck_assert_str_ne(ca, cb);
}
END_TEST

/* SHA-256(prev || msg) as lower-case hex, with EVP directly. */
static void
expected_hash(const unsigned char prev[32], const char *msg, size_t len, char out[65])
{
	static const char	 digits[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 n = 0, i;

	ck_assert_ptr_nonnull(ctx = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(ctx, prev, 32), 1);
	ck_assert_int_eq(EVP_DigestUpdate(ctx, msg, len), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(ctx, md, &n), 1);
	EVP_MD_CTX_free(ctx);
	ck_assert_uint_eq(n, 32);
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

START_TEST(chain_hash_first_row)
{
	static const unsigned char	zeros[32];
	struct audit_rec		r = full_rec();
	char				got[AUDIT_HASH_HEX], want[65];
	size_t				i;

	ck_assert_int_eq(audit_chain_hash(unit_pool, zero64, &r, got), CE_OK);
	expected_hash(zeros, full_canon, sizeof(full_canon) - 1, want);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(strlen(got), 64);
	for (i = 0; i < 64; i++)
		ck_assert(strchr("0123456789abcdef", got[i]) != NULL);
}
END_TEST

START_TEST(chain_hash_links_rows)
{
	struct audit_rec	 r1 = full_rec(), r2 = full_rec();
	char			 h1[AUDIT_HASH_HEX], h2[AUDIT_HASH_HEX], want[65];
	unsigned char		 prev[32];
	const char		*c2;
	size_t			 l2;

	r2.seq = 8;
	r2.action = "prescription.dispensed";
	ck_assert_int_eq(audit_chain_hash(unit_pool, zero64, &r1, h1), CE_OK);
	ck_assert_int_eq(audit_chain_hash(unit_pool, h1, &r2, h2), CE_OK);
	ck_assert_int_eq(hex_decode(h1, prev, sizeof(prev)), 0);
	ck_assert_ptr_nonnull(c2 = audit_canonical(unit_pool, &r2, &l2));
	expected_hash(prev, c2, l2, want);
	ck_assert_str_eq(h2, want);
	/* The same row after a different previous hash hashes differently. */
	ck_assert_int_eq(audit_chain_hash(unit_pool, zero64, &r2, want), CE_OK);
	ck_assert_str_ne(h2, want);
}
END_TEST

#define NMUT	24

START_TEST(chain_hash_every_field_counts)
{
	struct audit_rec	 base = full_rec(), m[NMUT];
	char			 h[NMUT + 1][AUDIT_HASH_HEX];
	size_t			 i, j, n = 0;

	for (i = 0; i < NMUT; i++)
		m[i] = base;
	m[n++].seq = 8;
	m[n++].occurred_at = "2024-05-06 07:08:09.123457";
	m[n++].actor_id = 43;
	m[n++].actor_id = 0;
	m[n++].actor_role = "pharmacist";
	m[n++].actor_role = NULL;
	m[n++].actor_reg = "GMC1234568";
	m[n++].actor_reg = NULL;
	m[n++].action = "prescription.voided";
	m[n++].entity_type = "prescriptio";
	m[n++].entity_id = "98";
	m[n++].entity_id = NULL;
	m[n++].entity_id = "";
	m[n++].outcome = "failure";
	m[n++].request_id = "rid-2";
	m[n++].request_id = NULL;
	m[n++].client_addr = "127.0.0.2";
	m[n++].client_addr = NULL;
	m[n++].details = "{\"a\":2}";
	m[n++].details = "{\"a\": 1}";
	m[n++].action = NULL;
	m[n++].outcome = NULL;
	m[n++].occurred_at = NULL;
	m[n++].entity_type = NULL;
	ck_assert_uint_eq(n, NMUT);
	ck_assert_int_eq(audit_chain_hash(unit_pool, zero64, &base, h[NMUT]), CE_OK);
	for (i = 0; i < NMUT; i++)
		ck_assert_int_eq(audit_chain_hash(unit_pool, zero64, &m[i], h[i]), CE_OK);
	for (i = 0; i <= NMUT; i++)
		for (j = i + 1; j <= NMUT; j++)
			ck_assert_msg(strcmp(h[i], h[j]) != 0, "mutations %zu and %zu collide",
			    i, j);
}
END_TEST

START_TEST(chain_hash_bad_prev)
{
	struct audit_rec	r = full_rec();
	char			out[AUDIT_HASH_HEX], bad[80];

	ck_assert_int_eq(audit_chain_hash(unit_pool, "", &r, out), CE_INVALID);
	ck_assert_int_eq(audit_chain_hash(unit_pool, zero64 + 1, &r, out), CE_INVALID);	/* 63 */
	memcpy(bad, zero64, 64);
	memcpy(bad + 64, "0", 2);
	ck_assert_int_eq(audit_chain_hash(unit_pool, bad, &r, out), CE_INVALID);		/* 65 */
	memcpy(bad, zero64, 65);
	bad[10] = 'g';
	ck_assert_int_eq(audit_chain_hash(unit_pool, bad, &r, out), CE_INVALID);
	bad[10] = ' ';
	ck_assert_int_eq(audit_chain_hash(unit_pool, bad, &r, out), CE_INVALID);
	bad[10] = '0';
	bad[63] = '\n';
	ck_assert_int_eq(audit_chain_hash(unit_pool, bad, &r, out), CE_INVALID);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc;

	tc = tcase_create("canonical");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, canonical_exact_bytes);
	tcase_add_test(tc, canonical_null_fields);
	tcase_add_test(tc, canonical_lengths_are_bytes);
	tcase_add_test(tc, canonical_is_unambiguous);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, chain_hash_first_row);
	tcase_add_test(tc, chain_hash_links_rows);
	tcase_add_test(tc, chain_hash_every_field_counts);
	tcase_add_test(tc, chain_hash_bad_prev);
	suite_add_tcase(s, tc);
	return s;
}
