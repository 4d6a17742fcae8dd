/* mail_render.c: the subject, plain text and HTML (site/email.xsl) of one mailing, in words. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "base/ascii.h"
#include "base/status.h"
#include "base/strbuf.h"
#include "email/mail_render.h"
#include "email/mail_text.h"
#include "site/pubtime.h"
#include "site/sitemodel.h"
#include "site/xmlout.h"

/* Default directory of email.xsl: the source tree's site/, as for the site's stylesheets. */
#ifndef MAIL_RENDER_DEFAULT_SITE_SRC
#define MAIL_RENDER_DEFAULT_SITE_SRC "site"
#endif

#define SHEET "email.xsl"
#define SUBJECT_MAX 200           /* bytes of a subject, cut at a whole character */
#define WRAP 76                   /* columns of the text part; 78 is the hard line */
#define CONFIRM_HOURS 48          /* how long a confirm link works (the subscription store's rule) */

struct mail_render_ctx {
	char *path;                   /* site_src/email.xsl */
	xsltStylesheetPtr sheet;      /* compiled once; one thread at a time uses a ctx */
	xsltSecurityPrefsPtr sec;     /* no file writes, no network while transforming */
};

cs_err
mail_render_ctx_new(const char *site_src, struct mail_render_ctx **out, char *err, size_t errlen)
{
	struct mail_render_ctx *ctx = NULL;
	struct strbuf b = { 0 };
	cs_err rc = CS_OK;

	*out = NULL;
	if (site_src == NULL)
		site_src = MAIL_RENDER_DEFAULT_SITE_SRC;
	xmlInitParser();
	ctx = calloc(1, sizeof(*ctx));
	strbuf_printf(&b, "%s/%s", site_src, SHEET);
	if (ctx != NULL)
		ctx->path = strbuf_take(&b);
	else
		free(strbuf_take(&b));
	if (ctx == NULL || ctx->path == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail render: out of memory");
		goto out;
	}
	ctx->sec = xmlout_security_new();
	if (ctx->sec == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail render: out of memory");
		goto out;
	}
	rc = xmlout_sheet_load(ctx->path, &ctx->sheet, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	mail_render_ctx_free(ctx);
	return rc;
}

void
mail_render_ctx_free(struct mail_render_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->sheet != NULL)
		xsltFreeStylesheet(ctx->sheet);
	if (ctx->sec != NULL)
		xsltFreeSecurityPrefs(ctx->sec);
	free(ctx->path);
	free(ctx);
}

/* ---- words ---- */

/* "Investigating", "In progress": the site's words for an incident or maintenance status. */
static const char *
status_word(const char *wire)
{
	for (int s = SITEMODEL_INVESTIGATING; s <= SITEMODEL_COMPLETED; s++)
		if (wire != NULL && strcmp(wire, sitemodel_istatus_name((enum sitemodel_istatus)s)) == 0)
			return sitemodel_istatus_label((enum sitemodel_istatus)s);
	return "Update";
}

/* "Major outage": the site's words for a component status. */
static const char *
component_word(const char *wire)
{
	status_component s;

	if (wire == NULL || status_component_parse(wire, &s) != 0)
		s = STATUS_UNKNOWN;
	return status_component_label(s);
}

/*
 * What the mail announces, as the subject says it after "[CLICK] ":
 * an incident's status word, "Maintenance scheduled" (the word in lower
 * case after "Maintenance"), "Root-cause analysis (draft)".
 */
static void
announce(struct strbuf *b, const struct mail_content *c)
{
	const char *w;

	switch (c->kind) {
	case MAIL_INCIDENT:
		strbuf_printf(b, "%s", status_word(c->status));
		break;
	case MAIL_MAINTENANCE:
		w = status_word(c->status);
		strbuf_printf(b, "Maintenance %c%s", ascii_tolower(w[0]), w + 1);
		break;
	case MAIL_RCA:
		strbuf_printf(b, "Root-cause analysis%s",
		    c->status != NULL && strcmp(c->status, "final") == 0 ? "" : " (draft)");
		break;
	case MAIL_CONFIRM:
		strbuf_printf(b, "Confirm your subscription to status updates");
		break;
	case MAIL_WELCOME_BACK:
		strbuf_printf(b, "Your subscription to status updates");
		break;
	}
}

