/*
 * API tests of the formulary, treatment plans and reports of
 * prescriptions.fcgi (docs/API.md#prescriptions: formulary, plans, reports),
 * through nginx against the test stack's database: products added and
 * edited by admins only, each change audited; plans started by specialists
 * only and continued by any prescriber, one version per change with its
 * author and reason, the history from system versioning and the diff in
 * sentences; who may read what; the report totals (JSON and CSV) over
 * prescriptions written here with SQL as root.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

static const char FORMULARY[] = "/api/v1/prescriptions/formulary";

static int	seq;

/* A name part no other test run shares. */
static void
tag(char *buf, size_t cap)
{
	int	n = snprintf(buf, cap, "t%ld-%d-%d", (long)time(NULL), (int)getpid(), ++seq);

	ck_assert(n > 0 && (size_t)n < cap);
}

/* A local date "YYYY-MM-DD" days from today (UTC; tests keep clear of midnight by a day). */
static void
date_in(int days, char out[11])
{
	time_t		t = time(NULL) + (time_t)days * 86400;
	struct tm	tm;

	ck_assert(gmtime_r(&t, &tm) != NULL);
	ck_assert(strftime(out, 11, "%Y-%m-%d", &tm) == 10);
}

/* A new product (admin); returns its id. */
static int64_t
product_new(struct browser *admin, const char *brand, const char *name, const char *form,
    long long pack, long long thc, long long cbd)
{
	struct resp	*r;
	int64_t		 id;

	r = apif(admin, "POST", FORMULARY, "{\"supplier\":\"Test Supplies\",\"brand\":\"%s\","
	    "\"name\":\"%s\",\"form\":\"%s\",\"pack_size\":%lld,\"thc_ug_per_unit\":%lld,"
	    "\"cbd_ug_per_unit\":%lld}", brand, name, form, pack, thc, cbd);
	ck_assert_msg(r->status == 201, "product: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	return id;
}

static const char *
text(json_object *o, const char *path)
{
	const char	*s = jstr(o, path);

	return s != NULL ? s : "";
}

START_TEST(test_formulary_crud)
{
	struct browser	*admin = staff_new("admin", NULL), *clin = staff_new("clinician", NULL);
	struct user	 pat;
	struct resp	*r;
	char		 t[64], path[128], name[128];
	int64_t		 id, oil, cap, before;
	json_object	*ps;
	char		*details;
	size_t		 i;
	bool		 found;

	tag(t, sizeof(t));
	(void)snprintf(name, sizeof(name), "Flower 22%% %s", t);
	r = apif(admin, "POST", FORMULARY, "{\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\","
	    "\"name\":\"%s\",\"form\":\"flower\",\"pack_size\":10000,\"thc_ug_per_unit\":220,"
	    "\"cbd_ug_per_unit\":5}", name);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	expect_one_audit(r, "formulary.create", "success");
	id = jint(r->json, "id");
	ck_assert_str_eq(text(r->json, "form_label"), "Flower");
	ck_assert_str_eq(text(r->json, "supply_unit"), "mg");
	ck_assert_str_eq(text(r->json, "unit_label"), "g");
	ck_assert_str_eq(text(r->json, "pack_label"), "10 g");
	ck_assert_str_eq(text(r->json, "strength_label"), "THC 22% \xc2\xb7 CBD <1%");
	ck_assert(jbool(r->json, "active"));
	ck_assert_str_eq(text(r->json, "availability.status"), "unknown");
	resp_free(r);

	/* the same identity again */
	r = apif(admin, "POST", FORMULARY, "{\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\","
	    "\"name\":\"%s\",\"form\":\"flower\",\"pack_size\":10000,\"thc_ug_per_unit\":200,"
	    "\"cbd_ug_per_unit\":5}", name);
	expect_problem(r, 409, "product-exists");
	resp_free(r);

	oil = product_new(admin, "Meadow", t, "oil", 50000, 10, 5);
	r = api_get(admin, "%s/%lld", FORMULARY, (long long)oil);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(text(r->json, "pack_label"), "50 ml");
	ck_assert_str_eq(text(r->json, "strength_label"), "THC 10 mg/ml \xc2\xb7 CBD 5 mg/ml");
	resp_free(r);
	cap = product_new(admin, "Meadow", t, "capsule", 30, 5000, 0);
	r = api_get(clin, "%s/%lld", FORMULARY, (long long)cap);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(text(r->json, "pack_label"), "30 capsules");
	ck_assert_str_eq(text(r->json, "unit_label"), "capsules");
	ck_assert_str_eq(text(r->json, "strength_label"), "THC 5 mg \xc2\xb7 CBD 0 mg per capsule");
	resp_free(r);

	/* bad input: every field named, nothing written */
	before = sql_int("SELECT COUNT(*) FROM formulary_product");
	r = api(admin, "POST", FORMULARY, "{\"supplier\":\"\",\"brand\":\"B\",\"name\":\"N\","
	    "\"form\":\"tincture\",\"pack_size\":0,\"thc_ug_per_unit\":-1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "supplier"));
	ck_assert(has_error_field(r, "form"));
	ck_assert(has_error_field(r, "pack_size"));
	ck_assert(has_error_field(r, "thc_ug_per_unit"));
	ck_assert(has_error_field(r, "cbd_ug_per_unit"));
	resp_free(r);
	r = apif(admin, "POST", FORMULARY, "{\"supplier\":\"S\",\"brand\":\"B\",\"name\":\"%s\","
	    "\"form\":\"flower\",\"pack_size\":1000,\"thc_ug_per_unit\":1200,"
	    "\"cbd_ug_per_unit\":0}", t);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "thc_ug_per_unit"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM formulary_product"), before);

	/* only admins change it; patients do not read it */
	r = apif(clin, "POST", FORMULARY, "{\"supplier\":\"S\",\"brand\":\"B\",\"name\":\"%s x\","
	    "\"form\":\"oil\",\"pack_size\":1000,\"thc_ug_per_unit\":1,\"cbd_ug_per_unit\":0}", t);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	user_register(&pat, "formulary");
	r = api_get(pat.b, "%s", FORMULARY);
	expect_problem(r, 404, "not-found");	/* a staff-only route, to a patient */
	resp_free(r);

	/* withdraw it: audited with what changed; gone from the list unless asked */
	(void)snprintf(path, sizeof(path), "%s/%lld", FORMULARY, (long long)id);
	r = apif(admin, "PUT", path, "{\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\","
	    "\"name\":\"%s\",\"form\":\"flower\",\"pack_size\":10000,\"thc_ug_per_unit\":210,"
	    "\"cbd_ug_per_unit\":5,\"active\":false}", name);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(!jbool(r->json, "active"));
	ck_assert_str_eq(text(r->json, "strength_label"), "THC 21% \xc2\xb7 CBD <1%");
	expect_one_audit(r, "formulary.update", "success");
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert_msg(details != NULL && strstr(details, "\"thc_ug_per_unit\":{\"before\":220,"
	    "\"after\":210}") != NULL && strstr(details, "\"active\":{\"before\":true,"
	    "\"after\":false}") != NULL && strstr(details, "brand") == NULL, "details %s",
	    details != NULL ? details : "(none)");
	free(details);
	resp_free(r);
	r = api_get(clin, "%s?q=%s", FORMULARY, t);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ps = jget(r->json, "products");
	ck_assert_int_eq(json_object_array_length(ps), 2);	/* the oil and the capsule */
	resp_free(r);
	r = api_get(clin, "%s?q=%s&include_inactive=true&form=flower", FORMULARY, t);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ps = jget(r->json, "products");
	for (found = false, i = 0; i < json_object_array_length(ps); i++)
		if (jint(json_object_array_get_idx(ps, i), "id") == id)
			found = true;
	ck_assert(found);
	ck_assert_int_eq(json_object_array_length(ps), 1);
	resp_free(r);
	r = api_get(clin, "%s?form=potion", FORMULARY);
	expect_problem(r, 400, "validation");
	resp_free(r);
	r = api_get(clin, "%s/999999999", FORMULARY);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* a form in another unit would change what every amount of it means */
	r = apif(admin, "PUT", path, "{\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\","
	    "\"name\":\"%s\",\"form\":\"oil\",\"pack_size\":10000,\"thc_ug_per_unit\":210,"
	    "\"cbd_ug_per_unit\":5}", name);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "form"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM formulary_product WHERE id = %lld AND"
	    " form = 'flower' AND active = 0", (long long)id), 1);
	r = api(clin, "PUT", path, "{\"supplier\":\"x\"}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);

	user_free(&pat);
	br_free(admin);
	br_free(clin);
}
END_TEST

/*
 * The demo formulary (sql/demo.json "formulary") is in the stack, each
 * product audited once; loading the demo again adds nothing; a bad entry
 * stops the load.
 */
START_TEST(test_demo_formulary)
{
	static const char DEMO[] = "supplier IN ('Northfield Botanicals', 'Calder Cultivation',"
	    " 'Meadowlark Pharma')";
	const char	*argv[] = { "load-demo", E.demo, NULL };
	const char	*bad_argv[] = { "load-demo", NULL, NULL };
	char		 out[8192], file[256];
	int64_t		 audits;
	FILE		*f;
	int		 st;

	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM formulary_product WHERE %s", DEMO), 8);
	ck_assert_int_eq(sql_int("SELECT COUNT(DISTINCT form) FROM formulary_product WHERE %s",
	    DEMO), 5);
	audits = sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'formulary.create'"
	    " AND actor_role = 'system'");
	ck_assert(audits >= 8);
	st = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(st == 0, "load-demo: %s", out);
	ck_assert_msg(strstr(out, "exists  product Harbour Flower 18%") != NULL, "%s", out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM formulary_product WHERE %s", DEMO), 8);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'formulary.create' AND actor_role = 'system'"), audits);

	(void)snprintf(file, sizeof(file), "%s.demo-formulary-%d.json", E.conf, (int)getpid());
	ck_assert((f = fopen(file, "w")) != NULL);
	fprintf(f, "{\"accounts\":[],\"formulary\":[{\"supplier\":\"S\",\"brand\":\"B\","
	    "\"name\":\"N %d\",\"form\":\"tea\",\"pack_size\":1,\"thc_ug_per_unit\":1,"
	    "\"cbd_ug_per_unit\":1}]}", (int)getpid());
	ck_assert_int_eq(fclose(f), 0);
	bad_argv[1] = file;
	st = run_clinic(out, sizeof(out), bad_argv);
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_msg(st != 0, "a bad product loaded: %s", out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM formulary_product WHERE name = 'N %d'",
	    (int)getpid()), 0);
}
END_TEST

