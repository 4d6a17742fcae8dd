/* embedded.h: files compiled into the binary (see cmake/embed.cmake). */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

/* feeds/click.json, the default configuration; NUL-terminated. */
extern const unsigned char embedded_click_json[];
extern const size_t embedded_click_json_len;
/* feeds/aws-catalogue.tsv; NUL-terminated. */
extern const unsigned char embedded_catalogue_tsv[];
extern const size_t embedded_catalogue_tsv_len;

#endif