/* Nonzero for the kinds about an incident or a maintenance (they have a title and updates). */
static int
about_event(enum mail_kind k)
{
	return k == MAIL_INCIDENT || k == MAIL_MAINTENANCE || k == MAIL_RCA;
}

/* ---- the cleaned content ---- */

/* Every string of c made safe once; what the text and HTML builders read. */
struct view {
	const struct mail_content *c;
	char *product, *company, *site_url, *title, *priority, *rca_text;
	char *page_url, *action_url, *manage_url, *unsubscribe_url;
	char **comp_names;            /* [ncomponents] */
	char **bodies;                /* [nupdates] */
	char *subject, *headline;
	int oom;
};

static void
view_free(struct view *v)
{
	size_t i;

	free(v->product);
	free(v->company);
	free(v->site_url);
	free(v->title);
	free(v->priority);
	free(v->rca_text);
	free(v->page_url);
	free(v->action_url);
	free(v->manage_url);
	free(v->unsubscribe_url);
	for (i = 0; v->comp_names != NULL && i < v->c->ncomponents; i++)
		free(v->comp_names[i]);
	free(v->comp_names);
	for (i = 0; v->bodies != NULL && i < v->c->nupdates; i++)
		free(v->bodies[i]);
	free(v->bodies);
	free(v->subject);
	free(v->headline);
}

/* One cleaned copy of s into *dst (NULL stays NULL); out of memory is sticky in v. */
static void
clean(struct view *v, const char *s, unsigned flags, char **dst)
{
	*dst = NULL;
	if (s != NULL && mail_text_clean(s, flags, 0, dst) != CS_OK)
		v->oom = 1;
}

/*
 * Names, titles and links are one line each, with no bidi controls (a
 * title cannot reorder the words around it); update bodies and the RCA
 * keep their line breaks. A CONFIRM mail has no manage or unsubscribe
 * link whatever c says: the address is not subscribed yet.
 */
