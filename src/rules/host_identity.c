/*
 * Who sent an alert, for a fleet's central consumer: the machine's stable id
 * (systemd's /etc/machine-id, or D-Bus's copy) and the agent's version, added
 * beside Falco's "hostname" in every alert and action record. Host names
 * repeat and change; the machine id does neither. Read once.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"
#include "version.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char host_id[64];

/* 32 hex digits and nothing else, as machine-id(5) defines it. */
static bool read_machine_id(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[64];
	size_t n;

	if (!f)
		return false;
	n = fgets(line, sizeof(line), f) ? strcspn(line, "\n") : 0;
	fclose(f);
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)line[i]))
			return false;
	memcpy(host_id, line, n);
	host_id[n] = '\0';
	return true;
}

static void load(void)
{
	if (!read_machine_id("/etc/machine-id"))
		read_machine_id("/var/lib/dbus/machine-id");
}

const char *rules_host_id(void)
{
	pthread_once(&once, load);
	return host_id;
}

const char *rules_agent_version(void)
{
	return PALISADE_VERSION;
}
