/*
 * A prescription's total quantity in words, as a Schedule 2 prescription
 * must carry it beside the figures (REGULATORY.md). Pure; exact integers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pool.h"
#include "rx.h"

static const char *const ones[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
	"eighteen", "nineteen",
};
static const char *const tens[] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};
static const char *const scales[] = {
	"", " thousand", " million", " billion", " trillion", " quadrillion", " quintillion",
};

/* Appends s to the buffer b (cap bytes, *n used). -1 when it does not fit. */
static int
put(char *b, size_t cap, size_t *n, const char *s)
{
	size_t	len = strlen(s);

	if (*n + len + 1 > cap)
		return -1;
	memcpy(b + *n, s, len + 1);
	*n += len;
	return 0;
}

/* 1..999 in words, with "and" before the last part as British English says it. */
static int
put_hundreds(char *b, size_t cap, size_t *n, unsigned v)
{
	unsigned	h = v / 100, rest = v % 100;

	if (h > 0 && (put(b, cap, n, ones[h]) == -1 || put(b, cap, n, " hundred") == -1 ||
	    (rest > 0 && put(b, cap, n, " and ") == -1)))
		return -1;
	if (rest == 0)
		return 0;
	if (rest < 20)
		return put(b, cap, n, ones[rest]);
	if (put(b, cap, n, tens[rest / 10]) == -1)
		return -1;
	if (rest % 10 != 0 && (put(b, cap, n, "-") == -1 || put(b, cap, n, ones[rest % 10]) == -1))
		return -1;
	return 0;
}

char *
rx_number_words(struct pool *p, uint64_t v)
{
	unsigned	groups[7];
	char		b[512];
	size_t		n = 0;
	int		g, ng = 0;

	if (v == 0)
		return pool_strdup(p, "zero");
	while (v > 0) {
		groups[ng++] = (unsigned)(v % 1000);
		v /= 1000;
	}
	b[0] = '\0';
	for (g = ng - 1; g >= 0; g--) {
		if (groups[g] == 0)
			continue;
		if (n > 0) {
			/* "one thousand and five", "one thousand, two hundred" */
			if (put(b, sizeof(b), &n, g == 0 && groups[g] < 100 ? " and " : " ") == -1)
				return NULL;
		}
		if (put_hundreds(b, sizeof(b), &n, groups[g]) == -1 ||
		    put(b, sizeof(b), &n, scales[g]) == -1)
			return NULL;
	}
	return pool_strdup(p, b);
}

/* v / 1000 in words: "two point five", "thirty", "zero point two five". */
static char *
thousandths_words(struct pool *p, uint64_t v)
{
	char		*whole, frac[4], b[64];
	size_t		 n = 0;
	int		 i, len;

	if ((whole = rx_number_words(p, v / 1000)) == NULL)
		return NULL;
	if (v % 1000 == 0)
		return whole;
	len = snprintf(frac, sizeof(frac), "%03u", (unsigned)(v % 1000));
	if (len != 3)
		return NULL;
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = '\0';
	b[0] = '\0';
	if (put(b, sizeof(b), &n, " point") == -1)
		return NULL;
	for (i = 0; i < len; i++)
		if (put(b, sizeof(b), &n, " ") == -1 || put(b, sizeof(b), &n, ones[frac[i] - '0']) == -1)
			return NULL;
	return pool_printf(p, "%s%s", whole, b);
}

char *
rx_words(struct pool *p, const char *unit, const char *form, int64_t amount)
{
	char	*w;

	if (unit == NULL || amount < 0)
		return NULL;
	if (strcmp(unit, "mg") == 0) {
		if (amount > 0 && amount < 1000) {
			if ((w = rx_number_words(p, (uint64_t)amount)) == NULL)
				return NULL;
			return pool_printf(p, "%s milligram%s", w, amount == 1 ? "" : "s");
		}
		if ((w = thousandths_words(p, (uint64_t)amount)) == NULL)
			return NULL;
		return pool_printf(p, "%s gram%s", w, amount == 1000 ? "" : "s");
	}
	if (strcmp(unit, "ul") == 0) {
		if ((w = thousandths_words(p, (uint64_t)amount)) == NULL)
			return NULL;
		return pool_printf(p, "%s millilitre%s", w, amount == 1000 ? "" : "s");
	}
	if (strcmp(unit, "each") == 0) {
		if ((w = rx_number_words(p, (uint64_t)amount)) == NULL)
			return NULL;
		return pool_printf(p, "%s %s", w, form_noun(form, amount != 1));
	}
	return NULL;
}