static cs_err
view_make(const struct mail_content *c, struct view *v)
{
	const unsigned line = MAIL_TEXT_ONELINE | MAIL_TEXT_NOBIDI;
	struct strbuf b = { 0 };
	size_t i;

	memset(v, 0, sizeof(*v));
	v->c = c;
	clean(v, c->product != NULL ? c->product : "", line, &v->product);
	clean(v, c->company, line, &v->company);
	clean(v, c->site_url, line, &v->site_url);
	clean(v, about_event(c->kind) ? c->title : NULL, line, &v->title);
	clean(v, c->priority, line, &v->priority);
	clean(v, c->kind == MAIL_RCA ? c->rca_text : NULL, 0, &v->rca_text);
	clean(v, c->page_url, line, &v->page_url);
	clean(v, c->action_url, line, &v->action_url);
	if (c->kind != MAIL_CONFIRM) {
		clean(v, c->manage_url, line, &v->manage_url);
		clean(v, c->unsubscribe_url, line, &v->unsubscribe_url);
	}
	if (c->ncomponents > 0) {
		v->comp_names = calloc(c->ncomponents, sizeof(*v->comp_names));
		if (v->comp_names == NULL)
			return CS_ERR_NOMEM;
		for (i = 0; i < c->ncomponents; i++)
			clean(v, c->components[i].name != NULL ? c->components[i].name : "", line,
			    &v->comp_names[i]);
	}
	if (c->nupdates > 0) {
		v->bodies = calloc(c->nupdates, sizeof(*v->bodies));
		if (v->bodies == NULL)
			return CS_ERR_NOMEM;
		for (i = 0; i < c->nupdates; i++)
			clean(v, c->updates[i].body != NULL ? c->updates[i].body : "", 0, &v->bodies[i]);
	}
	if (v->oom)
		return CS_ERR_NOMEM;

	/* "[CLICK] Investigating: title", then made one clean line of at most 200 bytes */
	if (v->product[0] != '\0')
		strbuf_printf(&b, "[%s] ", v->product);
	announce(&b, c);
	if (v->title != NULL && v->title[0] != '\0')
		strbuf_printf(&b, ": %s", v->title);
	v->headline = strbuf_take(&b);
	if (v->headline == NULL)
		return CS_ERR_NOMEM;
	if (mail_text_clean(v->headline, line, SUBJECT_MAX, &v->subject) != CS_OK)
		return CS_ERR_NOMEM;
	free(v->headline);
	v->headline = NULL;

	/* the first line of the text and the HTML heading: "CLICK - Investigating: title" */
	if (v->product[0] != '\0')
		strbuf_printf(&b, "%s - ", v->product);
	if (c->kind == MAIL_CONFIRM)
		strbuf_printf(&b, "Confirm your subscription");
	else if (c->kind == MAIL_WELCOME_BACK)
		strbuf_printf(&b, "Your subscription");
	else
		announce(&b, c);
	if (v->title != NULL && v->title[0] != '\0')
		strbuf_printf(&b, ": %s", v->title);
	v->headline = strbuf_take(&b);
	return v->headline != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* "2 Dec 2026, 18:05 UTC" into buf (PUBTIME_LEN). */
static const char *
when(int64_t t, char *buf)
{
	return pubtime_human(t, buf, PUBTIME_LEN);
}

/*
 * An update's time: "18:05 UTC" when it is on the UTC day the mail's
 * "Since" names (the reader has the date just above), else the whole
 * "3 Dec 2026, 01:10 UTC". Both cut from pubtime_human's words.
 */
static const char *
update_time(const struct mail_content *c, int64_t at, char *buf)
{
	char day[PUBTIME_LEN];
	const char *comma;

	when(at, buf);
	comma = strstr(buf, ", ");
	if (c->since == 0 || comma == NULL)
		return buf;
	when(c->since, day);
	if (strncmp(day, buf, (size_t)(comma - buf)) != 0 || day[comma - buf] != ',')
		return buf;
	return comma + 2;
}

/* ---- facts, shared by the text and the HTML ---- */

/* One "Name: value" line of the facts block. */
struct fact {
	const char *name;
	const char *value;            /* borrowed from the view, or buf */
	char buf[PUBTIME_LEN];
};

/* f (borrowed) named name with the time t in words. */
static void
fact_time(struct fact *f, const char *name, int64_t t)
{
	f->name = name;
	f->value = when(t, f->buf);
}

/* The facts of an incident or maintenance, in the order they are shown; returns how many. */
static size_t
facts(const struct view *v, struct fact f[4])
{
	const struct mail_content *c = v->c;
	size_t n = 0;

	if (!about_event(c->kind))
		return 0;
	if (v->priority != NULL && v->priority[0] != '\0') {
		f[n].name = "Priority";
		f[n++].value = v->priority;
	}
	if (c->since != 0)
		fact_time(&f[n++], c->kind == MAIL_MAINTENANCE ? "Starts" : "Since", c->since);
	if (c->until != 0)
		fact_time(&f[n++], c->kind == MAIL_MAINTENANCE ? "Ends" : "Resolved", c->until);
	if (c->next_update_by != 0 && c->kind != MAIL_RCA)
		fact_time(&f[n++], "Next update by", c->next_update_by);
	return n;
}

/* "https://..." or "http://...": the only links written as links. */
static int
is_web(const char *u)
{
	return u != NULL && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0);
}

/* Nonzero when the RCA is given as a link rather than as its text. */
static int
rca_is_link(const struct view *v)
{
	return v->rca_text != NULL && is_web(v->rca_text) && strpbrk(v->rca_text, " \t\n") == NULL;
}

/* The paragraphs of a CONFIRM or WELCOME_BACK mail before the link, into p[0..3); returns how many. */
static size_t
intro(const struct view *v, struct strbuf p[3])
{
	const struct mail_content *c = v->c;
	const char *site = v->site_url != NULL ? v->site_url : "our status page";
	const char *from = v->company != NULL && v->company[0] != '\0' ? v->company : NULL;

	if (c->kind == MAIL_CONFIRM || c->kind == MAIL_WELCOME_BACK)
		strbuf_printf(&p[0], "Someone asked to subscribe this address to %s%s status updates%s%s at %s.",
		    v->product, v->product[0] != '\0' ? "" : "the", from != NULL ? " from " : "",
		    from != NULL ? from : "", site);
	if (c->kind == MAIL_CONFIRM) {
		strbuf_printf(&p[1], "To confirm, open the link below: it opens a page with a button "
		    "that confirms the subscription. The link expires in %d hours.", CONFIRM_HOURS);
		strbuf_printf(&p[2], "If it was not you, ignore this mail: the address is not "
		    "subscribed and you will get no more mail from us.");
		return 3;
	}
	if (c->kind == MAIL_WELCOME_BACK) {
		strbuf_printf(&p[1], "This address is already subscribed; nothing has changed. "
		    "To choose what you receive, or to unsubscribe, manage your subscription:");
		strbuf_printf(&p[2], "If it was not you, ignore this mail.");
		return 3;
	}
	return 0;
}

