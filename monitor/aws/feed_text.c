/* feed_text.c: an AWS item's description as plain text, through libxml2's HTML parser. */
#include "aws/feed_text.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "base/strbuf.h"

/*
 * Why two passes: feeds of 2019-2023 carry "&lt;p&gt;..." inside CDATA, so
 * after the XML parser the description is HTML escaped once more; the
 * first HTML pass then yields "<p>..." as text. When the text of the first
 * pass still looks like markup, it is parsed once more. Never more: text
 * that merely mentions a tag after two passes is shown as written.
 */

/* The text being built, and what is owed before the next word. */
struct tbuf {
	struct strbuf b;
	int    brk;     /* a paragraph break is owed before the next word */
	int    space;   /* a space is owed before the next word */
};

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends text t, collapsing blanks; a blank line inside it is a paragraph break. */
static void
tb_text(struct tbuf *b, const char *t)
{
	const char *p = t;

	while (*p != '\0') {
		if (is_blank((unsigned char)*p)) {
			int nl = 0;

			while (is_blank((unsigned char)*p))
				nl += *p++ == '\n';
			if (nl >= 2)
				b->brk = 1;
			else
				b->space = 1;
			continue;
		}
		{
			const char *w = p;

			while (*p != '\0' && !is_blank((unsigned char)*p))
				p++;
			if (b->b.len > 0 && b->brk)
				strbuf_add(&b->b, "\n", 1);
			else if (b->b.len > 0 && b->space)
				strbuf_add(&b->b, " ", 1);
			b->brk = b->space = 0;
			strbuf_add(&b->b, w, (size_t)(p - w));
		}
	}
}

static int
is_block(const xmlChar *name)
{
	static const char *const blocks[] = { "p", "div", "br", "li", "ul", "ol", "tr", "table",
		"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", NULL };

	for (size_t i = 0; blocks[i] != NULL; i++)
		if (xmlStrcasecmp(name, (const xmlChar *)blocks[i]) == 0)
			return 1;
	return 0;
}

/* Walks the tree without recursion, so a deeply nested hostile text cannot exhaust the stack. */
static void
walk(struct tbuf *b, xmlNode *root)
{
	xmlNode *n = root;

	while (n != NULL) {
		int descend = 1;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			tb_text(b, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE) {
			if (xmlStrcasecmp(n->name, (const xmlChar *)"script") == 0 ||
			    xmlStrcasecmp(n->name, (const xmlChar *)"style") == 0)
				descend = 0;
			else if (is_block(n->name))
				b->brk = 1;
		} else {
			descend = 0;
		}
		if (descend && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL) {
			n = n->parent;
			if (n != NULL && n->type == XML_ELEMENT_NODE && is_block(n->name))
				b->brk = 1;
		}
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}

/* One pass: html to text; NULL on no memory. */
static char *
pass(const char *html)
{
	struct tbuf b;
	htmlDocPtr doc;

	memset(&b, 0, sizeof(b));

	doc = htmlReadMemory(html, (int)strnlen(html, (size_t)1 << 30), NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc != NULL) {
		walk(&b, xmlDocGetRootElement(doc));
		xmlFreeDoc(doc);
	}
	return strbuf_take(&b.b);
}

/* Text that still holds a tag: "<" then a letter or "/", and a ">" later. */
static int
looks_like_markup(const char *t)
{
	for (const char *p = strchr(t, '<'); p != NULL; p = strchr(p + 1, '<')) {
		unsigned char c = (unsigned char)p[1];

		if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '/')
			return strchr(p, '>') != NULL;
	}
	return 0;
}

/* Cuts t to at most max bytes ending in "...", at a word or else a character boundary. */
static void
bound(char *t, size_t max)
{
	size_t len = strlen(t), cut;

	if (len <= max)
		return;
	cut = max - 3;
	while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
		cut--;
	for (size_t k = cut; k > max / 2; k--) {
		if (t[k] == ' ' || t[k] == '\n') {
			cut = k;
			break;
		}
	}
	while (cut > 0 && (t[cut - 1] == ' ' || t[cut - 1] == '\n' || t[cut - 1] == '.'))
		cut--;
	memcpy(t + cut, "...", 4);
}

char *
feed_text_plain(const char *html, size_t max)
{
	char *t, *t2;

	if (html == NULL || html[0] == '\0')
		return strdup("");
	t = pass(html);
	if (t != NULL && looks_like_markup(t)) {
		t2 = pass(t);
		free(t);
		t = t2;
	}
	if (t != NULL && max >= 16)
		bound(t, max);
	return t;
}
