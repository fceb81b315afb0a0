/*
 * The checks on an image (CIS 4.1, 4.6, 4.8, 4.10): its config from the
 * Engine's image inspect, its merged layers from audit_layers.c.
 */
#include <string.h>

#include "audit/checks.h"

static const struct audit_loc nowhere;

void audit_check_image_user(const struct audit_subject *s, struct audit_emit *e)
{
	const char *u = s->image->user;
	size_t n = strcspn(u, ":");

	if (n == 0 || (n == 1 && u[0] == '0') || (n == 4 && strncmp(u, "root", 4) == 0))
		audit_emit(e, &nowhere, "USER is %s", u[0] ? u : "not set (root)");
}

void audit_check_image_health(const struct audit_subject *s, struct audit_emit *e)
{
	if (s->image->health == AUDIT_HEALTH_NONE)
		audit_emit(e, &nowhere, "no HEALTHCHECK");
}

void audit_check_image_setuid(const struct audit_subject *s, struct audit_emit *e)
{
	const struct audit_image *img = s->image;
	size_t i;

	for (i = 0; i < img->n_setuid; i++)
		audit_emit(e, &nowhere, "%s", img->setuid[i]);
	if (img->n_setuid_total > img->n_setuid)
		audit_emit(e, &nowhere, "%zu more setuid/setgid files not listed",
			   img->n_setuid_total - img->n_setuid);
}

void audit_check_image_secret(const struct audit_subject *s, struct audit_emit *e)
{
	const char *why;
	size_t i;

	for (i = 0; i < s->image->n_env; i++)
		if (audit_env_is_secret(s->image->env[i].name, s->image->env[i].value, &why))
			audit_emit(e, &nowhere, "ENV %s: %s (value not shown)", s->image->env[i].name,
				   why);
}
