/* mail_msg_tool.c: a message from a JSON description on stdin to stdout, for test_mail_parse.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cs_error.h"
#include "email/mail_msg.h"
#include "email/mail_render.h"

/*
 * stdin: one JSON object with the fields of struct mail_msg (strings, "date"
 * an integer). With a "content" object instead of subject/text/html, those
 * three come from mail_render() of it (kind "incident", "confirm"...;
 * components [{name,status}], updates [{at,status,body}]), rendered with the
 * stylesheets of argv[1]. Writes the message bytes to stdout. Exit 0; 2
 * when the builder refuses the input (CS_ERR_USAGE, message on stderr); 1
 * for anything else.
 */

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static int
kind_of(const char *s, enum mail_kind *k)
{
	static const char *const names[] = { "incident", "maintenance", "rca", "confirm",
		"welcome_back" };

	for (int i = 0; i < 5; i++)
		if (s != NULL && strcmp(s, names[i]) == 0) {
			*k = (enum mail_kind)i;
			return 0;
		}
	return -1;
}

/* Renders the "content" object into *subject, *text, *html (owned). */
static int
render(const char *site, json_t *jc, char **subject, char **text, char **html)
{
	struct mail_content c;
	struct mail_component comp[32];
	struct mail_update upd[32];
	struct mail_render_ctx *ctx = NULL;
	json_t *a;
	char err[CS_ERRLEN];
	size_t i;
	cs_err rc;

	memset(&c, 0, sizeof(c));
	if (kind_of(str(jc, "kind"), &c.kind) != 0) {
		fprintf(stderr, "content.kind: unknown\n");
		return 1;
	}
	c.product = str(jc, "product");
	c.company = str(jc, "company");
	c.site_url = str(jc, "site_url");
	c.title = str(jc, "title");
	c.status = str(jc, "status");
	c.priority = str(jc, "priority");
	c.since = num(jc, "since");
	c.until = num(jc, "until");
	c.next_update_by = num(jc, "next_update_by");
	c.rca_text = str(jc, "rca_text");
	c.page_url = str(jc, "page_url");
	c.action_url = str(jc, "action_url");
	c.manage_url = str(jc, "manage_url");
	c.unsubscribe_url = str(jc, "unsubscribe_url");
	a = json_object_get(jc, "components");
	for (i = 0; i < json_array_size(a) && i < 32; i++) {
		comp[i].name = str(json_array_get(a, i), "name");
		comp[i].status = str(json_array_get(a, i), "status");
	}
	c.components = comp;
	c.ncomponents = i;
	a = json_object_get(jc, "updates");
	for (i = 0; i < json_array_size(a) && i < 32; i++) {
		upd[i].at = num(json_array_get(a, i), "at");
		upd[i].status = str(json_array_get(a, i), "status");
		upd[i].body = str(json_array_get(a, i), "body");
	}
	c.updates = upd;
	c.nupdates = i;
	rc = mail_render_ctx_new(site, &ctx, err, sizeof(err));
	if (rc == CS_OK)
		rc = mail_render(ctx, &c, subject, text, html, err, sizeof(err));
	mail_render_ctx_free(ctx);
	if (rc != CS_OK) {
		fprintf(stderr, "render: %s: %s\n", cs_strerror(rc), err);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *j = NULL, *jc;
	struct mail_msg m;
	char *subject = NULL, *text = NULL, *html = NULL, *out = NULL;
	char err[CS_ERRLEN];
	size_t len = 0;
	cs_err rc;
	int status = 1;

	j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL || !json_is_object(j)) {
		fprintf(stderr, "stdin: not a JSON object: %s\n", jerr.text);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.from_name = str(j, "from_name");
	m.from_addr = str(j, "from_addr");
	m.to_addr = str(j, "to_addr");
	m.subject = str(j, "subject");
	m.date = num(j, "date");
	m.message_id = str(j, "message_id");
	m.thread_id = str(j, "thread_id");
	m.list_id = str(j, "list_id");
	m.unsubscribe_url = str(j, "unsubscribe_url");
	m.text = str(j, "text");
	m.html = str(j, "html");
	jc = json_object_get(j, "content");
	if (jc != NULL) {
		if (render(argc > 1 ? argv[1] : NULL, jc, &subject, &text, &html) != 0)
			goto out;
		m.subject = subject;
		m.text = text;
		m.html = html;
	}
	rc = mail_msg_build(&m, &out, &len, err, sizeof(err));
	if (rc != CS_OK) {
		fprintf(stderr, "build: %s: %s\n", cs_strerror(rc), err);
		status = rc == CS_ERR_USAGE ? 2 : 1;
		goto out;
	}
	if (fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "stdout: write error\n");
		goto out;
	}
	status = 0;
out:
	free(out);
	free(subject);
	free(text);
	free(html);
	json_decref(j);
	return status;
}
