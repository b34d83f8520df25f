/*
 * Booking a courier (helper D), linked into dispatch: ph.courier_book.
 */
#include <stddef.h>

#include "pharmacy.h"
#include "../dispatch/dispatch.h"

const struct kind *const	courier_kinds = NULL;
const size_t			courier_nkinds = 0;
