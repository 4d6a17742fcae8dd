/* alloc_fail.c: the counting, failing allocator of alloc_fail.h (malloc family wrapped at link time, library hooks). */
#include "alloc_fail.h"

#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/xmlmemory.h>

/* The real functions, as the linker's --wrap names them. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/*
 * The live blocks: an open-addressing set of pointers, big enough for the
 * path under test (a full table is a test failure, abort). Deletion by
 * backward shift keeps probe runs unbroken without tombstones.
 */
#define LIVE_BITS 20
#define LIVE_CAP ((size_t)1 << LIVE_BITS)

static void *live[LIVE_CAP];
static size_t nlive;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int armed;
static unsigned long fail_at, counted;
static int injected;
static int trace;
static unsigned long by_door[ALLOC_FAIL_DOORS];

static size_t
slot_of(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> (64 - LIVE_BITS));
}

static void
track(void *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (nlive + 1 >= LIVE_CAP / 2)
		abort();
	for (i = slot_of(p); live[i] != NULL; i = (i + 1) & (LIVE_CAP - 1))
		;
	live[i] = p;
	nlive++;
}

/* Removes p; returns nonzero when it was there. */
static int
untrack(void *p)
{
	size_t i, j, k;

	if (p == NULL)
		return 0;
	for (i = slot_of(p); live[i] != p; i = (i + 1) & (LIVE_CAP - 1))
		if (live[i] == NULL)
			return 0;
	live[i] = NULL;
	nlive--;
	/* shift back the entries of the run after i that may belong before it */
	for (j = (i + 1) & (LIVE_CAP - 1); live[j] != NULL; j = (j + 1) & (LIVE_CAP - 1)) {
		k = slot_of(live[j]);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			live[i] = live[j];
			live[j] = NULL;
			i = j;
		}
	}
	return 1;
}

/* Counts one allocation at door d; nonzero when it is the one to fail. Called with mu held. */
static int
must_fail(enum alloc_fail_door d)
{
	if (!armed)
		return 0;
	counted++;
	by_door[d]++;
	if (fail_at != 0 && counted == fail_at) {
		injected = 1;
		if (trace) {
			/* where the failure is injected, for debugging one N (ALLOC_FAIL_TRACE) */
			void *frames[32];

			backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
		}
		return 1;
	}
	return 0;
}

static void *
af_malloc(enum alloc_fail_door d, size_t n)
{
	void *p = NULL;

	pthread_mutex_lock(&mu);
	if (!must_fail(d)) {
		p = __real_malloc(n);
		track(p);
	}
	pthread_mutex_unlock(&mu);
	return p;
}

static void *
af_calloc(enum alloc_fail_door d, size_t n, size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&mu);
	if (!must_fail(d)) {
		p = __real_calloc(n, size);
		track(p);
	}
	pthread_mutex_unlock(&mu);
	return p;
}

static void *
af_realloc(enum alloc_fail_door d, void *p, size_t n)
{
	void *q = NULL;

	pthread_mutex_lock(&mu);
	if (!must_fail(d)) {
		/* the old block is ours or not; the new one is ours */
		int mine = untrack(p);

		q = __real_realloc(p, n);
		if (q != NULL)
			track(q);
		else if (mine)
			track(p);
	}
	pthread_mutex_unlock(&mu);
	return q;
}

static char *
af_strndup(enum alloc_fail_door d, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = af_malloc(d, len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void *
__wrap_malloc(size_t n)
{
	return af_malloc(ALLOC_FAIL_OWN, n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return af_calloc(ALLOC_FAIL_OWN, n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return af_realloc(ALLOC_FAIL_OWN, p, n);
}

void
__wrap_free(void *p)
{
	pthread_mutex_lock(&mu);
	untrack(p);
	pthread_mutex_unlock(&mu);
	__real_free(p);
}

char *
__wrap_strdup(const char *s)
{
	return af_strndup(ALLOC_FAIL_OWN, s, SIZE_MAX);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return af_strndup(ALLOC_FAIL_OWN, s, n);
}

/* The libraries' hooks: the same allocator, counted at their own door. */
static void *
xml_malloc(size_t n)
{
	return af_malloc(ALLOC_FAIL_LIBXML2, n);
}

static void *
xml_realloc(void *p, size_t n)
{
	return af_realloc(ALLOC_FAIL_LIBXML2, p, n);
}

static char *
xml_strdup(const char *s)
{
	return af_strndup(ALLOC_FAIL_LIBXML2, s, SIZE_MAX);
}

static void *
json_malloc(size_t n)
{
	return af_malloc(ALLOC_FAIL_JANSSON, n);
}

static void *
curl_malloc(size_t n)
{
	return af_malloc(ALLOC_FAIL_LIBCURL, n);
}

static void *
curl_calloc(size_t n, size_t size)
{
	return af_calloc(ALLOC_FAIL_LIBCURL, n, size);
}

static void *
curl_realloc(void *p, size_t n)
{
	return af_realloc(ALLOC_FAIL_LIBCURL, p, n);
}

static char *
curl_strdup(const char *s)
{
	return af_strndup(ALLOC_FAIL_LIBCURL, s, SIZE_MAX);
}

int
alloc_fail_install(void)
{
	void *frame;

	/* backtrace() loads libgcc on its first call: done here, not inside an allocation */
	trace = getenv("ALLOC_FAIL_TRACE") != NULL;
	if (trace)
		backtrace(&frame, 1);
	if (xmlMemSetup(__wrap_free, xml_malloc, xml_realloc, xml_strdup) != 0)
		return -1;
	json_set_alloc_funcs(json_malloc, __wrap_free);
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, __wrap_free, curl_realloc,
	    curl_strdup, curl_calloc) != CURLE_OK)
		return -1;
	return 0;
}

void
alloc_fail_arm(unsigned long n)
{
	pthread_mutex_lock(&mu);
	armed = 1;
	fail_at = n;
	counted = 0;
	memset(by_door, 0, sizeof(by_door));
	injected = 0;
	pthread_mutex_unlock(&mu);
}

void
alloc_fail_disarm(void)
{
	pthread_mutex_lock(&mu);
	armed = 0;
	pthread_mutex_unlock(&mu);
}

unsigned long
alloc_fail_count(void)
{
	return counted;
}

int
alloc_fail_injected(void)
{
	return injected;
}

unsigned long
alloc_fail_count_at(enum alloc_fail_door d)
{
	return by_door[d];
}

size_t
alloc_fail_live(void)
{
	return nlive;
}
