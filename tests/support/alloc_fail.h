/* alloc_fail.h: test builds only: every allocation counted, the Nth made to fail, the live blocks tracked. */
#ifndef ALLOC_FAIL_H
#define ALLOC_FAIL_H

#include <stddef.h>

/*
 * Allocations are seen at two doors: our own code's malloc, calloc,
 * realloc, strdup, strndup and free, renamed at link time
 * (-Wl,--wrap=malloc,... on a test program that links the sources
 * statically: only the references in our objects are renamed, libc's and
 * the libraries' own are not), and the allocation hooks of libxml2
 * (xmlMemSetup), jansson (json_set_alloc_funcs) and libcurl
 * (curl_global_init_mem), which alloc_fail_install() points at the same
 * counter. Memory that came from elsewhere (a library's internal
 * allocator, libc) is freed as usual: a table of the blocks handed out
 * tells the two apart.
 */

/*
 * Installs the library hooks: call first, before any libxml2, jansson or
 * libcurl call (curl_global_init_mem runs here). Returns 0, or -1 when a
 * hook could not be installed.
 */
int alloc_fail_install(void);

/*
 * From now on, counts allocations from 1 and makes number n fail (returns
 * NULL), and only that one; n 0 counts without failing.
 */
void alloc_fail_arm(unsigned long n);

/* Stops counting and failing (frees still tracked). */
void alloc_fail_disarm(void);

/* Allocations counted since the last arm. */
unsigned long alloc_fail_count(void);

/* Where an allocation came in. */
enum alloc_fail_door {
	ALLOC_FAIL_OWN,      /* our code's malloc family (--wrap) */
	ALLOC_FAIL_LIBXML2,  /* xmlMemSetup */
	ALLOC_FAIL_JANSSON,  /* json_set_alloc_funcs */
	ALLOC_FAIL_LIBCURL,  /* curl_global_init_mem */
	ALLOC_FAIL_DOORS
};

/* Allocations counted at door d since the last arm. */
unsigned long alloc_fail_count_at(enum alloc_fail_door d);

/* Nonzero when the armed failure happened. */
int alloc_fail_injected(void);

/* Blocks handed out through the doors above and not freed yet. */
size_t alloc_fail_live(void);

#endif
