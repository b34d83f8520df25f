#ifndef CLINIC_PASSWORD_H
#define CLINIC_PASSWORD_H
/*
 * The password policy: at least conf.password_min_length characters, at most
 * 128, not on the common-password list (conf.password_list, one per line,
 * compared case-insensitively), not the email address or its local part.
 */

/*
 * Returns NULL when acceptable, or a static reason in plain words.
 * The list is read once per process; if it cannot be read the check fails
 * closed with a reason naming the problem (and it is logged).
 */
const char	*password_policy(const char *password, const char *email);
/* The same rules without the email comparison: a struct field's check. */
const char	*password_check(const char *password);

#endif
