/* feed_cut.c: a recorded feed as it was at an earlier time (feed_cut.h). */
#include "aws/feed_cut.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws/feed_parse.h"
#include "base/cstime.h"

/*
 * libxml2's tree reader, hardened as the feed parser is: no network, no
 * DTD loaded, entities left unexpanded, libxml2's size limits kept (no
 * XML_PARSE_HUGE). RECOVER takes the bare '&' of pre-2019 feeds.
 */
#define CUT_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | \
	XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)

static cs_err
read_doc(const char *name, const char *buf, size_t len, xmlDocPtr *out, xmlNodePtr *channel,
    char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr root, n;
	cs_err rc;

	*out = NULL;
	*channel = NULL;
	if (len > (size_t)INT32_MAX)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: too large", name);
	doc = xmlReadMemory(buf, (int)len, name, NULL, CUT_XML_OPTIONS);
	if (doc == NULL)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not an XML document", name);
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || root == NULL || xmlStrcmp(root->name, BAD_CAST "rss") != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not an RSS document%s", name,
		    doc->intSubset != NULL ? " (it has a DTD)" : "");
		xmlFreeDoc(doc);
		return rc;
	}
	for (n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "channel") == 0)
			break;
	if (n == NULL) {
		xmlFreeDoc(doc);
		return cs_seterr(err, errlen, CS_ERR_PARSE, "%s: RSS without a <channel>", name);
	}
	*out = doc;
	*channel = n;
	return CS_OK;
}

/* The date of an item as the classifier reads it: the guid's epoch, else pubDate; 0 none. */
static int64_t
item_time(xmlNodePtr item)
{
	int64_t guid_t = 0, pub_t = 0;
	char slug[128];

	for (xmlNodePtr c = item->children; c != NULL; c = c->next) {
		xmlChar *text;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(c->name, BAD_CAST "guid") != 0 && xmlStrcmp(c->name, BAD_CAST "pubDate") != 0)
			continue;
		text = xmlNodeGetContent(c);
		if (text == NULL)
			continue;
		if (c->name[0] == 'g') {
			if (feed_guid_fragment((const char *)text, slug, sizeof(slug), &guid_t) != 0)
				guid_t = 0;
		} else if (cstime_parse_rfc822((const char *)text, &pub_t) != 0) {
			pub_t = 0;
		}
		xmlFree(text);
	}
	return guid_t != 0 ? guid_t : pub_t;
}

static int
is_item(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "item") == 0;
}

cs_err
feed_cut(const char *name, const char *buf, size_t len, int64_t t, char **out, size_t *outlen,
    size_t *kept, char *err, size_t errlen)
{
	xmlNodePtr channel, n, next;
	xmlChar *mem = NULL;
	xmlDocPtr doc;
	int size = 0;
	cs_err rc;

	*out = NULL;
	*outlen = 0;
	*kept = 0;
	rc = read_doc(name, buf, len, &doc, &channel, err, errlen);
	if (rc != CS_OK)
		return rc;
	for (n = channel->children; n != NULL; n = next) {
		int64_t when;

		next = n->next;
		if (!is_item(n))
			continue;
		when = item_time(n);
		if (when > t) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else {
			(*kept)++;
		}
	}
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (mem == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
	*out = malloc((size_t)size + 1);
	if (*out == NULL) {
		xmlFree(mem);
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
	}
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*outlen = (size_t)size;
	xmlFree(mem);
	return CS_OK;
}

cs_err
feed_item_times(const char *name, const char *buf, size_t len, int64_t **times, size_t *n,
    char *err, size_t errlen)
{
	xmlNodePtr channel, node;
	xmlDocPtr doc;
	cs_err rc;

	rc = read_doc(name, buf, len, &doc, &channel, err, errlen);
	if (rc != CS_OK)
		return rc;
	for (node = channel->children; node != NULL; node = node->next) {
		int64_t when, *nt;

		if (!is_item(node) || (when = item_time(node)) == 0)
			continue;
		nt = realloc(*times, (*n + 1) * sizeof(**times));
		if (nt == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", name);
			break;
		}
		*times = nt;
		(*times)[(*n)++] = when;
	}
	xmlFreeDoc(doc);
	return rc;
}

static int
cmp_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
feed_last_event(int64_t *times, size_t n, int64_t gap, int64_t *first, int64_t *last)
{
	size_t i;

	*first = *last = 0;
	if (n == 0)
		return;
	qsort(times, n, sizeof(*times), cmp_time);
	*last = times[n - 1];
	for (i = n - 1; i > 0 && times[i] - times[i - 1] <= gap; i--)
		;
	*first = times[i];
}