/* Why the reader gets the mail, for the footer. */
static void
footer_reason(const struct view *v, struct strbuf *b)
{
	const char *from = v->company != NULL && v->company[0] != '\0' ? v->company : NULL;

	if (v->c->kind == MAIL_CONFIRM)
		strbuf_printf(b, "You receive this mail because this address was entered at %s.",
		    v->site_url != NULL ? v->site_url : "our status page");
	else
		strbuf_printf(b, "You receive this mail because this address is subscribed to %s "
		    "status updates%s%s.", v->product, from != NULL ? " from " : "",
		    from != NULL ? from : "");
}

/* ---- the text part ---- */

/* "Name: value" folded at WRAP with a two-space indent. */
static void
text_field(struct strbuf *b, const char *name, const char *value)
{
	struct strbuf line = { 0 };
	char *s;

	strbuf_printf(&line, "%s: %s", name, value);
	s = strbuf_take(&line);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	mail_text_wrap(b, s, WRAP, "  ");
	free(s);
}

/* A paragraph folded at WRAP, then an empty line. */
static void
text_para(struct strbuf *b, struct strbuf *p)
{
	char *s = strbuf_take(p);

	if (s == NULL) {
		b->oom = 1;
		return;
	}
	mail_text_wrap(b, s, WRAP, "");
	strbuf_add(b, "\n", 1);
	free(s);
}

static void
text_event(struct strbuf *b, const struct view *v)
{
	const struct mail_content *c = v->c;
	struct strbuf aff = { 0 };
	struct fact f[4];
	char t[PUBTIME_LEN];
	size_t i, n = facts(v, f);
	char *s;

	for (i = 0; i < n && strcmp(f[i].name, "Priority") == 0; i++)
		text_field(b, f[i].name, f[i].value);
	if (c->ncomponents > 0) {
		for (size_t k = 0; k < c->ncomponents; k++)
			strbuf_printf(&aff, "%s%s (%s)", k > 0 ? ", " : "", v->comp_names[k],
			    component_word(c->components[k].status));
		s = strbuf_take(&aff);
		if (s == NULL)
			b->oom = 1;
		else
			text_field(b, "Affected", s);
		free(s);
	}
	for (; i < n; i++)
		text_field(b, f[i].name, f[i].value);
	if (n > 0 || c->ncomponents > 0)
		strbuf_add(b, "\n", 1);
	if (c->kind == MAIL_RCA && v->rca_text != NULL) {
		if (rca_is_link(v)) {
			text_field(b, "Read the root-cause analysis", v->rca_text);
		} else {
			mail_text_wrap(b, v->rca_text, WRAP, "");
		}
		strbuf_add(b, "\n", 1);
	}
	for (i = 0; i < c->nupdates; i++) {
		strbuf_printf(b, "%s - %s\n", update_time(c, c->updates[i].at, t),
		    status_word(c->updates[i].status));
		mail_text_wrap(b, v->bodies[i], WRAP, "");
		strbuf_add(b, "\n", 1);
	}
}

