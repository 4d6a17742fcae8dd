/* fuzz_config.c: libFuzzer target: arbitrary text through the configuration parser and checker. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/catalogue.h"
#include "model/config.h"
#include "base/cs_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The embedded catalogue, loaded once: loading it per input would be most of the time. */
static struct catalogue *cat;

/*
 * The bytes are a configuration file's text, checked against the embedded
 * catalogue through both entry points (fixed error buffer and report).
 * Every message must name the file.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CS_ERRLEN] = "";
	struct config *cfg = NULL;
	char *report = NULL;
	size_t n;

	if (cat == NULL && catalogue_default(&cat, err, sizeof(err)) != CS_OK)
		__builtin_trap();
	if (config_parse("fuzz", (const char *)data, size, cat, &cfg, err, sizeof(err)) == CS_OK) {
		(void)config_feed_slugs(cfg, &n);
		if (cfg->ncomponents > 0 &&
		    config_find_component(cfg, cfg->components[0].id) != &cfg->components[0])
			__builtin_trap();
	} else if (strncmp(err, "fuzz", 4) != 0) {
		__builtin_trap();
	}
	config_free(cfg);
	cfg = NULL;
	if (config_parse_report("fuzz", (const char *)data, size, cat, &cfg, &report) != CS_OK &&
	    report != NULL && strncmp(report, "fuzz", 4) != 0)
		__builtin_trap();
	free(report);
	config_free(cfg);
	return 0;
}
