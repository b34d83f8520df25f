#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "password.h"
#include "valid.h"

static char	**list;
static size_t	  nlist;
static int	  loaded;	/* 0 not yet, 1 ok, -1 failed */
static char	  short_msg[96];

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
load(void)
{
	FILE	*f;
	char	*line = NULL, **nl;
	size_t	 cap = 0, alloc = 0;
	ssize_t	 n;

	if ((f = fopen(conf.password_list, "r")) == NULL) {
		log_err("cannot read the common-password list %s", conf.password_list);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (nlist == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			if ((nl = realloc(list, alloc * sizeof(*list))) == NULL)
				goto fail;
			list = nl;
		}
		lower(line);
		if ((list[nlist] = strdup(line)) == NULL)
			goto fail;
		nlist++;
	}
	free(line);
	fclose(f);
	qsort(list, nlist, sizeof(*list), cmp);
	return 1;
fail:
	free(line);
	fclose(f);
	return -1;
}

const char *
password_policy(const char *pw, const char *email)
{
	size_t		 nchars = 0, len = strlen(pw), i;
	char		*low, *key;
	const char	*at;
	bool		 found;

	if (!valid_utf8(pw, len, &nchars))
		return "must be valid text";
	if ((long)nchars < conf.password_min_length) {
		(void)snprintf(short_msg, sizeof(short_msg), "must be at least %ld characters "
		    "long; a few unrelated words work well", conf.password_min_length);
		return short_msg;
	}
	if (nchars > 128)
		return "must be at most 128 characters";
	if (loaded == 0)
		loaded = load();
	if (loaded < 0)
		return "cannot be checked right now; please try again later";
	if ((low = strdup(pw)) == NULL)
		return "cannot be checked right now; please try again later";
	lower(low);
	key = low;
	found = bsearch(&key, list, nlist, sizeof(*list), cmp) != NULL;
	if (!found && email != NULL) {
		at = strchr(email, '@');
		if (strcasecmp(low, email) == 0 ||
		    (at != NULL && (size_t)(at - email) == strlen(low) &&
		    strncasecmp(low, email, (size_t)(at - email)) == 0))
			found = true;
	}
	/* One character repeated is as weak as a listed password. */
	for (i = 1; !found && i < len && low[i] == low[0]; i++)
		if (i == len - 1)
			found = true;
	free(low);
	return found ? "is too common or too easy to guess; choose something less predictable" :
	    NULL;
}

const char *
password_check(const char *pw)
{
	return password_policy(pw, NULL);
}