static cs_err
text_build(const struct view *v, char **out)
{
	const struct mail_content *c = v->c;
	struct strbuf b = { 0 }, p[3] = { { 0 }, { 0 }, { 0 } }, r = { 0 };
	char *reason;
	size_t i, n;

	mail_text_wrap(&b, v->headline, WRAP, "  ");
	strbuf_add(&b, "\n", 1);
	n = intro(v, p);
	for (i = 0; i < n; i++) {
		text_para(&b, &p[i]);
		if (i == 1 && v->action_url != NULL) {
			mail_text_wrap(&b, v->action_url, WRAP, "");
			strbuf_add(&b, "\n", 1);
		}
	}
	if (about_event(c->kind)) {
		text_event(&b, v);
		if (v->page_url != NULL) {
			text_field(&b, c->kind == MAIL_MAINTENANCE ? "Maintenance page" : "Incident page",
			    v->page_url);
			strbuf_add(&b, "\n", 1);
		}
	}
	/* the conventional signature separator: mail clients grey out what follows */
	strbuf_add(&b, "-- \n", 4);
	footer_reason(v, &r);
	reason = strbuf_take(&r);
	if (reason == NULL)
		b.oom = 1;
	else
		mail_text_wrap(&b, reason, WRAP, "");
	free(reason);
	if (v->manage_url != NULL)
		text_field(&b, "Manage your subscription", v->manage_url);
	if (v->unsubscribe_url != NULL)
		text_field(&b, "Unsubscribe", v->unsubscribe_url);
	*out = strbuf_take(&b);
	return *out != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* ---- the HTML part: an XML model through email.xsl ---- */

/* text as <line> children of parent, one per LF-separated line (an empty one: a paragraph break). */
static void
lines(xmlNodePtr parent, const char *text, struct xmlout *xo)
{
	const char *p = text;
	char *one;

	while (parent != NULL && !xo->failed) {
		const char *end = strchr(p, '\n');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		one = strndup(p, n);
		if (one == NULL) {
			xo->failed = 1;
			return;
		}
		xmlout_child(xo, parent, "line", one);
		free(one);
		if (end == NULL)
			break;
		p = end + 1;
	}
}

/* A paragraph from p (taken) as a <para> of parent. */
static void
para(xmlNodePtr parent, struct strbuf *p, struct xmlout *xo)
{
	char *s = strbuf_take(p);

	if (s == NULL)
		xo->failed = 1;
	else
		xmlout_child(xo, parent, "para", s);
	free(s);
}

/* A link: <link href kind>label</link>; href only when it is a web address. */
static void
add_link(xmlNodePtr parent, const char *kind, const char *label, const char *url, struct xmlout *xo)
{
	xmlNodePtr n;

	if (url == NULL)
		return;
	n = xmlout_child(xo, parent, "link", url);
	xmlout_prop(xo, n, "kind", kind);
	xmlout_prop(xo, n, "label", label);
	if (is_web(url))
		xmlout_prop(xo, n, "href", url);
}

/*
 * The model email.xsl reads (its opening comment shows it): <mail kind
 * status> with subject, headline, intro paragraphs, an action link,
 * facts, components, updates (newest first, body as lines), the RCA, the
 * page link and the footer with its links. Every word is made here, the
 * same as in the text part; the stylesheet only lays them out.
 */
static cs_err
xml_build(const struct view *v, xmlDocPtr *out)
{
	static const char *const kinds[] = { "incident", "maintenance", "rca", "confirm",
		"welcome_back" };
	const struct mail_content *c = v->c;
	struct strbuf p[3] = { { 0 }, { 0 }, { 0 } }, r = { 0 };
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = NULL, n, list;
	struct fact f[4];
	char t[PUBTIME_LEN];
	size_t i, nf, np;
	struct xmlout xo = { doc == NULL };

	*out = NULL;
	if (doc != NULL) {
		root = xmlNewDocNode(doc, NULL, BAD_CAST "mail", NULL);
		if (root == NULL)
			xo.failed = 1;
		else
			xmlDocSetRootElement(doc, root);
	}
	xmlout_prop(&xo, root, "kind", kinds[c->kind]);
	xmlout_prop(&xo, root, "status", c->status);
	xmlout_child(&xo, root, "product", v->product);
	xmlout_child(&xo, root, "subject", v->subject);
	xmlout_child(&xo, root, "headline", v->headline);
	if (about_event(c->kind)) {
		struct strbuf a = { 0 };
		char *w;

		announce(&a, c);
		w = strbuf_take(&a);
		if (w == NULL)
			xo.failed = 1;
		xmlout_child(&xo, root, "announce", w);
		free(w);
	}
	/* the action link after the second paragraph, where the text part has it */
	np = intro(v, p);
	for (i = 0; i < np; i++) {
		para(root, &p[i], &xo);
		if (i == 1)
			add_link(root, "action", c->kind == MAIL_CONFIRM ? "Confirm your subscription" :
			    "Manage your subscription", v->action_url, &xo);
	}
	if (about_event(c->kind)) {
		list = xmlout_child(&xo, root, "facts", NULL);
		nf = facts(v, f);
		for (i = 0; i < nf; i++) {
			n = xmlout_child(&xo, list, "fact", f[i].value);
			xmlout_prop(&xo, n, "name", f[i].name);
		}
		list = c->ncomponents > 0 ? xmlout_child(&xo, root, "components", NULL) : NULL;
		for (i = 0; i < c->ncomponents; i++) {
			status_component s;

			n = xmlout_child(&xo, list, "component", NULL);
			if (c->components[i].status == NULL ||
			    status_component_parse(c->components[i].status, &s) != 0)
				s = STATUS_UNKNOWN;
			xmlout_prop(&xo, n, "status", status_component_name(s));
			xmlout_child(&xo, n, "name", v->comp_names[i]);
			xmlout_child(&xo, n, "label", component_word(c->components[i].status));
		}
		if (c->kind == MAIL_RCA && v->rca_text != NULL) {
			if (rca_is_link(v)) {
				add_link(root, "rca", "Read the root-cause analysis", v->rca_text, &xo);
			} else {
				n = xmlout_child(&xo, root, "rca", NULL);
				lines(n, v->rca_text, &xo);
			}
		}
		list = c->nupdates > 0 ? xmlout_child(&xo, root, "updates", NULL) : NULL;
		for (i = 0; i < c->nupdates; i++) {
			n = xmlout_child(&xo, list, "update", NULL);
			xmlout_prop(&xo, n, "status", c->updates[i].status);
			xmlout_child(&xo, n, "time", update_time(c, c->updates[i].at, t));
			xmlout_child(&xo, n, "label", status_word(c->updates[i].status));
			lines(xmlout_child(&xo, n, "body", NULL), v->bodies[i], &xo);
		}
		add_link(root, "page", c->kind == MAIL_MAINTENANCE ? "Maintenance page" : "Incident page",
		    v->page_url, &xo);
	}
	n = xmlout_child(&xo, root, "footer", NULL);
	footer_reason(v, &r);
	para(n, &r, &xo);
	add_link(n, "manage", "Manage your subscription", v->manage_url, &xo);
	add_link(n, "unsubscribe", "Unsubscribe", v->unsubscribe_url, &xo);
	add_link(n, "site", "Status page", v->site_url, &xo);
	for (i = np; i < 3; i++)
		free(strbuf_take(&p[i]));
	if (xo.failed) {
		xmlFreeDoc(doc);
		return CS_ERR_NOMEM;
	}
	*out = doc;
	return CS_OK;
}

static cs_err
html_build(struct mail_render_ctx *ctx, const struct view *v, char **out, char *err, size_t errlen)
{
	xsltTransformContextPtr tc = NULL;
	xmlDocPtr doc = NULL, res = NULL;
	xmlChar *buf = NULL;
	int len = 0;
	cs_err rc;

	*out = NULL;
	rc = xml_build(v, &doc);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mail render: out of memory");
		goto out;
	}
	tc = xsltNewTransformContext(ctx->sheet, doc);
	if (tc == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail render: out of memory");
		goto out;
	}
	if (xsltSetCtxtSecurityPrefs(ctx->sec, tc) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: security prefs", ctx->path);
		goto out;
	}
	res = xsltApplyStylesheetUser(ctx->sheet, doc, NULL, NULL, NULL, tc);
	if (res == NULL || tc->state != XSLT_STATE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: transform failed", ctx->path);
		goto out;
	}
	if (xsltSaveResultToString(&buf, &len, res, ctx->sheet) != 0 || buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: cannot serialise", ctx->path);
		goto out;
	}
	*out = strndup((const char *)buf, (size_t)len);
	if (*out == NULL)
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mail render: out of memory");
out:
	xmlFree(buf);
	xmlFreeDoc(res);
	if (tc != NULL)
		xsltFreeTransformContext(tc);
	xmlFreeDoc(doc);
	return rc;
}

cs_err
mail_render(struct mail_render_ctx *ctx, const struct mail_content *c, char **subject,
    char **text, char **html, char *err, size_t errlen)
{
	struct view v;
	char *t = NULL, *h = NULL;
	cs_err rc;

	*subject = *text = *html = NULL;
	if ((unsigned)c->kind > MAIL_WELCOME_BACK)
		return cs_seterr(err, errlen, CS_ERR_INTERNAL, "mail render: unknown kind %d",
		    (int)c->kind);
	rc = view_make(c, &v);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mail render: out of memory");
		goto out;
	}
	rc = text_build(&v, &t);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mail render: out of memory");
		goto out;
	}
	rc = html_build(ctx, &v, &h, err, errlen);
	if (rc != CS_OK)
		goto out;
	*subject = v.subject;
	v.subject = NULL;
	*text = t;
	*html = h;
	t = h = NULL;
out:
	free(t);
	free(h);
	view_free(&v);
	return rc;
}
