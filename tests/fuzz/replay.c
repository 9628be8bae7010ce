/*
 * replay: run a fuzz harness over the files named, once each, without
 * libFuzzer, so that `make check` replays the seed corpus with the
 * project's own compiler.
 */
#include <err.h>

#include "fuzz.h"

int
main(int argc, char *argv[])
{
	static uint8_t buf[1 << 20];
	size_t n;
	FILE *fp;
	int i;

	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL)
			err(2, "%s", argv[i]);
		n = fread(buf, 1, sizeof(buf), fp);
		if (ferror(fp))
			err(2, "%s", argv[i]);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
