#ifndef CLINIC_CLI_H
#define CLINIC_CLI_H
/*
 * Declarations shared by the `clinic` command's files: clinic.c (the
 * commands and the demo data), partner.c (partner-set: the clinic's partner
 * pharmacies) and ph_demo.c (the demo pharmacy's catalogue and stock).
 */
struct db;
struct pool;
struct json_object;

/*
 * Records a change this command made as the system (from "local") with
 * details d (taken: put here in every case; NULL means out of memory), adding
 * "via" and the operating-system user, and commits the open transaction in
 * the same round trip. Returns 0, or 1 after rolling back and saying that
 * `what` could not be recorded. clinic.c.
 */
int	cli_audit_commit(struct db *, struct pool *, const char *action,
	    const char *entity_type, const char *entity_id, const char *via,
	    struct json_object *d, const char *what);

/*
 * clinic partner-set --code C --name N --url URL --send-secret-file F
 * --receive-secret-file F [--inactive]: adds or updates (by code) a partner
 * pharmacy, its secrets sealed, audited. argv[0] is "partner-set". Returns
 * the exit status (0, 1 on error, 2 on bad usage). partner.c.
 */
int	cmd_partner_set(int argc, char **argv);

/*
 * The demo pharmacy (root's "pharmacy" object, if any: its catalogue mapped
 * to the demo formulary, and receipts of stock), each change audited; what
 * exists already is left as it is. 0, or 1 on error (printed). ph_demo.c.
 */
int	load_demo_pharmacy(struct db *, struct pool *, struct json_object *root);

#endif
