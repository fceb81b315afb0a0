/*
 * Does an environment variable carry a secret? By its name (PASSWORD, TOKEN,
 * SECRET, AWS_..., with a value set) or by its value (an AWS access key id,
 * a private key, a known token prefix, credentials in a URL, or a long
 * random-looking token). The value is never returned or printed: callers
 * only learn why. Names and prefixes are data.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "audit/internal.h"

static const char *const secret_name_parts[] = {
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY",
	"PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL", "AUTH_KEY",
};

/* AWS_* names that are not secret. */
static const char *const aws_harmless[] = {
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_OUTPUT",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ROLE_ARN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_SDK_LOAD_CONFIG",
};

/* Token formats announced by their first characters. */
static const struct {
	const char *prefix;
	size_t min_len;
	const char *what;
} token_prefixes[] = {
	{ "AKIA", 20, "an AWS access key id" },     { "ASIA", 20, "an AWS temporary access key id" },
	{ "ghp_", 36, "a GitHub token" },           { "gho_", 36, "a GitHub OAuth token" },
	{ "ghs_", 36, "a GitHub app token" },       { "github_pat_", 40, "a GitHub token" },
	{ "glpat-", 20, "a GitLab token" },         { "xoxb-", 20, "a Slack token" },
	{ "xoxp-", 20, "a Slack token" },           { "sk_live_", 24, "a Stripe secret key" },
	{ "AIza", 39, "a Google API key" },         { "-----BEGIN", 10, "a PEM block" },
};

static bool name_says_secret(const char *name)
{
	size_t i;

	/* NAME_FILE points at a file holding the secret: the recommended way. */
	if (strlen(name) > 5 && strcasecmp(name + strlen(name) - 5, "_FILE") == 0)
		return false;
	if (strncasecmp(name, "AWS_", 4) == 0) {
		for (i = 0; i < sizeof(aws_harmless) / sizeof(aws_harmless[0]); i++)
			if (strcasecmp(name, aws_harmless[i]) == 0)
				return false;
		return true;
	}
	for (i = 0; i < sizeof(secret_name_parts) / sizeof(secret_name_parts[0]); i++)
		if (strcasestr(name, secret_name_parts[i]))
			return true;
	return false;
}

/* Shannon entropy in bits per character. */
static double entropy(const char *v, size_t n)
{
	unsigned counts[256] = { 0 };
	double h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		counts[(unsigned char)v[i]]++;
	for (i = 0; i < 256; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)n;

			h -= p * log2(p);
		}
	return h;
}

/* A long run of base64/hex-like characters with letters and digits mixed
 * and high entropy: what generated keys look like, and words, paths and
 * version strings do not. */
static bool looks_random(const char *v)
{
	size_t n = strlen(v), i, digits = 0, alpha = 0;

	if (n < 20 || n > 4096)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (isdigit(c))
			digits++;
		else if (isalpha(c))
			alpha++;
		else if (!strchr("+/=_-", c))
			return false;
	}
	if (!digits || !alpha || strchr(v, '/') == v)
		return false;
	return entropy(v, n) >= (n >= 32 ? 4.0 : 3.7);
}

/* scheme://user:password@host */
static bool url_with_password(const char *v)
{
	const char *p = strstr(v, "://"), *at, *colon;

	if (!p)
		return false;
	p += 3;
	at = strchr(p, '@');
	colon = strchr(p, ':');
	return at && colon && colon < at && strcspn(p, "/") > (size_t)(at - p) && at > colon + 1;
}

bool audit_env_is_secret(const char *name, const char *value, const char **why)
{
	size_t i;

	for (i = 0; i < sizeof(token_prefixes) / sizeof(token_prefixes[0]); i++)
		if (strncmp(value, token_prefixes[i].prefix, strlen(token_prefixes[i].prefix)) == 0 &&
		    strlen(value) >= token_prefixes[i].min_len) {
			*why = token_prefixes[i].what;
			return true;
		}
	if (strstr(value, "PRIVATE KEY-----")) {
		*why = "a private key";
		return true;
	}
	if (url_with_password(value)) {
		*why = "a URL with a password";
		return true;
	}
	if (value[0] && name_says_secret(name)) {
		*why = "its name says it holds a secret";
		return true;
	}
	if (looks_random(value)) {
		*why = "its value looks like a generated key (long, high entropy)";
		return true;
	}
	return false;
}
