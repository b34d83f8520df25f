/* patients.fcgi — skeleton. */
#include "err.h"
#include "req.h"
#include "serve.h"

int
main(void)
{
	return serve("patients", NULL, 0, NULL);
}