/* What a plan test needs: an admin's products, a patient and two prescribers. */
struct world {
	struct browser	*admin, *spec, *gp;
	int64_t		 spec_id, gp_id;
	struct user	 pat, other;
	int64_t		 flower, oil;
	char		 t[64], flower_title[128], oil_title[128];
	char		 review[11], review2[11];
	char		 plans[128];	/* /api/v1/prescriptions/plans/<patient> */
};

static void
world_new(struct world *w)
{
	char	name[100];

	memset(w, 0, sizeof(*w));
	tag(w->t, sizeof(w->t));
	w->admin = staff_new("admin", NULL);
	w->spec = clinician_new(true, &w->spec_id, NULL);
	w->gp = clinician_new(false, &w->gp_id, NULL);
	user_register(&w->pat, "plan");
	user_register(&w->other, "plan-other");
	(void)snprintf(name, sizeof(name), "Flower 18%% %s", w->t);
	w->flower = product_new(w->admin, "Harbour", name, "flower", 10000, 180, 5);
	(void)snprintf(w->flower_title, sizeof(w->flower_title), "Harbour %s", name);
	(void)snprintf(name, sizeof(name), "Oil 10 mg/ml %s", w->t);
	w->oil = product_new(w->admin, "Meadow", name, "oil", 50000, 10, 5);
	(void)snprintf(w->oil_title, sizeof(w->oil_title), "Meadow %s", name);
	date_in(60, w->review);
	date_in(90, w->review2);
	(void)snprintf(w->plans, sizeof(w->plans), "/api/v1/prescriptions/plans/%lld",
	    (long long)w->pat.id);
}

