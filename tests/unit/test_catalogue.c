/* test_catalogue.c: the AWS catalogue: loading, lookups, suggestions, slug splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws/catalogue.h"

static int
setup(void **state)
{
	struct catalogue *c = NULL;
	char err[CS_ERRLEN];

	if (catalogue_default(&c, err, sizeof(err)) != CS_OK)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	catalogue_free(*state);
	return 0;
}

static void
test_counts_and_find(void **state)
{
	const struct catalogue *c = *state;
	const struct catalogue_entry *e;

	assert_int_equal(catalogue_count(c), 5836);
	e = catalogue_find(c, "connect-us-east-1");
	assert_non_null(e);
	assert_string_equal(e->service, "connect");
	assert_string_equal(e->region, "us-east-1");
	assert_string_equal(e->service_name, "Amazon Connect");
	assert_string_equal(e->region_name, "N. Virginia");
	e = catalogue_find(c, "route53");
	assert_non_null(e);
	assert_null(e->region);
	assert_string_equal(e->region_name, "global");
	e = catalogue_find(c, "acm-pca-eu-west-1");
	assert_non_null(e);
	assert_string_equal(e->service, "acm-pca");
	assert_null(catalogue_find(c, "connect-eu-west-3"));
	assert_null(catalogue_find(c, ""));
	assert_string_equal(catalogue_at(c, 0)->slug, "account");
	assert_null(catalogue_at(c, 5836));
}

static void
test_services_regions(void **state)
{
	const struct catalogue *c = *state;

	assert_true(catalogue_has_service(c, "connect"));
	assert_true(catalogue_has_service(c, "multipleservices"));
	assert_false(catalogue_has_service(c, "conect"));
	assert_true(catalogue_has_region(c, "eu-central-1"));
	assert_true(catalogue_has_region(c, "us-gov-west-1"));
	assert_false(catalogue_has_region(c, "us-east-9"));
	assert_false(catalogue_has_region(c, "-"));
	assert_true(catalogue_is_global(c, "cloudfront"));
	/* global, and also in the GovCloud regions */
	assert_true(catalogue_is_global(c, "route53"));
	assert_true(catalogue_is_global(c, "iam"));
	assert_false(catalogue_is_global(c, "connect"));
	assert_false(catalogue_is_global(c, "nosuch"));
}

static void
test_suggest(void **state)
{
	const struct catalogue *c = *state;

	assert_string_equal(catalogue_suggest_region(c, "us-east-9"), "us-east-1");
	assert_string_equal(catalogue_suggest_region(c, "eu-centrel-1"), "eu-central-1");
	assert_string_equal(catalogue_suggest_region(c, "US-EAST-1"), "us-east-1");
	assert_null(catalogue_suggest_region(c, "mars-north-7"));
	assert_string_equal(catalogue_suggest_service(c, "conect"), "connect");
	assert_string_equal(catalogue_suggest_service(c, "dynamdb"), "dynamodb");
	assert_string_equal(catalogue_suggest_service(c, "cloudfrnt"), "cloudfront");
	assert_null(catalogue_suggest_service(c, "xyzzyplugh-frobnicator"));
	assert_null(catalogue_suggest_service(c, ""));
}

static void
test_closest(void **state)
{
	static const char *const keys[] = { "depends_on", "description", "id", "name" };

	(void)state;
	assert_string_equal(catalogue_closest(keys, 4, "depend_on"), "depends_on");
	assert_string_equal(catalogue_closest(keys, 4, "nam"), "name");
	assert_null(catalogue_closest(keys, 4, "colour"));
}

static void
split(const struct catalogue *c, const char *slug, const char *svc, const char *reg)
{
	char s[64], r[32];

	assert_int_equal(catalogue_split_slug(c, slug, s, sizeof(s), r, sizeof(r)), 0);
	assert_string_equal(s, svc);
	assert_string_equal(r, reg);
}

static void
test_split(void **state)
{
	const struct catalogue *c = *state;
	char s[8], r[32];

	split(c, "acm-pca-eu-west-1", "acm-pca", "eu-west-1");
	split(c, "connect-us-east-1", "connect", "us-east-1");
	split(c, "multipleservices-me-central-1", "multipleservices", "me-central-1");
	split(c, "management-console", "management-console", "");
	split(c, "route53", "route53", "");
	split(c, "route53-us-gov-west-1", "route53", "us-gov-west-1");
	split(c, "s3-us-standard", "s3", "us-standard");
	split(c, "neptune-db-me-central-1", "neptune-db", "me-central-1");
	/* a region newer than the catalogue is recognised by its shape */
	split(c, "ec2-ap-southeast-9", "ec2", "ap-southeast-9");
	split(NULL, "acm-pca-eu-west-1", "acm-pca", "eu-west-1");
	assert_int_equal(catalogue_split_slug(c, "acm-pca-eu-west-1", s, sizeof(s), r, sizeof(r)), 0);
	assert_int_equal(catalogue_split_slug(c, "cloudsearch-eu-central-1", s, sizeof(s), r, sizeof(r)), -1);
	assert_int_equal(catalogue_split_slug(c, "acm-pca-eu-west-1", s, sizeof(s), r, 4), -1);
}

static void
test_bad_tsv(void **state)
{
	struct catalogue *c = NULL;
	char err[CS_ERRLEN];
	static const char bad[] = "# header\nok\tok\t-\tOK\tglobal\nbroken line\n";
	static const char dup[] = "a\ta\t-\tA\tglobal\na\ta\t-\tA\tglobal\n";
	static const char good[] = "# h\r\nx-eu-west-1\tx\teu-west-1\tX\tIreland\r\n\r\ny\ty\t-\tY\tglobal";

	(void)state;
	assert_int_equal(catalogue_load(bad, strlen(bad), &c, err, sizeof(err)), CS_ERR_PARSE);
	assert_null(c);
	assert_string_equal(err, "catalogue:3: expected 5 tab-separated fields");
	assert_int_equal(catalogue_load(dup, strlen(dup), &c, err, sizeof(err)), CS_ERR_PARSE);
	assert_string_equal(err, "catalogue: duplicate slug \"a\"");
	assert_int_equal(catalogue_load(good, strlen(good), &c, err, sizeof(err)), CS_OK);
	assert_int_equal(catalogue_count(c), 2);
	assert_true(catalogue_is_global(c, "y"));
	assert_string_equal(catalogue_find(c, "x-eu-west-1")->region_name, "Ireland");
	catalogue_free(c);
	catalogue_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_find),
		cmocka_unit_test(test_services_regions),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_bad_tsv),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
