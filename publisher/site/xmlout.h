/* xmlout.h: the XML models the stylesheets read, built one way, and the stylesheets loaded one way. */
#ifndef XMLOUT_H
#define XMLOUT_H

#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>

#include "base/cs_error.h"

/*
 * Text goes into a model only through xmlNewTextChild and xmlNewProp,
 * which escape it (feed titles, subscribers' input are hostile); a NULL
 * from either is an allocation failure, kept in failed so a builder checks
 * once at the end. Used by the site's model (sitemodel_xml.c), the mails'
 * (email/mail_render.c) and the endpoint's pages (http/serve_pages.c).
 */
struct xmlout {
	int failed;    /* an allocation failed somewhere: the document is incomplete */
};

/* A child element of parent holding text (may be NULL: empty); NULL parent: nothing, NULL. */
xmlNodePtr xmlout_child(struct xmlout *b, xmlNodePtr parent, const char *name, const char *text);

/* An attribute; nothing when n or value is NULL. */
void xmlout_prop(struct xmlout *b, xmlNodePtr n, const char *name, const char *value);

/* An attribute of a whole number. */
void xmlout_prop_int(struct xmlout *b, xmlNodePtr n, const char *name, long long v);

/*
 * The security of every transform: no file written, no directory made, no
 * file read (document()) and no network, read or write. Owned
 * (xsltFreeSecurityPrefs); NULL when out of memory.
 */
xsltSecurityPrefsPtr xmlout_security_new(void);

/*
 * Compiles the stylesheet at path, its imports resolved beside it, with no
 * network. CS_ERR_IO when it cannot be opened, CS_ERR_PARSE when it is not
 * well-formed or does not compile (the message names the file). Owned *out
 * (xsltFreeStylesheet).
 */
cs_err xmlout_sheet_load(const char *path, xsltStylesheetPtr *out, char *err, size_t errlen);

#endif
