#include <ctype.h>
#include <string.h>

#include "checks.h"

/* The digits of s (spaces allowed between them) into d[10]; false otherwise. */
static bool
ten_digits(const char *s, char d[11])
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s < '0' || *s > '9' || n == 10)
			return false;
		d[n++] = *s;
	}
	d[n] = '\0';
	return n == 10;
}

const char *
nhs_number_check(const char *s)
{
	char	d[11];
	int	i, sum = 0, check;

	if (*s == '\0')
		return NULL;
	if (!ten_digits(s, d))
		return "must be 10 digits";
	for (i = 0; i < 9; i++)
		sum += (d[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	if (check == 10 || check != d[9] - '0')
		return "is not a valid NHS number: please check the digits";
	return NULL;
}

bool
nhs_number_norm(const char *s, char *out, size_t cap)
{
	char	d[11];

	if (nhs_number_check(s) != NULL || cap < 11)
		return false;
	if (*s == '\0') {
		*out = '\0';
		return true;
	}
	(void)ten_digits(s, d);
	memcpy(out, d, 11);
	return true;
}

const char *
phone_check(const char *s)
{
	size_t	digits = 0, i;

	if (*s == '\0')
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '+' && i == 0)
			continue;
		else if (s[i] != ' ' && s[i] != '-' && s[i] != '(' && s[i] != ')')
			return "must be a telephone number (digits, spaces and an optional leading +)";
	}
	if (digits < 7 || digits > 15)
		return "must have between 7 and 15 digits";
	return NULL;
}

/*
 * UK postcodes: outward code (2–4 characters: A9, A99, AA9, AA99, A9A, AA9A)
 * then inward code (9AA). Compared without spaces, upper-cased.
 */
static bool
postcode_compact(const char *s, char c[8])
{
	size_t	n = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == ' ')
			continue;
		if (!isalnum((unsigned char)s[i]) || n == 7)
			return false;
		c[n++] = (char)toupper((unsigned char)s[i]);
	}
	c[n] = '\0';
	if (n < 5)
		return false;
	/* inward: digit letter letter */
	if (!isdigit((unsigned char)c[n - 3]) || !isalpha((unsigned char)c[n - 2]) ||
	    !isalpha((unsigned char)c[n - 1]))
		return false;
	/* outward: a letter first, then 1–3 more, at least one digit, starting with the second or third */
	if (!isalpha((unsigned char)c[0]))
		return false;
	if (n - 3 == 2)
		return isdigit((unsigned char)c[1]);
	if (n - 3 == 3)
		return isdigit((unsigned char)c[1]) || (isalpha((unsigned char)c[1]) &&
		    isdigit((unsigned char)c[2]));
	/* 4: AA99, AA9A */
	return isalpha((unsigned char)c[1]) && isdigit((unsigned char)c[2]) &&
	    isalnum((unsigned char)c[3]);
}

const char *
postcode_check(const char *s)
{
	char	c[8];

	if (*s == '\0')
		return NULL;
	return postcode_compact(s, c) ? NULL : "must be a UK postcode, like SW1A 1AA";
}

bool
postcode_norm(const char *s, char *out, size_t cap)
{
	char	c[8];
	size_t	n;

	if (*s == '\0' && cap > 0) {
		*out = '\0';
		return true;
	}
	if (!postcode_compact(s, c) || cap < 9)
		return false;
	n = strlen(c);
	memcpy(out, c, n - 3);
	out[n - 3] = ' ';
	memcpy(out + n - 2, c + n - 3, 4);
	return true;
}
