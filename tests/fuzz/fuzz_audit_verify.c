/*
 * libFuzzer target: `palisade log verify` on a file someone handed over. The
 * input is the log; the first byte chooses whether a key is given. Parsing
 * and classifying must never read out of bounds, whatever the lines hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/audit_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[] = "0123456789abcdef";
	struct audit_verify_result res;
	char *copy;

	if (size < 1)
		return 0;
	/* An exact-size heap copy: ASan sees any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	audit_verify(copy, size - 1, data[0] & 1 ? key : NULL, data[0] & 1 ? 16 : 0, &res);
	free(copy);
	return 0;
}