static void
world_free(struct world *w)
{
	user_free(&w->pat);
	user_free(&w->other);
	br_free(w->admin);
	br_free(w->spec);
	br_free(w->gp);
}

/* POST a plan of one flower item (daily mg, max mg) for w's patient. */
static struct resp *
plan_create(struct world *w, struct browser *b, const char *condition, long long daily,
    long long max)
{
	return apif(b, "POST", w->plans, "{\"condition\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"dose\":\"Vaporise 0.1 g up to five times a day\",\"daily_amount\":%lld,"
	    "\"max_per_30d\":%lld}],\"form_limits\":[{\"form\":\"flower\",\"max_per_30d\":30000}],"
	    "\"max_thc_mg_per_day\":150,\"review_date\":\"%s\",\"reason\":\"Initial assessment:"
	    " chronic pain not helped by two licensed treatments\"}", condition,
	    (long long)w->flower, daily, max, w->review);
}

START_TEST(test_plan_create_specialist_only)
{
	struct world	 w;
	struct resp	*r;
	char		 path[160];

	world_new(&w);
	/* a prescriber not on the specialist register cannot start treatment */
	r = plan_create(&w, w.gp, "Chronic pain", 500, 15000);
	expect_problem(r, 403, "specialist-required");
	expect_one_audit(r, "plan.create", "denied");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM treatment_plan WHERE patient_id = %lld",
	    (long long)w.pat.id), 0);

	r = plan_create(&w, w.spec, "Chronic pain", 500, 15000);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	expect_one_audit(r, "plan.create", "success");
	ck_assert_int_eq(jint(r->json, "version"), 1);
	ck_assert_str_eq(text(r->json, "status"), "active");
	ck_assert_int_eq(jint(r->json, "patient_id"), w.pat.id);
	ck_assert_int_eq(jint(r->json, "author.id"), w.spec_id);
	ck_assert_str_eq(text(r->json, "author.registration_number"), "7000002");
	ck_assert_int_eq(jint(r->json, "items.0.product_id"), w.flower);
	ck_assert_str_eq(text(r->json, "items.0.product.form"), "flower");
	ck_assert_str_eq(text(r->json, "items.0.daily_label"), "0.5 g");
	ck_assert_str_eq(text(r->json, "items.0.max_label"), "15 g");
	ck_assert_str_eq(text(r->json, "form_limits.0.form_label"), "Flower");
	ck_assert_str_eq(text(r->json, "form_limits.0.max_label"), "30 g");
	ck_assert_str_eq(text(r->json, "review_date"), w.review);
	ck_assert(!jbool(r->json, "review_due"));
	ck_assert(strlen(text(r->json, "changed_at")) == 20);
	resp_free(r);

	/* one plan per condition: continue it instead */
	r = plan_create(&w, w.spec, "Chronic pain", 500, 15000);
	expect_problem(r, 409, "plan-exists");
	resp_free(r);

	/* the patient reads their own; another patient learns nothing; staff read is recorded */
	r = api_get(w.pat.b, "%s", w.plans);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "plans")), 1);
	ck_assert_int_eq(jint(r->json, "patient.id"), w.pat.id);
	resp_free(r);
	r = api_get(w.other.b, "%s", w.plans);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(w.gp, "%s", w.plans);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	r = api_get(w.spec, "/api/v1/prescriptions/plans/999999999");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* a patient cannot write plans */
	(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/plans/%lld", (long long)w.pat.id);
	r = api(w.pat.b, "POST", path, "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	world_free(&w);
}
END_TEST

START_TEST(test_plan_validation)
{
	static const char *const vague[] = { "as directed", "Use as directed.", "M.D.U.",
	    "take AS DIR", "as directed by your doctor" };
	struct world	 w;
	struct resp	*r;
	int64_t		 gone;
	size_t		 i;

	world_new(&w);
	for (i = 0; i < sizeof(vague) / sizeof(vague[0]); i++) {
		r = apif(w.spec, "POST", w.plans, "{\"condition\":\"Chronic pain\",\"items\":"
		    "[{\"product_id\":%lld,\"dose\":\"%s\",\"daily_amount\":500,\"max_per_30d\":"
		    "15000}],\"max_thc_mg_per_day\":100,\"review_date\":\"%s\",\"reason\":"
		    "\"Initial assessment\"}", (long long)w.flower, vague[i], w.review);
		expect_problem(r, 422, "validation");
		ck_assert_msg(has_error_field(r, "items[0].dose"), "%s: %s", vague[i], r->body);
		ck_assert_msg(strstr(r->body, "as directed") != NULL, "%s", r->body);
		resp_free(r);
	}
	/* every field named at once */
	r = apif(w.spec, "POST", w.plans, "{\"condition\":\"X\",\"items\":[{\"product_id\":%lld,"
	    "\"dose\":\"0.1 g three times a day\",\"daily_amount\":500,\"max_per_30d\":100},"
	    "{\"product_id\":%lld,\"dose\":\"ok\",\"daily_amount\":0,\"max_per_30d\":1},"
	    "{\"product_id\":999999999,\"dose\":\"one drop\",\"daily_amount\":1,"
	    "\"max_per_30d\":1,\"colour\":\"red\"}],"
	    "\"form_limits\":[{\"form\":\"oil\",\"max_per_30d\":1},{\"form\":\"oil\","
	    "\"max_per_30d\":2},{\"form\":\"tea\",\"max_per_30d\":1}],"
	    "\"max_thc_mg_per_day\":0,\"review_date\":\"2020-02-30\",\"extra\":1}",
	    (long long)w.flower, (long long)w.flower);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "condition"));
	ck_assert(has_error_field(r, "items[0].max_per_30d"));
	ck_assert(has_error_field(r, "items[1].product_id"));
	ck_assert(has_error_field(r, "items[1].dose"));
	ck_assert(has_error_field(r, "items[1].daily_amount"));
	ck_assert(has_error_field(r, "items[2].colour"));
	ck_assert(has_error_field(r, "form_limits[1].form"));
	ck_assert(has_error_field(r, "form_limits[2].form"));
	ck_assert(has_error_field(r, "max_thc_mg_per_day"));
	ck_assert(has_error_field(r, "review_date"));
	ck_assert(has_error_field(r, "reason"));
	ck_assert(has_error_field(r, "extra"));
	resp_free(r);
	/* no items; a review date in the past, then beyond a year */
	r = api(w.spec, "POST", w.plans, "{\"condition\":\"Pain\",\"items\":[],"
	    "\"max_thc_mg_per_day\":10,\"review_date\":\"2001-01-01\",\"reason\":\"why not\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "items"));
	ck_assert(has_error_field(r, "review_date"));
	resp_free(r);
	r = apif(w.spec, "POST", w.plans, "{\"condition\":\"Pain\",\"items\":[{\"product_id\":%lld,"
	    "\"dose\":\"0.1 g at night\",\"daily_amount\":100,\"max_per_30d\":3000}],"
	    "\"max_thc_mg_per_day\":10,\"review_date\":\"2999-01-01\",\"reason\":\"why not\"}",
	    (long long)w.flower);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "review_date"));
	ck_assert(!has_error_field(r, "items[0].dose"));
	resp_free(r);
	/* a withdrawn product, a product that does not exist */
	gone = product_new(w.admin, "Gone", w.t, "capsule", 30, 1000, 0);
	ck_assert_int_eq(sql_exec("UPDATE formulary_product SET active = 0 WHERE id = %lld",
	    (long long)gone), 0);
	r = apif(w.spec, "POST", w.plans, "{\"condition\":\"Pain\",\"items\":[{\"product_id\":%lld,"
	    "\"dose\":\"one capsule at night\",\"daily_amount\":1,\"max_per_30d\":30},"
	    "{\"product_id\":999999999,\"dose\":\"one capsule at night\",\"daily_amount\":1,"
	    "\"max_per_30d\":30}],\"max_thc_mg_per_day\":10,\"review_date\":\"%s\","
	    "\"reason\":\"Initial assessment\"}", (long long)gone, w.review);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "items[0].product_id"));
	ck_assert(has_error_field(r, "items[1].product_id"));
	resp_free(r);
	/* not JSON, not an object */
	r = api(w.spec, "POST", w.plans, "{\"condition\":");
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	r = api(w.spec, "POST", w.plans, "[1,2]");
	expect_problem(r, 422, "validation");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM treatment_plan WHERE patient_id = %lld",
	    (long long)w.pat.id), 0);
	world_free(&w);
}
END_TEST

