/*
 * The demo pharmacy's catalogue and stock for `clinic load-demo` (cli.h;
 * helper C). root's "pharmacy" object:
 *   "products": [{supplier, brand, name, form, pack_size}]  each mapped to
 *       the demo formulary's product with the same supplier, brand, name,
 *       form and pack size (the demo's one shared database stands in for
 *       the mapping a pharmacist makes with PUT /api/v1/pharmacy/products)
 *   "receipts": [{product (index into products), batch_number, supplier,
 *       supplier_address, expiry_in_days, quantity, thc_ug_per_unit,
 *       cbd_ug_per_unit}]  each a batch and its register 'receipt' entry
 *   "expected": [{product, quantity, in_days, note}]  awaited deliveries
 * A product that exists (same supplier, brand, name) is left as it is, and
 * so is its stock: receipts and expected deliveries are loaded only with
 * the product they belong to. Each product is one transaction with its
 * audit rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "pool.h"
#include "req.h"
#include "cli.h"
#include "../pharmacy/pharmacy.h"

static const char SQL_EXISTS[] =
    "SELECT id FROM ph_product WHERE supplier = ? AND brand = ? AND name = ?";
static const char SQL_CLINIC_PRODUCT[] =
    "SELECT id, supply_unit FROM formulary_product WHERE supplier = ? AND brand = ? AND name = ?"
    " AND form = ? AND pack_size = ?";
static const char SQL_MAPPED[] =
    "SELECT 1 FROM ph_product WHERE clinic_product_id = ?";
static const char SQL_PRODUCT[] =
    "INSERT INTO ph_product (clinic_product_id, supplier, brand, name, form, supply_unit,"
    " pack_size, active, created_at, updated_at)"
    " VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_BATCH[] =
    "INSERT INTO ph_batch (product_id, batch_number, supplier, expiry_date, thc_ug_per_unit,"
    " cbd_ug_per_unit, received_qty, on_hand, received_at)"
    " VALUES (?, ?, ?, UTC_DATE() + INTERVAL ? DAY, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_BALANCE[] =
    "SELECT balance FROM ph_register WHERE product_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_RECEIPT[] =
    "INSERT INTO ph_register (product_id, batch_id, kind, quantity, balance, at, counterparty)"
    " VALUES (?, ?, 'receipt', ?, ?, UTC_TIMESTAMP(6), ?)";
static const char SQL_EXPECTED[] =
    "INSERT INTO ph_expected (product_id, quantity, expected_date, note, created_by, created_at)"
    " VALUES (?, ?, UTC_DATE() + INTERVAL ? DAY, ?, 0, UTC_TIMESTAMP(6))";

static const char *
str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static int64_t
num(struct json_object *o, const char *k, int64_t min)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < min)
		return -1;
	return json_object_get_int64(v);
}

static int
fail(struct db *db, const char *what, enum cerr rc)
{
	db_rollback(db);
	fprintf(stderr, "clinic: demo pharmacy: %s: %s\n", what, cerr_str(rc));
	return 1;
}

/* The receipts and expected deliveries of product index i, in the open transaction. */
static int
stock_of(struct db *db, struct pool *pool, struct json_object *ph, size_t i, int64_t product)
{
	struct json_object	*a, *e;
	struct db_res		*res;
	const char		*batch, *sup, *addr, *note;
	char			 cp[520];
	int64_t			 qty, days, thc, cbd, bal, id;
	size_t			 k;
	enum cerr		 rc;

	if (json_object_object_get_ex(ph, "receipts", &a) &&
	    json_object_is_type(a, json_type_array))
		for (k = 0; k < json_object_array_length(a); k++) {
			e = json_object_array_get_idx(a, k);
			if (num(e, "product", 0) != (int64_t)i)
				continue;
			batch = str(e, "batch_number");
			sup = str(e, "supplier");
			addr = str(e, "supplier_address");
			qty = num(e, "quantity", 1);
			days = num(e, "expiry_in_days", 1);
			thc = num(e, "thc_ug_per_unit", 0);
			cbd = num(e, "cbd_ug_per_unit", 0);
			if (batch == NULL || sup == NULL || qty < 1 || days < 1 || thc < 0 || cbd < 0) {
				db_rollback(db);
				fprintf(stderr, "clinic: demo pharmacy receipt %zu needs batch_number,"
				    " supplier, quantity, expiry_in_days, thc/cbd_ug_per_unit\n", k);
				return 1;
			}
			if (snprintf(cp, sizeof(cp), "%s%s%s", sup, addr != NULL ? ", " : "",
			    addr != NULL ? addr : "") >= (int)sizeof(cp))
				cp[sizeof(cp) - 1] = '\0';
			if ((rc = db_exec(db, pool, NULL, SQL_BATCH, "issiiiii", product, batch, sup,
			    days, thc, cbd, qty, qty)) != CE_OK)
				return fail(db, "batch", rc);
			id = (int64_t)db_insert_id(db);
			if ((rc = db_exec(db, pool, &res, SQL_BALANCE, "i", product)) != CE_OK)
				return fail(db, "balance", rc);
			bal = res->nrows == 1 ? db_int(res->rows[0][0]) : 0;
			if ((rc = db_exec(db, pool, NULL, SQL_RECEIPT, "iiiis", product, id, qty,
			    bal + qty, cp)) != CE_OK)
				return fail(db, "register", rc);
			printf("received batch %s (%" PRId64 ")\n", batch, qty);
		}
	if (json_object_object_get_ex(ph, "expected", &a) &&
	    json_object_is_type(a, json_type_array))
		for (k = 0; k < json_object_array_length(a); k++) {
			e = json_object_array_get_idx(a, k);
			if (num(e, "product", 0) != (int64_t)i)
				continue;
			qty = num(e, "quantity", 1);
			days = num(e, "in_days", 0);
			note = str(e, "note");
			if (qty < 1 || days < 0) {
				db_rollback(db);
				fprintf(stderr, "clinic: demo pharmacy expected %zu needs quantity and"
				    " in_days\n", k);
				return 1;
			}
			if ((rc = db_exec(db, pool, NULL, SQL_EXPECTED, "iiis", product, qty, days,
			    note)) != CE_OK)
				return fail(db, "expected delivery", rc);
			printf("expected delivery of %" PRId64 " in %" PRId64 " days\n", qty, days);
		}
	return 0;
}

