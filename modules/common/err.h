#ifndef CLINIC_ERR_H
#define CLINIC_ERR_H
/*
 * The one error enum shared by every room (after curl's CURLcode).
 * Append only: values are never renumbered.
 */
enum cerr {
	CE_OK = 0,
	CE_NOMEM,	/* out of memory */
	CE_DB,		/* database error other than those below */
	CE_DEADLOCK,	/* deadlock or lock wait timeout: retry the transaction */
	CE_DUPLICATE,	/* unique key violation */
	CE_NOTFOUND,	/* no such row */
	CE_GONE,	/* connection to the database lost */
	CE_CRYPTO,	/* OpenSSL failure */
	CE_CONF,	/* configuration invalid */
	CE_IO,		/* read/write failure */
	CE_INVALID,	/* bad input */
	CE_TAMPERED,	/* audit chain verification failed */
	CE__MAX
};

/* A static English description; never NULL. */
const char	*cerr_str(enum cerr);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#endif