/* PUT a new version of plan id: the flower at daily mg, the oil too when with_oil. */
static struct resp *
plan_update(struct world *w, struct browser *b, int64_t id, long long base, long long daily,
    bool with_oil, const char *review, const char *reason)
{
	char	path[200], oil[300], rs[1200];

	(void)snprintf(path, sizeof(path), "%s/%lld", w->plans, (long long)id);
	oil[0] = '\0';
	if (with_oil)
		(void)snprintf(oil, sizeof(oil), ",{\"product_id\":%lld,\"dose\":\"0.5 ml under the"
		    " tongue at night\",\"daily_amount\":500,\"max_per_30d\":15000}",
		    (long long)w->oil);
	rs[0] = '\0';
	if (reason != NULL)
		(void)snprintf(rs, sizeof(rs), ",\"reason\":\"%s\"", reason);
	return apif(b, "PUT", path, "{\"base_version\":%lld,\"items\":[{\"product_id\":%lld,"
	    "\"dose\":\"Vaporise 0.1 g up to five times a day\",\"daily_amount\":%lld,"
	    "\"max_per_30d\":30000}%s],\"form_limits\":[{\"form\":\"flower\",\"max_per_30d\":30000}],"
	    "\"max_thc_mg_per_day\":150,\"review_date\":\"%s\"%s}", base, (long long)w->flower,
	    daily, oil, review, rs);
}