int
load_demo_pharmacy(struct db *db, struct pool *pool, struct json_object *root)
{
	struct json_object	*ph, *pa, *p, *d;
	struct db_res		*res, *cp, *m;
	const char		*sup, *brand, *name, *form;
	int64_t			 pack, clinic_id = 0, id;
	char			 ids[24];
	size_t			 i;
	enum cerr		 rc;

	if (!json_object_object_get_ex(root, "pharmacy", &ph))
		return 0;
	if (!json_object_object_get_ex(ph, "products", &pa) ||
	    !json_object_is_type(pa, json_type_array)) {
		fprintf(stderr, "clinic: pharmacy.products must be an array\n");
		return 1;
	}
	for (i = 0; i < json_object_array_length(pa); i++) {
		pool_reset(pool);
		p = json_object_array_get_idx(pa, i);
		sup = str(p, "supplier");
		brand = str(p, "brand");
		name = str(p, "name");
		form = str(p, "form");
		pack = num(p, "pack_size", 1);
		if (sup == NULL || brand == NULL || name == NULL || form == NULL || pack < 1) {
			fprintf(stderr, "clinic: pharmacy product %zu needs supplier, brand, name, form"
			    " and pack_size\n", i);
			return 1;
		}
		if ((rc = db_begin(db)) != CE_OK ||
		    (rc = db_exec(db, pool, &res, SQL_EXISTS, "sss", sup, brand, name)) != CE_OK)
			return fail(db, "product", rc);
		if (res->nrows > 0) {
			db_rollback(db);
			printf("exists  pharmacy product %s %s\n", brand, name);
			continue;
		}
		if ((rc = db_exec(db, pool, &cp, SQL_CLINIC_PRODUCT, "ssssi", sup, brand, name, form,
		    pack)) != CE_OK)
			return fail(db, "formulary", rc);
		if (cp->nrows != 1) {
			db_rollback(db);
			fprintf(stderr, "clinic: pharmacy product %s %s is not in the demo formulary\n",
			    brand, name);
			return 1;
		}
		clinic_id = db_int(cp->rows[0][0]);
		if ((rc = db_exec(db, pool, &m, SQL_MAPPED, "i", clinic_id)) != CE_OK)
			return fail(db, "mapping", rc);
		if ((rc = db_exec(db, pool, NULL, SQL_PRODUCT, "isssssi", m->nrows > 0 ?
		    (int64_t)0 : clinic_id, sup, brand, name, form, cp->rows[0][1], pack)) != CE_OK)
			return fail(db, "product", rc);
		id = (int64_t)db_insert_id(db);
		if (stock_of(db, pool, ph, i, id) != 0)
			return 1;
		(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
		if ((d = json_object_new_object()) != NULL) {
			json_object_object_add(d, "brand", json_object_new_string(brand));
			json_object_object_add(d, "name", json_object_new_string(name));
			json_object_object_add(d, "clinic_product_id", json_object_new_int64(clinic_id));
		}
		if (cli_audit_commit(db, pool, "pharmacy.product_created", "ph_product", ids,
		    "clinic load-demo", d, "the pharmacy product") != 0)
			return 1;
		printf("created pharmacy product %s %s\n", brand, name);
	}
	/*
	 * The clinic hears of the demo stock at once (a snapshot, as dispatch
	 * sends every pharmacy_snapshot_minutes), not a quarter of an hour later.
	 */
	if (*conf.pharmacy_events_url != '\0') {
		struct req	r;

		memset(&r, 0, sizeof(r));
		r.pool = pool;
		r.db = db;
		r.request_id = "clinic-load-demo";
		if ((rc = ph_stock_snapshot(&r)) != CE_OK) {
			fprintf(stderr, "clinic: queueing the demo pharmacy's stock snapshot: %s\n",
			    cerr_str(rc));
			return 1;
		}
	}
	return 0;
}
