/* replay_main.c: runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer (any compiler). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs read: no recorded file or fuzzer finding is larger. */
#define REPLAY_MAX (16 * 1024 * 1024)

/*
 * Each argument is one input file, fed to the target as libFuzzer would
 * (its exact bytes, in a buffer of exactly that size, so ASan sees a read
 * past its end). A crash is the target's (a trap or a sanitizer report);
 * a file that cannot be read is exit 2. Prints how many inputs ran.
 */
int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long len;

		if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 ||
		    len > REPLAY_MAX || fseek(fp, 0, SEEK_SET) != 0) {
			fprintf(stderr, "replay: %s: cannot read\n", argv[i]);
			return 2;
		}
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf == NULL || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			fprintf(stderr, "replay: %s: cannot read\n", argv[i]);
			return 2;
		}
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	printf("replay: %d inputs, no crash\n", n);
	return 0;
}