static bool
has_change(json_object *changes, const char *want)
{
	size_t	i;

	for (i = 0; i < json_object_array_length(changes); i++)
		if (strcmp(text(json_object_array_get_idx(changes, i), "text"), want) == 0)
			return true;
	return false;
}

START_TEST(test_plan_versions_history_diff)
{
	struct world	 w;
	struct resp	*r;
	json_object	*vs, *ch;
	char		 want[400];
	int64_t		 id;
	size_t		 i;

	world_new(&w);
	r = plan_create(&w, w.spec, "Chronic pain", 500, 30000);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);

	/* any prescriber continues a plan; two changes in quick succession are two versions */
	r = plan_update(&w, w.gp, id, 1, 1000, false, w.review, "Pain scores still high at 0.5 g");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "version"), 2);
	ck_assert_int_eq(jint(r->json, "author.id"), w.gp_id);
	ck_assert_str_eq(text(r->json, "items.0.daily_label"), "1 g");
	expect_one_audit(r, "plan.update", "success");
	resp_free(r);
	r = plan_update(&w, w.gp, id, 2, 1000, true, w.review2, "Added an oil for sleep");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "version"), 3);
	ck_assert_str_eq(text(r->json, "reason"), "Added an oil for sleep");
	resp_free(r);

	/* a stale base version: 409 with the current plan; nothing written */
	r = plan_update(&w, w.spec, id, 1, 700, false, w.review, "Stale edit");
	expect_problem(r, 409, "plan-changed");
	ck_assert_int_eq(jint(r->json, "current.version"), 3);
	resp_free(r);
	/* no reason, a vague dose */
	r = plan_update(&w, w.spec, id, 3, 700, false, w.review, NULL);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT version FROM treatment_plan WHERE id = %lld",
	    (long long)id), 3);

	/* the history: every version once, oldest first, with author and reason */
	r = api_get(w.gp, "%s/history", w.plans);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "patient.record_viewed", "success");
	ck_assert_int_eq(json_object_array_length(jget(r->json, "plans")), 1);
	ck_assert_int_eq(jint(r->json, "plans.0.id"), id);
	ck_assert_str_eq(text(r->json, "plans.0.condition"), "Chronic pain");
	vs = jget(r->json, "plans.0.versions");
	ck_assert_int_eq(json_object_array_length(vs), 3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(jint(json_object_array_get_idx(vs, i), "version"), (long long)i + 1);
	ck_assert_int_eq(jint(vs, "0.author.id"), w.spec_id);
	ck_assert_int_eq(jint(vs, "1.author.id"), w.gp_id);
	ck_assert_int_eq(jint(vs, "2.author.id"), w.gp_id);
	ck_assert(strstr(text(vs, "0.reason"), "Initial assessment") != NULL);
	ck_assert_str_eq(text(vs, "1.reason"), "Pain scores still high at 0.5 g");
	ck_assert_str_eq(text(vs, "1.items.0.daily_label"), "1 g");
	ck_assert_str_eq(text(vs, "0.items.0.daily_label"), "0.5 g");
	ck_assert_int_eq(json_object_array_length(jget(vs, "2.items")), 2);
	resp_free(r);
	/* the table's own history holds them too (system versioning) */
	ck_assert_int_eq(sql_int("SELECT COUNT(DISTINCT version) FROM treatment_plan"
	    " FOR SYSTEM_TIME ALL WHERE id = %lld", (long long)id), 3);

	/* the diff in sentences */
	r = api_get(w.admin, "%s/diff?plan=%lld&from=1&to=3", w.plans, (long long)id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ch = jget(r->json, "changes");
	(void)snprintf(want, sizeof(want), "Daily amount of %s changed from 0.5 g to 1 g",
	    w.flower_title);
	ck_assert_msg(has_change(ch, want), "%s not in %s", want, r->body);
	(void)snprintf(want, sizeof(want), "Added %s: 0.5 ml under the tongue at night, 0.5 ml a"
	    " day, at most 15 ml in 30 days", w.oil_title);
	ck_assert_msg(has_change(ch, want), "%s not in %s", want, r->body);
	(void)snprintf(want, sizeof(want), "Review date changed from %s to %s", w.review,
	    w.review2);
	ck_assert_msg(has_change(ch, want), "%s not in %s", want, r->body);
	ck_assert_int_eq(json_object_array_length(ch), 3);
	ck_assert_str_eq(text(ch, "0.before"), "0.5 g");
	ck_assert_str_eq(text(ch, "0.after"), "1 g");
	resp_free(r);
	r = api_get(w.admin, "%s/diff?plan=%lld&from=1&to=9", w.plans, (long long)id);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "to"));
	resp_free(r);
	r = api_get(w.admin, "%s/diff?plan=999999999&from=1&to=2", w.plans);
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* a patient: their own history is for staff (403), anyone else's does not exist (404) */
	r = api_get(w.pat.b, "%s/history", w.plans);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api_get(w.other.b, "%s/history", w.plans);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(w.other.b, "%s/diff?plan=%lld&from=1&to=3", w.plans, (long long)id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(auditor(), "%s/history?plan=%lld", w.plans, (long long)id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);

	/* the flower is withdrawn: the plan may keep it (ending it below), none may add it */
	ck_assert_int_eq(sql_exec("UPDATE formulary_product SET active = 0 WHERE id = %lld",
	    (long long)w.flower), 0);
	r = apif(w.spec, "POST", w.plans, "{\"condition\":\"Insomnia\",\"items\":[{\"product_id\":"
	    "%lld,\"dose\":\"0.1 g at night\",\"daily_amount\":100,\"max_per_30d\":3000}],"
	    "\"max_thc_mg_per_day\":20,\"review_date\":\"%s\",\"reason\":\"Initial assessment\"}",
	    (long long)w.flower, w.review);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "items[0].product_id"));
	resp_free(r);
	/* ending the plan is a version too; condition kept when not sent */
	(void)snprintf(want, sizeof(want), "%s/%lld", w.plans, (long long)id);
	r = apif(w.spec, "PUT", want, "{\"base_version\":3,\"status\":\"ended\",\"items\":"
	    "[{\"product_id\":%lld,\"dose\":\"Vaporise 0.1 g up to five times a day\","
	    "\"daily_amount\":1000,\"max_per_30d\":30000}],\"max_thc_mg_per_day\":150,"
	    "\"review_date\":\"%s\",\"reason\":\"Treatment stopped at the patient's request\"}",
	    (long long)w.flower, w.review2);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "version"), 4);
	ck_assert_str_eq(text(r->json, "status"), "ended");
	ck_assert_str_eq(text(r->json, "condition"), "Chronic pain");
	resp_free(r);
	r = api_get(w.spec, "%s/diff?plan=%lld&from=3&to=4", w.plans, (long long)id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_msg(has_change(jget(r->json, "changes"), "Plan ended"), "%s", r->body);
	(void)snprintf(want, sizeof(want), "Removed %s", w.oil_title);
	ck_assert_msg(has_change(jget(r->json, "changes"), want), "%s", r->body);
	ck_assert_msg(has_change(jget(r->json, "changes"), "Removed the 30-day limit for all"
	    " Flower products (was 30 g)"), "%s", r->body);
	resp_free(r);
	world_free(&w);
}
END_TEST

