#ifndef CLINIC_LOG_H
#define CLINIC_LOG_H
/*
 * Structured lines to stderr: "level=warn prog=auth rid=... msg=\"...\" k=v".
 * Values are escaped (quotes, backslashes, control bytes, non-ASCII as \xNN),
 * so user input can never forge a line. Never pass secrets.
 */
enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERR, LOG_LVL__MAX };

/* Sets the program name printed on every line (not copied: pass a literal). */
void	log_init(const char *prog, enum log_level min);
/* Sets the request id printed on following lines; NULL clears it. Not copied. */
void	log_set_request(const char *rid);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)

#endif
