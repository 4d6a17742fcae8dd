/* targets_daemon_tool.c: drives the daemon's side of publisher/targets for integration.targets. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cstime.h"
#include "model/config.h"
#include "targets/targets.h"

/*
 * usage: targets_daemon_tool CONFIG STATE_DIR SITE_DIR SECONDS
 * Starts the targets as `clickstatus run` does, kicks them, lets them work
 * for SECONDS, then parks them (3 s allowed). Prints each log line with the
 * milliseconds since the start, then "kick_us=N stop_ms=N".
 */
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t t0;

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	(void)ctx;
	pthread_mutex_lock(&out_mu);
	printf("%lld %s %s: %s\n", (long long)(cstime_mono_ms() - t0), level, subsys, msg);
	fflush(stdout);
	pthread_mutex_unlock(&out_mu);
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct targets *t = NULL;
	char err[CS_ERRLEN];
	struct timespec ts;
	int64_t k0, kick_us, s0, stop_ms;

	if (argc != 5) {
		fprintf(stderr, "usage: targets_daemon_tool CONFIG STATE_DIR SITE_DIR SECONDS\n");
		return 2;
	}
	t0 = cstime_mono_ms();
	if (config_load(argv[1], NULL, &cfg, err, sizeof(err)) != CS_OK ||
	    targets_new(cfg, argv[2], argv[3], &t, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "%s\n", err);
		config_free(cfg);
		return 1;
	}
	targets_set_log(t, log_line, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k0 = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	targets_kick(t);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	kick_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - k0;
	ts.tv_sec = strtol(argv[4], NULL, 10);
	ts.tv_nsec = 0;
	nanosleep(&ts, NULL);
	s0 = cstime_mono_ms();
	targets_stop(t, 3000);
	stop_ms = cstime_mono_ms() - s0;
	targets_free(t);
	config_free(cfg);
	printf("kick_us=%lld stop_ms=%lld\n", (long long)kick_us, (long long)stop_ms);
	return 0;
}
