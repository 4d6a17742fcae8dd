/* bench_parse.c: parses and classifies one feed file read in 64 KiB chunks; prints time and memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "aws/classify.h"
#include "base/cs_error.h"
#include "aws/feed_parse.h"

#define CHUNK (64 * 1024)

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char buf[CHUNK];
	char err[CS_ERRLEN] = "";
	struct feed_parser *p = NULL;
	struct classify *c = NULL;
	FILE *fp = NULL;
	struct rusage ru;
	double t0, t1;
	uint64_t bytes = 0;
	size_t n, nres = 0;
	const struct classify_service *res;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_parse FILE\n");
		return 2;
	}
	fp = fopen(argv[1], "rb");
	if (fp == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	t0 = seconds();
	c = classify_new(0, 86400);
	p = feed_parse_new(argv[1], classify_item_cb, c, 0);
	if (c == NULL || p == NULL) {
		fprintf(stderr, "bench_parse: out of memory\n");
		goto out;
	}
	for (;;) {
		n = fread(buf, 1, sizeof(buf), fp);
		if (n == 0)
			break;
		bytes += n;
		if (feed_parse_push(p, buf, n, err, sizeof(err)) != CS_OK) {
			fprintf(stderr, "bench_parse: %s\n", err);
			goto out;
		}
	}
	if (ferror(fp) || feed_parse_finish(p, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_parse: %s\n", ferror(fp) ? "read error" : err);
		goto out;
	}
	res = classify_result(c, &nres);
	t1 = seconds();
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes %llu items %zu slugs %zu first_state %s seconds %.4f MB/s %.1f maxrss_kb %ld\n",
	    (unsigned long long)bytes, feed_parse_count(p), nres,
	    nres > 0 ? status_aws_name(res[0].state) : "-", t1 - t0,
	    (double)bytes / 1e6 / (t1 - t0), ru.ru_maxrss);
	rc = 0;
out:
	feed_parse_free(p);
	classify_free(c);
	if (fp != NULL)
		fclose(fp);
	return rc;
}
