/*
 * Amounts as people read them (issue 5). Quantities are exact integers in a
 * product's supply unit (mg, ul, each); these turn them into grams,
 * millilitres and counts without floating point. Pure: no database.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pool.h"
#include "rx.h"

char *
decimal_text(struct pool *p, int64_t v, int scale)
{
	uint64_t	 mag, div = 1, whole, frac;
	char		 fbuf[24];
	int		 i, n;
	const char	*sign = "";

	if (scale < 0 || scale > 9)
		return NULL;
	for (i = 0; i < scale; i++)
		div *= 10;
	if (v < 0) {
		sign = "-";
		mag = (uint64_t)(-(v + 1)) + 1;	/* no overflow at INT64_MIN */
	} else
		mag = (uint64_t)v;
	whole = mag / div;
	frac = mag % div;
	if (frac == 0)
		return pool_printf(p, "%s%" PRIu64, sign, whole);
	n = snprintf(fbuf, sizeof(fbuf), "%0*" PRIu64, scale, frac);
	if (n < 0 || (size_t)n >= sizeof(fbuf))
		return NULL;
	while (n > 0 && fbuf[n - 1] == '0')
		fbuf[--n] = '\0';
	return pool_printf(p, "%s%" PRIu64 ".%s", sign, whole, fbuf);
}

const char *
form_noun(const char *form, bool plural)
{
	if (form == NULL)
		return plural ? "units" : "unit";
	if (strcmp(form, "capsule") == 0)
		return plural ? "capsules" : "capsule";
	if (strcmp(form, "vape_cartridge") == 0)
		return plural ? "cartridges" : "cartridge";
	if (strcmp(form, "pastille") == 0)
		return plural ? "pastilles" : "pastille";
	return plural ? "units" : "unit";
}

char *
amount_figures(struct pool *p, const char *unit, const char *form, int64_t amount)
{
	char	*num;

	if (unit == NULL)
		return NULL;
	if (strcmp(unit, "mg") == 0 || strcmp(unit, "ul") == 0) {
		if ((num = decimal_text(p, amount, 3)) == NULL)
			return NULL;
		return pool_printf(p, "%s %s", num, unit[0] == 'm' ? "g" : "ml");
	}
	if (strcmp(unit, "each") == 0)
		return pool_printf(p, "%" PRId64 " %s", amount,
		    form_noun(form, amount != 1 && amount != -1));
	return NULL;
}
