/*
 * libFuzzer target: palisade audit's reader of `docker save` archives (two
 * streaming tar readers, one inside the other, and manifest.json), which
 * reads the files of images other people built. The first byte picks how
 * the bytes are chunked, as a stream would hand them over.
 */
#include <stdint.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "audit/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_image img = { 0 };

	if (!size)
		return 0;
	audit_save_scan_bytes(&img, data + 1, size - 1, data[0] * 4u);
	audit_image_release(&img);
	return 0;
}
