/*
 * pharmacy.fcgi routes of the inbox, prescriptions, stock and the
 * controlled-drug register (helper C), with their field tables. Included
 * once, by pharmacy.c. Literal paths come before "{id}" ones.
 */
#include "ph.h"

#define PH_ID_MAX	9007199254740991LL	/* ids fit JSON numbers exactly */
#define PH_QTY_MAX	100000000000LL		/* 100 kg in mg: beyond any real stock */

static const struct field ph_rx_list_query[] = {
	{ "status", V_ENUM, false, 0, 0, "received|rejected|out_of_stock|awaiting_paper|"
	    "accepted|dispensed|shipped|delivered|cancelled", NULL },
};

static const struct field ph_reject_fields[] = {
	{ "reason", V_TEXT, true, 3, 1000, NULL, NULL },
};

static const struct field ph_product_fields[] = {
	{ "clinic_product_id", V_INT, false, 1, PH_ID_MAX, NULL, NULL },
	{ "supplier", V_STRING, true, 1, 200, NULL, NULL },
	{ "brand", V_STRING, true, 1, 200, NULL, NULL },
	{ "name", V_STRING, true, 1, 200, NULL, NULL },
	{ "form", V_ENUM, true, 0, 0, "flower|oil|capsule|vape_cartridge|pastille|spray", NULL },
	{ "supply_unit", V_ENUM, true, 0, 0, "mg|ul|each", NULL },
	{ "pack_size", V_INT, true, 1, PH_QTY_MAX, NULL, NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

/* clinic_product_id 0 removes the mapping */
static const struct field ph_product_update_fields[] = {
	{ "clinic_product_id", V_INT, false, 0, PH_ID_MAX, NULL, NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field ph_receipt_fields[] = {
	{ "product_id", V_INT, true, 1, PH_ID_MAX, NULL, NULL },
	{ "supplier", V_STRING, true, 2, 200, NULL, NULL },
	{ "supplier_address", V_STRING, false, 2, 300, NULL, NULL },
	{ "batch_number", V_STRING, true, 1, 64, NULL, NULL },
	{ "expiry_date", V_DATE, true, 0, 0, NULL, NULL },
	{ "thc_ug_per_unit", V_INT, true, 0, 1000000, NULL, NULL },
	{ "cbd_ug_per_unit", V_INT, true, 0, 1000000, NULL, NULL },
	{ "quantity", V_INT, true, 1, PH_QTY_MAX, NULL, NULL },
	{ "expected_id", V_INT, false, 1, PH_ID_MAX, NULL, NULL },
};

static const struct field ph_expected_query[] = {
	{ "all", V_INT, false, 0, 1, NULL, NULL },
};

static const struct field ph_expected_fields[] = {
	{ "product_id", V_INT, true, 1, PH_ID_MAX, NULL, NULL },
	{ "quantity", V_INT, true, 1, PH_QTY_MAX, NULL, NULL },
	{ "expected_date", V_DATE, true, 0, 0, NULL, NULL },
	{ "note", V_STRING, false, 1, 300, NULL, NULL },
};

static const struct field ph_stock_out_fields[] = {
	{ "batch_id", V_INT, true, 1, PH_ID_MAX, NULL, NULL },
	{ "quantity", V_INT, true, 1, PH_QTY_MAX, NULL, NULL },
	{ "kind", V_ENUM, true, 0, 0, "return|destruction", NULL },
	{ "reason", V_TEXT, true, 3, 1000, NULL, NULL },
	{ "witness", V_STRING, false, 3, 300, NULL, NULL },
};

static const struct field ph_count_fields[] = {
	{ "batch_id", V_INT, true, 1, PH_ID_MAX, NULL, NULL },
	{ "counted", V_INT, true, 0, PH_QTY_MAX, NULL, NULL },
	{ "note", V_TEXT, false, 3, 1000, NULL, NULL },
};

static const struct field ph_register_query[] = {
	{ "product", V_INT, false, 1, PH_ID_MAX, NULL, NULL },
	{ "from", V_DATE, false, 0, 0, NULL, NULL },
	{ "to", V_DATE, false, 0, 0, NULL, NULL },
	{ "format", V_ENUM, false, 0, 0, "json|csv", NULL },
	{ "after", V_INT, false, 1, PH_ID_MAX, NULL, NULL },	/* next_after of the page before */
	{ "limit", V_INT, false, 1, PH_ID_MAX, NULL, NULL },	/* JSON: at most 1000 */
};

static const struct field ph_correction_fields[] = {
	{ "quantity", V_INT, true, -PH_QTY_MAX, PH_QTY_MAX, NULL, NULL },
	{ "reason", V_TEXT, true, 3, 1000, NULL, NULL },
};

#define PH_READERS	(ROLE_PHARMACIST | ROLE_AUDITOR)
#define PH_ROUTES \
	{ "POST", "/api/v1/pharmacy/inbox", ph_inbox, R_PUBLIC | R_RAW, NULL, 0, NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/prescriptions", ph_rx_list, PH_READERS, NULL, 0, \
	    BODY(ph_rx_list_query), 0 }, \
	{ "GET", "/api/v1/pharmacy/prescriptions/{id}", ph_rx_get, PH_READERS, NULL, 0, NULL, 0, \
	    0 }, \
	{ "POST", "/api/v1/pharmacy/prescriptions/{id}/accept", ph_rx_accept, ROLE_PHARMACIST, \
	    NULL, 0, NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/prescriptions/{id}/reject", ph_rx_reject, ROLE_PHARMACIST, \
	    BODY(ph_reject_fields), NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/prescriptions/{id}/paper-received", ph_rx_paper, \
	    ROLE_PHARMACIST, NULL, 0, NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/prescriptions/{id}/dispense", ph_rx_dispense, \
	    ROLE_PHARMACIST | R_RAW, NULL, 0, NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/products", ph_products_list, PH_READERS, NULL, 0, NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/products", ph_product_create, ROLE_PHARMACIST, \
	    BODY(ph_product_fields), NULL, 0, 0 }, \
	{ "PUT", "/api/v1/pharmacy/products/{id}", ph_product_update, ROLE_PHARMACIST, \
	    BODY(ph_product_update_fields), NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/receipts", ph_receipt, ROLE_PHARMACIST, \
	    BODY(ph_receipt_fields), NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/expected", ph_expected_list, PH_READERS, NULL, 0, \
	    BODY(ph_expected_query), 0 }, \
	{ "POST", "/api/v1/pharmacy/expected", ph_expected_create, ROLE_PHARMACIST, \
	    BODY(ph_expected_fields), NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/stock-out", ph_stock_out, ROLE_PHARMACIST, \
	    BODY(ph_stock_out_fields), NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/counts", ph_count, ROLE_PHARMACIST, BODY(ph_count_fields), \
	    NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/stock", ph_stock, PH_READERS, NULL, 0, NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/register", ph_register, PH_READERS, NULL, 0, \
	    BODY(ph_register_query), 0 }, \
	{ "POST", "/api/v1/pharmacy/register/{id}/correction", ph_correction, ROLE_PHARMACIST, \
	    BODY(ph_correction_fields), NULL, 0, 0 },
