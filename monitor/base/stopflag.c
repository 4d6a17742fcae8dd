/* stopflag.c: the process's "stop now" request (stopflag.h). */
#include "base/stopflag.h"

#include <signal.h>

/* sig_atomic_t is what a handler may write; the readers poll it, so no lock is needed. */
static volatile sig_atomic_t stop_flag;

void
stop_request(void)
{
	stop_flag = 1;
}

int
stop_requested(void)
{
	return stop_flag != 0;
}

void
stop_reset(void)
{
	stop_flag = 0;
}
