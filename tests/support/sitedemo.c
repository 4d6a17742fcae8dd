/* sitedemo.c: builds the sample model: CLICK's contact-centre components on AWS, with history. */
#include <stdio.h>
#include <string.h>

#include "sitedemo.h"

struct demo_comp {
	const char *id, *name, *group, *svc, *slug, *region;
};

static const struct demo_comp comps[] = {
	{ "inbound-calls", "Inbound calls", "Voice", "Amazon Connect", "connect-eu-west-2", "eu-west-2" },
	{ "outbound-calls", "Outbound calls", "Voice", "Amazon Connect", "connect-eu-west-2", "eu-west-2" },
	{ "ivr", "IVR and call routing", "Voice", "Amazon Lex", "lex-eu-west-2", "eu-west-2" },
	{ "call-recording", "Call recording", "Voice", "Amazon S3", "s3-eu-west-2", "eu-west-2" },
	{ "voicemail", "Voicemail", "Voice", "Amazon Transcribe", "transcribe-eu-west-2", "eu-west-2" },
	{ "dialler", "Predictive dialler", "Voice", "AWS Lambda", "lambda-eu-west-2", "eu-west-2" },
	{ "webchat", "Web chat", "Digital channels", "Amazon Connect", "connect-eu-west-2", "eu-west-2" },
	{ "email", "Email channel", "Digital channels", "Amazon SES", "ses-eu-west-1", "eu-west-1" },
	{ "sms", "SMS", "Digital channels", "Amazon SNS", "sns-eu-west-2", "eu-west-2" },
	{ "whatsapp", "WhatsApp messaging", "Digital channels", "Amazon API Gateway", "apigateway-eu-west-2", "eu-west-2" },
	{ "social", "Social media inbox", "Digital channels", "Amazon SQS", "sqs-eu-west-2", "eu-west-2" },
	{ "agent-desktop", "Agent desktop", "Agents", "Amazon CloudFront", "cloudfront", NULL },
	{ "softphone", "Softphone", "Agents", "Amazon Connect", "connect-eu-west-2", "eu-west-2" },
	{ "presence", "Agent presence", "Agents", "Amazon DynamoDB", "dynamodb-eu-west-2", "eu-west-2" },
	{ "wallboards", "Wallboards", "Agents", "Amazon Kinesis", "kinesis-eu-west-2", "eu-west-2" },
	{ "sso", "Single sign-on", "Agents", "Amazon Cognito", "cognito-eu-west-2", "eu-west-2" },
	{ "realtime-reports", "Real-time reporting", "Insight", "Amazon Kinesis", "kinesis-eu-west-2", "eu-west-2" },
	{ "historic-reports", "Historical reporting", "Insight", "Amazon Redshift", "redshift-eu-west-2", "eu-west-2" },
	{ "speech-analytics", "Speech analytics", "Insight", "Amazon Transcribe", "transcribe-eu-west-2", "eu-west-2" },
	{ "quality", "Quality management", "Insight", "Amazon RDS", "rds-eu-west-2", "eu-west-2" },
	{ "wfm", "Workforce management", "Insight", "Amazon RDS", "rds-eu-west-2", "eu-west-2" },
	{ "data-export", "Data export", "Insight", "Amazon S3", "s3-eu-west-2", "eu-west-2" },
	{ "public-api", "Public API", "Platform", "Amazon API Gateway", "apigateway-eu-west-2", "eu-west-2" },
	{ "webhooks", "Webhooks", "Platform", "Amazon SQS", "sqs-eu-west-2", "eu-west-2" },
	{ "crm-salesforce", "Salesforce integration", "Platform", "AWS Lambda", "lambda-eu-west-2", "eu-west-2" },
	{ "crm-dynamics", "Dynamics 365 integration", "Platform", "AWS Lambda", "lambda-eu-west-2", "eu-west-2" },
	{ "admin-portal", "Administration portal", "Platform", "Amazon CloudFront", "cloudfront", NULL },
	{ "billing", "Billing", "Platform", "Amazon RDS", "rds-eu-west-2", "eu-west-2" },
	{ "dns", "DNS", "Platform", "Amazon Route 53", "route53", NULL },
	{ "status-notify", "Status notifications", "Platform", "Amazon SES", "ses-eu-west-1", "eu-west-1" },
};
#define NCOMPS (sizeof(comps) / sizeof(comps[0]))

static const char *const titles[] = {
	"Increased call setup latency", "Calls failing to connect", "Delayed call recordings",
	"Agents unable to log in", "Elevated API error rates", "Reports delayed",
	"Intermittent chat disconnections", "Outbound SMS delayed",
};
static const char *const hostile[] = {
	"<img src=x onerror=alert(1)>", "\"><script>alert('x')</script>",
	"Tom & Jerry's <b>bold</b> \"quote\" ]]> --> <!--",
};