/*
 * Changes within one second are each a version of their own in the history:
 * versions are told apart by their number, not by the time. Three changes
 * 100 ms apart within one second (the server's clock set for the session as
 * root); then a clock behind the current version's start (as after the
 * clock is set back): the change waits (503 busy) rather than lose a
 * version, and nothing is written.
 */
START_TEST(test_history_same_second)
{
	struct world	 w;
	struct resp	*r;
	json_object	*vs;
	int64_t		 id, base;
	size_t		 i;

	world_new(&w);
	r = plan_create(&w, w.spec, "Chronic pain", 500, 30000);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	base = sql_int("SELECT UNIX_TIMESTAMP() + 2");
	for (i = 2; i <= 4; i++) {
		ck_assert_int_eq(sql_exec("SET timestamp = %lld.%zu00000", (long long)base, i - 1), 0);
		ck_assert_msg(sql_exec("UPDATE treatment_plan SET version = version + 1,"
		    " reason = 'Same second %zu', changed_at = UTC_TIMESTAMP(6) WHERE id = %lld", i,
		    (long long)id) == 0, "update: %s", sql_error());
	}
	ck_assert_int_eq(sql_exec("SET timestamp = DEFAULT"), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM treatment_plan FOR SYSTEM_TIME ALL"
	    " WHERE id = %lld AND changed_at >= FROM_UNIXTIME(%lld) AND"
	    " changed_at < FROM_UNIXTIME(%lld)", (long long)id, (long long)base,
	    (long long)base + 1), 3);
	r = api_get(w.gp, "%s/history?plan=%lld", w.plans, (long long)id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	vs = jget(r->json, "plans.0.versions");
	ck_assert_msg(json_object_array_length(vs) == 4, "%s", r->body);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(jint(json_object_array_get_idx(vs, i), "version"), (long long)i + 1);
	ck_assert_str_eq(text(vs, "1.reason"), "Same second 2");
	ck_assert_str_eq(text(vs, "3.reason"), "Same second 4");
	resp_free(r);

	/* the current version starts in the future (2 s ahead): refused, nothing written */
	r = plan_update(&w, w.gp, id, 4, 1000, false, w.review, "Too soon");
	expect_problem(r, 503, "busy");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT version FROM treatment_plan WHERE id = %lld",
	    (long long)id), 4);
	sleep(3);
	r = plan_update(&w, w.gp, id, 4, 1000, false, w.review, "Once the clock has passed it");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "version"), 5);
	resp_free(r);
	r = api_get(w.gp, "%s/history?plan=%lld", w.plans, (long long)id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "plans.0.versions")), 5);
	resp_free(r);
	world_free(&w);
}
END_TEST

