/* xmlout.c: escaped XML models and safely loaded stylesheets for every XSLT of the publisher. */
#include "site/xmlout.h"

#include <stdio.h>

#include <libxml/parser.h>

xmlNodePtr
xmlout_child(struct xmlout *b, xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr n;

	if (parent == NULL)
		return NULL;
	n = xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
	if (n == NULL)
		b->failed = 1;
	return n;
}

void
xmlout_prop(struct xmlout *b, xmlNodePtr n, const char *name, const char *value)
{
	if (n == NULL || value == NULL)
		return;
	if (xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value) == NULL)
		b->failed = 1;
}

void
xmlout_prop_int(struct xmlout *b, xmlNodePtr n, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	xmlout_prop(b, n, name, buf);
}

xsltSecurityPrefsPtr
xmlout_security_new(void)
{
	static const xsltSecurityOption forbidden[] = {
		XSLT_SECPREF_READ_FILE, XSLT_SECPREF_WRITE_FILE, XSLT_SECPREF_CREATE_DIRECTORY,
		XSLT_SECPREF_READ_NETWORK, XSLT_SECPREF_WRITE_NETWORK,
	};
	xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();

	for (size_t i = 0; sec != NULL && i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		if (xsltSetSecurityPrefs(sec, forbidden[i], xsltSecurityForbid) != 0) {
			xsltFreeSecurityPrefs(sec);
			sec = NULL;
		}
	}
	return sec;
}

cs_err
xmlout_sheet_load(const char *path, xsltStylesheetPtr *out, char *err, size_t errlen)
{
	xmlDocPtr doc;
	FILE *fp;

	*out = NULL;
	/* A missing file is CS_ERR_IO, a broken one CS_ERR_PARSE: tell them apart first. */
	fp = fopen(path, "rb");
	if (fp == NULL)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot open", path);
	fclose(fp);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	if (doc == NULL)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not well-formed XML", path);
	*out = xsltParseStylesheetDoc(doc);
	if (*out == NULL) {
		xmlFreeDoc(doc);
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: stylesheet does not compile", path);
	}
	return CS_OK;
}
