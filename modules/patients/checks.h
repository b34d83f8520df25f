#ifndef PATIENTS_CHECKS_H
#define PATIENTS_CHECKS_H
/*
 * Pure checks of patient details (no database, no request): each returns NULL
 * when the value is acceptable or a static reason in plain words. An empty
 * string is acceptable everywhere (it clears the detail).
 */
#include <stdbool.h>
#include <stddef.h>

/* An NHS number: 10 digits (spaces allowed) whose last is the modulus-11 check digit. */
const char	*nhs_number_check(const char *);
/* A telephone number: digits with optional leading +, spaces, hyphens, brackets; 7–15 digits. */
const char	*phone_check(const char *);
/* A UK postcode (e.g. "SW1A 1AA"), any case, space optional. */
const char	*postcode_check(const char *);

/*
 * Normal forms for storage, into out (cap bytes): the NHS number's 10 digits;
 * the postcode upper-case with one space before the last three characters.
 * Return false if the value does not pass its check or out is too small.
 */
bool		 nhs_number_norm(const char *, char *out, size_t cap);
bool		 postcode_norm(const char *, char *out, size_t cap);

#endif