/* A prescription row written as root (signing is another test suite's concern). */
static void
rx_insert(int64_t patient, int64_t plan, int64_t prescriber, int64_t product, int64_t key,
    const char *status, long long qty, long long thc, int hours_ago)
{
	ck_assert_msg(sql_exec("INSERT INTO prescription (patient_id, plan_id, plan_version,"
	    " prescriber_id, product_id, status, initial, dose, quantity, daily_amount, days_supply,"
	    " thc_ug_total, cbd_ug_total, effective_at, created_at, updated_at, signed_at,"
	    " valid_until, key_id, document, signature, status_changed_at, cancel_reason)"
	    " VALUES (%lld, %lld, 1, %lld, %lld, '%s', 0, 'one a day', %lld, 500, 30, %lld, 0,"
	    " UTC_TIMESTAMP(6) - INTERVAL %d HOUR, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6),"
	    " IF('%s' = 'draft', NULL, UTC_TIMESTAMP(6) - INTERVAL %d HOUR),"
	    " IF('%s' = 'draft', NULL, UTC_TIMESTAMP(6) + INTERVAL 27 DAY),"
	    " IF('%s' = 'draft', NULL, %lld), IF('%s' = 'draft', NULL, '{}'),"
	    " IF('%s' = 'draft', NULL, 'sig'), UTC_TIMESTAMP(6),"
	    " IF('%s' = 'cancelled', 'test', NULL))", (long long)patient, (long long)plan,
	    (long long)prescriber, (long long)product, status, qty, thc, hours_ago, status,
	    hours_ago, status, status,
	    (long long)key, status, status, status) == 0, "insert: %s", sql_error());
}

