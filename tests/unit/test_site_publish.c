/* test_site_publish.c: placeholder while the tests are written. */
int main(void);
int main(void) { return 0; }
