/* feed_parse.c: not yet written. */
#include "cs_error.h"
