/*
 * The clinic's messages to partner pharmacies (helper A): pharmacy.prescription
 * and pharmacy.cancel, as Standard Webhooks deliveries (webhook_send).
 */
#include <stddef.h>

#include "dispatch.h"

const struct kind *const	bridge_kinds = NULL;
const size_t			bridge_nkinds = 0;
