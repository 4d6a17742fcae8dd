/* mapper.c: not yet written. */
#include "cs_error.h"
