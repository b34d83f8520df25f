/*
 * The one "as directed" test (docs/API.md#prescriptions): plan validation
 * (planbody.c) and the dose-given rule (rules.c) both use it. Pure.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "rx.h"

/*
 * Whether a dose says nothing but "as directed" (or "as needed", "prn": no
 * amount, no frequency): once full stops are dropped ("m.d.u." is "mdu") and
 * other punctuation separates words, every word is a filler and at least one
 * defers to someone's directions or the patient's need.
 */
bool
dose_as_directed(const char *s)
{
	static const char *const filler[] = {
		"use", "take", "to", "be", "used", "taken", "as", "per", "by", "the", "your",
		"doctor", "prescriber", "clinician", "specialist", "please", "only", "and",
		"apply", "inhale", "vape", "instructions", "instruction", "when", "required",
		"needed", "prn", "of", "a", "advice", "advised", "instructed", "directed",
		"direction", "directions", "dir", "mdu", "ud", "ut", "dict", "utdict", "asd",
		"told", "agreed", "discussed",
	};
	static const char *const directed[] = {
		"directed", "direction", "directions", "dir", "mdu", "ud", "utdict", "dict",
		"instructed", "instructions", "instruction", "advised", "told", "agreed",
		"discussed", "asd", "needed", "required", "prn",
	};
	char	 w[32];
	size_t	 n = 0, i;
	bool	 said = false, known;

	for (;; s++) {
		if (*s != '\0' && (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)) {
			if (n < sizeof(w) - 1)
				w[n] = (char)tolower((unsigned char)*s);
			n++;
			continue;
		}
		if (*s == '.' && s[1] != '\0')
			continue;	/* m.d.u. */
		if (n > 0) {
			if (n >= sizeof(w))
				return false;
			w[n] = '\0';
			for (known = false, i = 0; i < sizeof(filler) / sizeof(filler[0]); i++)
				if (strcmp(w, filler[i]) == 0)
					known = true;
			if (!known)
				return false;
			for (i = 0; i < sizeof(directed) / sizeof(directed[0]); i++)
				if (strcmp(w, directed[i]) == 0)
					said = true;
			n = 0;
		}
		if (*s == '\0')
			break;
	}
	return said;
}
