/*
 * libFuzzer target: the exposition-format parser `palisade status` runs on
 * what it reads from a socket. It must refuse malformed text without reading
 * out of bounds, and what it accepts must survive a round trip: written
 * again by the writer (samples the writer refuses aside), it parses to as
 * many samples with the same label values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metrics_parsed p, q;
	struct metrics_writer *w;
	size_t i, len, errors;
	char *text;

	if (metrics_parse((const char *)data, size, &p, NULL) != 0)
		return 0;
	if (metrics_writer_new(&w) != 0) {
		metrics_parsed_release(&p);
		return 0;
	}
	for (i = 0; i < p.n_samples; i++) {
		const struct metrics_parsed_sample *s = &p.samples[i];

		metrics_family(w, s->name, METRICS_GAUGE, "fuzz");
		metrics_sample_labels(w, s->value, s->n_labels, (const char *const *)s->label_names,
				      (const char *const *)s->label_values);
	}
	errors = metrics_writer_errors(w);
	text = metrics_writer_render(w, &len);
	if (text) {
		if (metrics_parse(text, len, &q, NULL) != 0)
			abort(); /* the writer wrote what the parser refuses */
		if (q.n_samples + errors != p.n_samples)
			abort();
		metrics_parsed_release(&q);
	}
	free(text);
	metrics_writer_free(w);
	metrics_parsed_release(&p);
	return 0;
}