START_TEST(test_reports)
{
	struct world	 w;
	struct resp	*r;
	struct resp	*r2;
	struct browser	*staff_pharm = staff_new("pharmacist", NULL);
	json_object	*rows, *row = NULL;
	char		 from[11], to[11], early[11], line[300], *ct, *cd;
	int64_t		 plan, key;
	size_t		 i;

	world_new(&w);
	r = plan_create(&w, w.spec, "Chronic pain", 500, 30000);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	plan = jint(r->json, "id");
	resp_free(r);
	ck_assert_int_eq(sql_exec("INSERT INTO prescriber_key (clinician_id, fingerprint,"
	    " public_pem, private_sealed, created_at) VALUES (%lld, SHA2('%s', 256), 'pem', 'x',"
	    " UTC_TIMESTAMP(6))", (long long)w.spec_id, w.t), 0);
	key = sql_int("SELECT id FROM prescriber_key WHERE fingerprint = SHA2('%s', 256)", w.t);
	rx_insert(w.pat.id, plan, w.spec_id, w.flower, key, "signed", 10000, 1800000, 1);
	rx_insert(w.pat.id, plan, w.spec_id, w.flower, key, "delivered", 5000, 900000, 1);
	rx_insert(w.pat.id, plan, w.spec_id, w.flower, key, "cancelled", 7000, 1260000, 1);
	rx_insert(w.pat.id, plan, w.spec_id, w.flower, key, "draft", 9000, 1620000, 1);
	/* signed 40 days ago: outside the period and the 30-day window */
	rx_insert(w.pat.id, plan, w.spec_id, w.flower, key, "dispensed", 3000, 540000, 40 * 24);
	date_in(-1, from);
	date_in(1, to);

	r = api_get(auditor(), "/api/v1/prescriptions/reports/totals?by=product&from=%s&to=%s",
	    from, to);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "report.read", "success");
	rows = jget(r->json, "rows");
	for (i = 0; i < json_object_array_length(rows); i++)
		if (jint(json_object_array_get_idx(rows, i), "key.id") == w.flower)
			row = json_object_array_get_idx(rows, i);
	ck_assert_msg(row != NULL, "%s", r->body);
	ck_assert_int_eq(jint(row, "prescriptions"), 2);
	ck_assert_int_eq(jint(row, "cancelled"), 1);
	ck_assert_int_eq(jint(row, "quantity"), 15000);
	ck_assert_str_eq(text(row, "quantity_label"), "15 g");
	ck_assert_int_eq(jint(row, "thc_mg"), 2700);
	resp_free(r);
	/* a period reaching back 41 days takes in the one signed 40 days ago */
	date_in(-41, early);
	r = api_get(auditor(), "/api/v1/prescriptions/reports/totals?by=product&from=%s&to=%s",
	    early, to);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	rows = jget(r->json, "rows");
	for (row = NULL, i = 0; i < json_object_array_length(rows); i++)
		if (jint(json_object_array_get_idx(rows, i), "key.id") == w.flower)
			row = json_object_array_get_idx(rows, i);
	ck_assert_msg(row != NULL, "%s", r->body);
	ck_assert_int_eq(jint(row, "prescriptions"), 3);
	ck_assert_int_eq(jint(row, "quantity"), 18000);
	ck_assert_str_eq(text(row, "quantity_label"), "18 g");
	resp_free(r);

	r = api_get(w.admin, "/api/v1/prescriptions/reports/totals?by=prescriber&from=%s&to=%s",
	    from, to);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	rows = jget(r->json, "rows");
	for (row = NULL, i = 0; i < json_object_array_length(rows); i++)
		if (jint(json_object_array_get_idx(rows, i), "key.id") == w.spec_id)
			row = json_object_array_get_idx(rows, i);
	ck_assert_msg(row != NULL, "%s", r->body);
	ck_assert_int_eq(jint(row, "prescriptions"), 2);
	ck_assert_int_eq(jint(row, "quantity.mg"), 15000);
	ck_assert_int_eq(jint(row, "quantity.ul"), 0);
	ck_assert_str_eq(text(row, "key.registration_number"), "7000002");
	resp_free(r);

	r = api_get(w.admin, "/api/v1/prescriptions/reports/totals?by=patient&from=%s&to=%s"
	    "&format=csv", from, to);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ct = resp_header(r, "Content-Type");
	cd = resp_header(r, "Content-Disposition");
	ck_assert_msg(ct != NULL && strncmp(ct, "text/csv", 8) == 0, "%s", ct);
	ck_assert_msg(cd != NULL && strncmp(cd, "attachment; filename=", 21) == 0, "%s", cd);
	free(ct);
	free(cd);
	ck_assert_msg(strncmp(r->body, "patient_id,name,prescriptions,cancelled,quantity_mg,"
	    "quantity_ul,quantity_each,quantity_label,thc_mg,cbd_mg\r\n", 99) == 0, "%s", r->body);
	(void)snprintf(line, sizeof(line), "\r\n%lld,Reggie Tester,2,1,15000,0,0,15 g,2700,0\r\n",
	    (long long)w.pat.id);
	ck_assert_msg(strstr(r->body, line) != NULL, "%s not in %s", line, r->body);
	expect_one_audit(r, "report.read", "success");
	resp_free(r);

	r = api_get(w.admin, "/api/v1/prescriptions/reports/totals?by=product&from=%s&to=%s"
	    "&format=csv", from, to);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	(void)snprintf(line, sizeof(line), "\r\n%lld,Test Supplies,Harbour,Flower 18%% %s,flower,"
	    "2,1,15000,mg,15 g,2700,0\r\n", (long long)w.flower, w.t);
	ck_assert_msg(strstr(r->body, line) != NULL, "%s not in %s", line, r->body);
	resp_free(r);

	/* running 30-day totals against the plan */
	r = api_get(w.admin, "/api/v1/prescriptions/reports/running?patient=%lld",
	    (long long)w.pat.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "patients")), 1);
	ck_assert_int_eq(jint(r->json, "patients.0.products.0.used"), 15000);
	ck_assert_int_eq(jint(r->json, "patients.0.products.0.max"), 30000);
	ck_assert_str_eq(text(r->json, "patients.0.products.0.max_label"), "30 g");
	ck_assert_int_eq(jint(r->json, "patients.0.forms.0.used"), 15000);
	ck_assert_int_eq(jint(r->json, "patients.0.thc.used_mg"), 2700);
	ck_assert_int_eq(jint(r->json, "patients.0.thc.max_mg"), 4500);
	resp_free(r);

	/* who may: admins and auditors only; bad queries */
	r = api_get(w.spec, "/api/v1/prescriptions/reports/totals");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api_get(w.pat.b, "/api/v1/prescriptions/reports/running");
	expect_problem(r, 404, "not-found");
	r2 = api_get(staff_pharm, "/api/v1/prescriptions/reports/running");
	expect_problem(r2, 403, "forbidden");
	resp_free(r2);
	br_free(staff_pharm);
	resp_free(r);
	r = api_get(w.admin, "/api/v1/prescriptions/reports/totals?by=colour");
	expect_problem(r, 400, "validation");
	resp_free(r);
	r = api_get(w.admin, "/api/v1/prescriptions/reports/totals?from=%s&to=%s", to, from);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "to"));
	resp_free(r);
	world_free(&w);
}
END_TEST

Suite *
plans_suite(void)
{
	Suite	*s = suite_create("plans");
	TCase	*tc;

	tc = tcase_create("formulary");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_formulary_crud);
	tcase_add_test(tc, test_demo_formulary);
	suite_add_tcase(s, tc);

	tc = tcase_create("plans");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_plan_create_specialist_only);
	tcase_add_test(tc, test_plan_validation);
	tcase_add_test(tc, test_plan_versions_history_diff);
	tcase_add_test(tc, test_history_same_second);
	suite_add_tcase(s, tc);

	tc = tcase_create("reports");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reports);
	suite_add_tcase(s, tc);
	return s;
}