static uint32_t
rnd(uint32_t *s)
{
	/* xorshift32: deterministic across platforms */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const struct demo_comp *
demo(size_t i, char *id, char *name, size_t len)
{
	const struct demo_comp *c = &comps[i % NCOMPS];

	if (i < NCOMPS) {
		snprintf(id, len, "%s", c->id);
		snprintf(name, len, "%s", c->name);
	} else {
		snprintf(id, len, "%s-%zu", c->id, i / NCOMPS + 1);
		snprintf(name, len, "%s %zu", c->name, i / NCOMPS + 1);
	}
	return c;
}

static cs_err
add_components(struct sitemodel *m, const struct sitedemo_opts *o, uint32_t *s, char *err,
    size_t errlen)
{
	cs_err rc = CS_OK;
	size_t i, d;

	for (i = 0; i < o->ncomponents && rc == CS_OK; i++) {
		struct sitemodel_component c;
		struct sitemodel_cause cause;
		char id[80], name[128], title[256];
		const struct demo_comp *dc = demo(i, id, name, sizeof(id));
		unsigned bad = 0;

		memset(&c, 0, sizeof(c));
		c.id = id;
		c.name = name;
		c.group = dc->group;
		c.description = dc->svc;
		c.status = STATUS_OPERATIONAL;
		c.created_at = o->now - 400 * 86400;
		c.updated_at = o->now - 86400 * (int64_t)(rnd(s) % 20 + 1);
		for (d = 0; d < SITEMODEL_DAYS; d++) {
			uint32_t r = rnd(s) % 100;

			uint32_t r2 = rnd(s) % 100;

			/* about 1 day in 30 has trouble: what a year of AWS feeds looks like */
			c.day[d] = r < 96 || r2 < 20 ? STATUS_OPERATIONAL : r < 98 ?
			    STATUS_DEGRADED_PERFORMANCE : r < 99 ? STATUS_PARTIAL_OUTAGE :
			    STATUS_MAJOR_OUTAGE;
			if (i >= 27 && d < 20)
				c.day[d] = SITEMODEL_NODATA;  /* monitored since recently */
			if (c.day[d] > STATUS_OPERATIONAL)
				bad++;
		}
		c.uptime = 100.0 - (double)bad * 0.07;
		if ((long)i == o->flip || i == 0 || (o->hostile && i == 3)) {
			c.status = i == 0 && (long)i != o->flip ? STATUS_DEGRADED_PERFORMANCE :
			    STATUS_PARTIAL_OUTAGE;
			c.updated_at = o->now - 1800;
			c.day[SITEMODEL_DAYS - 1] = c.status;
			snprintf(title, sizeof(title), "%s", o->hostile && i == 3 ? hostile[0] :
			    "Increased call setup latency");
			memset(&cause, 0, sizeof(cause));
			cause.slug = dc->slug;
			cause.service = dc->svc;
			cause.region = dc->region;
			cause.aws_state = c.status == STATUS_PARTIAL_OUTAGE ? STATUS_AWS_DISRUPTION :
			    STATUS_AWS_DEGRADED;
			cause.title = title;
			cause.guid = "https://status.aws.amazon.com/#connect-eu-west-2_1787025679";
			cause.time = o->now - 1900;
			c.causes = &cause;
			c.ncauses = 1;
		}
		rc = sitemodel_add_component(m, &c, err, errlen);
	}
	return rc;
}

static cs_err
add_incident(struct sitemodel *m, const struct sitedemo_opts *o, uint32_t *s, size_t k,
    int64_t t0, int active, char *err, size_t errlen)
{
	struct sitemodel_incident in;
	struct sitemodel_update up[5];
	struct sitemodel_affected aff[5];
	struct sitemodel_cause cause;
	const char *ids[3];
	char idbuf[3][80], name[128], iid[32], uid[5][40], body[5][512], title[256];
	size_t nu = active ? 2 : 2 + rnd(s) % 4, nc = 1 + rnd(s) % 3, i;
	static const enum sitemodel_istatus flow[] = { SITEMODEL_INVESTIGATING,
		SITEMODEL_IDENTIFIED, SITEMODEL_MONITORING, SITEMODEL_RESOLVED };
	const struct demo_comp *dc = NULL;
	const struct sitemodel_component *m_name;

	memset(&in, 0, sizeof(in));
	for (i = 0; i < nc; i++) {
		dc = demo(active ? i : rnd(s) % (o->ncomponents > 0 ? o->ncomponents : 1), idbuf[i], name,
		    sizeof(name));
		ids[i] = idbuf[i];
		if (i > 0 && (strcmp(ids[i], ids[0]) == 0 || strcmp(ids[i], ids[i - 1]) == 0)) {
			nc = i;
			break;
		}
	}
	if (o->ncomponents == 0)
		nc = 0;
	snprintf(iid, sizeof(iid), "inc-%05zu", k);
	if (o->hostile && k % 7 == 0)
		snprintf(title, sizeof(title), "%s", hostile[(k / 7) % 3]);
	else if (active)
		snprintf(title, sizeof(title), "%s", titles[k % 2 == 0 ? 0 : 4]);
	else
		snprintf(title, sizeof(title), "%s", titles[rnd(s) % (sizeof(titles) / sizeof(titles[0]))]);
	in.id = iid;
	in.name = title;
	in.impact = (enum sitemodel_impact)(1 + rnd(s) % 3);
	if (active)
		in.impact = k % 2 == 0 ? SITEMODEL_IMPACT_MAJOR : SITEMODEL_IMPACT_MINOR;
	/* priority follows impact: critical P1, major P2, minor P3 or P4 */
	in.priority = in.impact == SITEMODEL_IMPACT_CRITICAL ? 1 : in.impact ==
	    SITEMODEL_IMPACT_MAJOR ? 2 : (int)(3 + rnd(s) % 2);
	in.created_at = t0;
	in.started_at = t0 - 300;
	in.components = ids;
	in.ncomponents = nc;
	m_name = nc > 0 ? sitemodel_find_component(m, ids[0]) : NULL;
	for (i = 0; i < nu; i++) {
		enum sitemodel_istatus st = i + 1 == nu && !active ? SITEMODEL_RESOLVED :
		    flow[i < 3 ? i : 2];

		snprintf(uid[i], sizeof(uid[i]), "u%05zu-%zu", k, i);
		if (o->hostile && i == 0)
			snprintf(body[i], sizeof(body[i]), "%s\nSecond line & more </p><script>alert(2)</script>",
			    hostile[k % 3]);
		else if (st == SITEMODEL_RESOLVED)
			snprintf(body[i], sizeof(body[i]), "This incident has been resolved. %s is "
			    "operating normally again.", dc != NULL ? dc->svc : "AWS");
		else if (m_name != NULL)
			snprintf(body[i], sizeof(body[i]), "We are investigating %s in %s affecting "
			    "%s. AWS reports the issue on its Health Dashboard. Existing calls are not "
			    "affected; we will post an update within 30 minutes.",
			    title, dc != NULL && dc->region != NULL ? dc->region : "a global service",
			    m_name->name);
		else
			snprintf(body[i], sizeof(body[i]), "We are investigating %s in %s affecting "
			    "%s. AWS reports the issue on its Health Dashboard. Existing calls are not "
			    "affected; we will post an update within 30 minutes.",
			    title, dc != NULL && dc->region != NULL ? dc->region : "a global service",
			    nc > 0 ? ids[0] : "no components");
		up[i].id = uid[i];
		up[i].status = st;
		up[i].body = body[i];
		up[i].created_at = t0 + (int64_t)i * 1800;
		aff[i].id = nc > 0 ? ids[0] : NULL;
		aff[i].old_status = i == 0 ? STATUS_OPERATIONAL : STATUS_PARTIAL_OUTAGE;
		aff[i].new_status = st == SITEMODEL_RESOLVED ? STATUS_OPERATIONAL : STATUS_PARTIAL_OUTAGE;
		up[i].affected = &aff[i];
		up[i].naffected = nc > 0 ? 1 : 0;
	}
	in.updates = up;
	in.nupdates = nu;
	in.status = up[nu - 1].status;
	in.updated_at = up[nu - 1].created_at;
	if (in.status == SITEMODEL_MONITORING)
		in.monitoring_at = in.updated_at;
	if (in.status == SITEMODEL_RESOLVED) {
		in.resolved_at = in.updated_at;
		if (in.priority <= 2) {
			in.rca = k % 3 == 0 ? SITEMODEL_RCA_DRAFT : k % 3 == 1 ? SITEMODEL_RCA_MET :
			    SITEMODEL_RCA_FINAL_DUE;
			in.rca_due = in.resolved_at + 5 * 86400;
		}
	} else {
		in.next_update_by = in.updated_at + 1800;
	}
	if (dc != NULL) {
		memset(&cause, 0, sizeof(cause));
		cause.slug = dc->slug;
		cause.service = dc->svc;
		cause.region = dc->region;
		cause.aws_state = STATUS_AWS_DISRUPTION;
		cause.title = o->hostile && k % 7 == 0 ? hostile[1] : "Increased error rates";
		cause.guid = "https://status.aws.amazon.com/#item";
		cause.time = t0 - 600;
		in.causes = &cause;
		in.ncauses = 1;
	}
	return sitemodel_add_incident(m, &in, err, errlen);
}

static cs_err
add_maintenance(struct sitemodel *m, const struct sitedemo_opts *o, int which, char *err,
    size_t errlen)
{
	struct sitemodel_incident in;
	struct sitemodel_update up;
	const char *ids[1] = { "historic-reports" };

	memset(&in, 0, sizeof(in));
	memset(&up, 0, sizeof(up));
	in.is_maintenance = 1;
	in.id = which == 0 ? "mnt-reporting-upgrade" : "mnt-dialler-patch";
	in.name = which == 0 ? "Reporting database upgrade" : "Predictive dialler patching";
	in.impact = SITEMODEL_IMPACT_MAINTENANCE;
	in.status = which == 0 ? SITEMODEL_SCHEDULED : SITEMODEL_IN_PROGRESS;
	in.created_at = o->now - 3 * 86400;
	in.scheduled_for = which == 0 ? o->now + 2 * 86400 : o->now - 1200;
	in.scheduled_until = in.scheduled_for + 2 * 3600;
	in.components = ids;
	in.ncomponents = o->ncomponents > 17 ? 1 : 0;
	if (which == 1)
		ids[0] = "dialler";
	if (which == 1 && o->ncomponents <= 5)
		in.ncomponents = 0;
	up.id = which == 0 ? "mu-1" : "mu-2";
	up.status = in.status;
	up.body = which == 0 ? "Historical reports will be read-only during the upgrade." :
	    "Patching is under way; campaigns may pause for up to a minute.";
	up.created_at = in.created_at;
	in.updates = &up;
	in.nupdates = 1;
	return sitemodel_add_incident(m, &in, err, errlen);
}

cs_err
sitedemo_build(const struct sitedemo_opts *o, struct sitemodel **out, char *err, size_t errlen)
{
	static const struct { const char *slug, *svc, *region; status_aws st; } aws[] = {
		{ "connect-eu-west-2", "Amazon Connect", "eu-west-2", STATUS_AWS_DEGRADED },
		{ "lex-eu-west-2", "Amazon Lex", "eu-west-2", STATUS_AWS_NORMAL },
		{ "lambda-eu-west-2", "AWS Lambda", "eu-west-2", STATUS_AWS_NORMAL },
		{ "dynamodb-eu-west-2", "Amazon DynamoDB", "eu-west-2", STATUS_AWS_NORMAL },
		{ "s3-eu-west-2", "Amazon S3", "eu-west-2", STATUS_AWS_NORMAL },
		{ "kinesis-eu-west-2", "Amazon Kinesis", "eu-west-2", STATUS_AWS_INFORMATIONAL },
		{ "ses-eu-west-1", "Amazon SES", "eu-west-1", STATUS_AWS_NORMAL },
		{ "cloudfront", "Amazon CloudFront", NULL, STATUS_AWS_NORMAL },
		{ "route53", "Amazon Route 53", NULL, STATUS_AWS_NORMAL },
	};
	struct sitemodel_page page;
	struct sitemodel *m = NULL;
	uint32_t s = o->seed != 0 ? o->seed : 7;
	int64_t t;
	cs_err rc;
	size_t i;

	*out = NULL;
	memset(&page, 0, sizeof(page));
	page.id = "click";
	page.name = "CLICK";
	page.company = "SynchroNet";
	page.url = "https://status.synchronet.com/";
	page.subscribe_url = "/subscribe";
	page.generated_at = o->now;
	page.indicator = o->flip >= 0 ? STATUS_IND_MAJOR : STATUS_IND_MINOR;
	rc = sitemodel_new(&page, &m, err, errlen);
	if (rc != CS_OK)
		goto out;
	sitemodel_set_freshness(m, o->now, o->stale ? o->now - 3600 : o->now - 42,
	    o->stale ? o->now - 3540 : 0, 60);
	rc = add_components(m, o, &s, err, errlen);
	for (i = 0, t = o->now - 3 * 3600; rc == CS_OK && i < o->nincidents; i++) {
		int active = i < 2;

		rc = add_incident(m, o, &s, o->nincidents - i, active ? o->now - 3600 * (int64_t)(i + 1) : t,
		    active, err, errlen);
		t -= 3600 + (int64_t)(rnd(&s) % (5 * 86400 / 2));
	}
	for (i = 0; rc == CS_OK && i < 2; i++)
		rc = add_maintenance(m, o, (int)i, err, errlen);
	for (i = 0; rc == CS_OK && i < sizeof(aws) / sizeof(aws[0]); i++) {
		struct sitemodel_aws a = { aws[i].slug, aws[i].svc, aws[i].region, aws[i].st,
			aws[i].st == STATUS_AWS_DEGRADED ? "Increased call setup latency" :
			aws[i].st == STATUS_AWS_INFORMATIONAL ? "Delayed CloudWatch metrics for streams" : NULL,
			o->now - 1900 };

		rc = sitemodel_add_aws(m, &a, err, errlen);
	}
	if (rc != CS_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	sitemodel_free(m);
	return rc;
}
