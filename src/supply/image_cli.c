/*
 * palisade image keygen|sign|verify: cosign-compatible image signatures
 * (docs/supply-chain.md). Exit status: 0 done (verify: verified), 1 refused
 * (verify: not verified, with the reason), 2 bad usage or setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "outfile/outfile.h"
#include "supply/internal.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define KEYS_MAX 16
#define INSECURE_MAX 16
#define PASS_MAX 1024

struct cli {
	struct supply_opts o;
	const char *insecure[INSECURE_MAX];
	const char *keys[KEYS_MAX];
	size_t n_keys;
	const char *pass_file, *prefix, *identity;
	bool json, force;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: palisade image keygen [--output-key-prefix PREFIX] [--passphrase-file F] [--force]\n"
		"       palisade image sign --key KEY [--identity REF] [OPTIONS] IMAGE\n"
		"       palisade image verify --key PUB [--key PUB...] [--json] [OPTIONS] IMAGE\n"
		"\n"
		"Signatures compatible with cosign (docs/supply-chain.md): keygen writes PREFIX.key\n"
		"(cosign's encrypted private key) and PREFIX.pub (default prefix: cosign); sign adds\n"
		"a signature of the image's manifest digest under the tag sha256-<digest>.sig;\n"
		"verify resolves IMAGE to its digest and accepts it only when a signature by one of\n"
		"the keys names that digest and that repository (exit 0; 1 when refused, with why).\n"
		"\n"
		"      --key FILE                 private key (sign), public key (verify, repeatable)\n"
		"      --passphrase-file FILE     the key's passphrase (else $COSIGN_PASSWORD, else\n"
		"                                 asked on the terminal)\n"
		"      --identity REF             sign: the docker-reference to sign for (default:\n"
		"                                 IMAGE's name, as cosign)\n"
		"      --json                     verify: the verdict as one JSON object\n"
		"      --timeout SECONDS          the whole operation (default 30)\n"
		"      --authfile FILE            registry credentials (auth.json / config.json;\n"
		"                                 default: $REGISTRY_AUTH_FILE, then docker's)\n"
		"      --ca-file FILE             CA certificates for the registry's TLS\n"
		"      --insecure-registry HOST   plain HTTP / unverified TLS, as dockerd's option\n"
		"                                 (loopback registries always; repeatable)\n"
		"      --platform OS/ARCH         instance of a manifest list (default: this host's)\n"
		"      --force                    keygen: replace existing key files\n");
}

static int read_tty_line(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return -ENOTTY;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &old)) {
		close(fd);
		return -ENOTTY;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	while (len + 1 < size && (n = read(fd, buf + len, 1)) == 1 && buf[len] != '\n')
		len++;
	buf[len] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	n = write(fd, "\n", 1); /* cosmetic: the line the user typed ends */
	(void)n;
	close(fd);
	return 0;
}

/* The passphrase: --passphrase-file, $COSIGN_PASSWORD, or the terminal. */
static int passphrase(const struct cli *c, bool twice, unsigned char **out, size_t *len)
{
	const char *env = getenv("COSIGN_PASSWORD");
	char a[PASS_MAX], b[PASS_MAX];

	if (c->pass_file)
		return outfile_read_secret(c->pass_file, "passphrase file", 0, out, len);
	if (env) {
		*len = strlen(env);
		*out = (unsigned char *)strdup(env);
		return *out ? 0 : -ENOMEM;
	}
	if (read_tty_line("Enter the key's passphrase: ", a, sizeof(a))) {
		fprintf(stderr, "palisade image: no passphrase: give --passphrase-file or "
				"COSIGN_PASSWORD (which may be empty), or run on a terminal\n");
		return -ENOTTY;
	}
	if (twice && (read_tty_line("Enter it again: ", b, sizeof(b)) || strcmp(a, b))) {
		explicit_bzero(a, sizeof(a));
		explicit_bzero(b, sizeof(b));
		fprintf(stderr, "palisade image: the passphrases differ\n");
		return -EINVAL;
	}
	*len = strlen(a);
	*out = (unsigned char *)strdup(a);
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
	return *out ? 0 : -ENOMEM;
}

static int write_key(const char *path, const char *pem, mode_t mode, bool force)
{
	struct outfile_spec spec = { .kind = OUTFILE_KEY, .truncate = true, .force = force,
				     .mode = mode };
	struct stat st;
	size_t len = strlen(pem);
	int fd, ret;

	if (!force && !lstat(path, &st)) {
		fprintf(stderr, "palisade image: %s exists: refusing to replace a key (--force)\n",
			path);
		return -EEXIST;
	}
	ret = outfile_open(AT_FDCWD, path, &spec, "key file", &fd);
	if (ret)
		return ret;
	if (write(fd, pem, len) != (ssize_t)len || fsync(fd))
		ret = -errno;
	close(fd);
	if (ret)
		fprintf(stderr, "palisade image: cannot write %s: %s\n", path, strerror(-ret));
	return ret;
}

static int cmd_keygen(const struct cli *c)
{
	char priv_path[4096], pub_path[4096], err[300];
	char *priv = NULL, *pub = NULL;
	unsigned char *pass = NULL;
	size_t pass_len = 0;
	int ret;

	snprintf(priv_path, sizeof(priv_path), "%s.key", c->prefix ? c->prefix : "cosign");
	snprintf(pub_path, sizeof(pub_path), "%s.pub", c->prefix ? c->prefix : "cosign");
	ret = passphrase(c, true, &pass, &pass_len);
	if (ret)
		return EXIT_USAGE;
	ret = supply_keygen(pass, pass_len, &priv, &pub, err, sizeof(err));
	if (ret)
		fprintf(stderr, "palisade image keygen: %s\n", err);
	if (!ret)
		ret = write_key(priv_path, priv, 0600, c->force);
	if (!ret)
		ret = write_key(pub_path, pub, 0644, c->force);
	if (!ret)
		printf("Private key written to %s\nPublic key written to %s\n", priv_path, pub_path);
	if (priv)
		explicit_bzero(priv, strlen(priv));
	if (pass)
		explicit_bzero(pass, pass_len);
	free(priv);
	free(pub);
	free(pass);
	return ret ? EXIT_USAGE : 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(65537);

	*out = NULL;
	if (!f || !buf) {
		int ret = f ? -ENOMEM : -errno;

		fprintf(stderr, "palisade image: cannot read %s: %s\n", path, strerror(-ret));
		if (f)
			fclose(f);
		free(buf);
		return ret;
	}
	*len = fread(buf, 1, 65537, f);
	fclose(f);
	if (*len > 65536) {
		fprintf(stderr, "palisade image: %s: longer than 64 KiB: not a key\n", path);
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

static int parse_image(const char *text, struct supply_ref *ref)
{
	const char *why;

	if (!supply_ref_parse(text, ref, &why))
		return 0;
	fprintf(stderr, "palisade image: %s: not an image reference: %s\n", text, why);
	return -EINVAL;
}

static int cmd_sign(const struct cli *c, const char *image)
{
	struct supply_key *key = NULL;
	struct supply_ref ref;
	unsigned char *pass = NULL;
	char *pem = NULL, err[700], digest[72], name[600];
	size_t pem_len = 0, pass_len = 0;
	int ret;

	if (c->n_keys != 1) {
		fprintf(stderr, "palisade image sign: one --key (the private key) is needed\n");
		return EXIT_USAGE;
	}
	if (parse_image(image, &ref) || read_file(c->keys[0], &pem, &pem_len) ||
	    passphrase(c, false, &pass, &pass_len)) {
		ret = EXIT_USAGE;
		goto cleanup;
	}
	if (supply_key_load_private(pem, pem_len, pass, pass_len, c->keys[0], &key, err,
				    sizeof(err))) {
		fprintf(stderr, "palisade image sign: %s\n", err);
		ret = EXIT_USAGE;
		goto cleanup;
	}
	ret = supply_sign(&c->o, &ref, key, c->identity, digest, err, sizeof(err));
	supply_ref_name(&ref, name, sizeof(name));
	if (ret)
		fprintf(stderr, "palisade image sign: %s: %s\n", image, err);
	else
		printf("signed %s@%s (signature: %s:sha256-%s.sig)\n", name, digest, name, digest + 7);
	ret = ret ? EXIT_REFUSED : 0;
cleanup:
	if (pass)
		explicit_bzero(pass, pass_len);
	free(pass);
	free(pem);
	supply_key_free(key);
	return ret;
}

static void print_verdict(const struct cli *c, const char *image, const struct supply_verdict *v)
{
	json_t *o;
	char *s;

	if (!c->json) {
		if (v->verified)
			printf("verified: %s (%s) signed by %s for %s%s%s\n", image, v->digest, v->key,
			       v->identity, strcmp(v->digest, v->signed_digest) ? ", through instance " : "",
			       strcmp(v->digest, v->signed_digest) ? v->signed_digest : "");
		else
			fprintf(stderr, "refused: %s%s%s: %s\n", image, v->digest[0] ? " " : "",
				v->digest, v->reason);
		return;
	}
	o = json_pack("{s:s,s:b,s:s,s:s,s:s,s:s,s:s}", "image", image, "verified", v->verified,
		      "digest", v->digest, "signed_digest", v->signed_digest, "key", v->key,
		      "identity", v->identity, "reason", v->reason);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static int cmd_verify(const struct cli *c, const char *image)
{
	struct supply_key *keys[KEYS_MAX] = { 0 };
	struct supply_verdict v;
	struct supply_ref ref;
	char err[300];
	int ret = 0;

	if (!c->n_keys) {
		fprintf(stderr, "palisade image verify: --key PUB is needed (the trusted public key)\n");
		return EXIT_USAGE;
	}
	if (parse_image(image, &ref))
		return EXIT_USAGE;
	for (size_t i = 0; i < c->n_keys && !ret; i++)
		if ((ret = supply_key_read_public(c->keys[i], &keys[i], err, sizeof(err))))
			fprintf(stderr, "palisade image verify: %s\n", err);
	if (!ret)
		ret = supply_verify(&c->o, &ref, keys, c->n_keys, &v);
	if (!ret)
		print_verdict(c, image, &v);
	for (size_t i = 0; i < c->n_keys; i++)
		supply_key_free(keys[i]);
	return ret ? EXIT_USAGE : v.verified ? 0 : EXIT_REFUSED;
}

enum { O_TIMEOUT = 256, O_AUTHFILE, O_CA, O_INSECURE, O_PLATFORM, O_PASS, O_PREFIX, O_IDENTITY,
       O_JSON, O_FORCE };

static int parse_opt(struct cli *c, const struct cli_line *cl, int opt, const char *arg)
{
	long v;

	switch (opt) {
	case 'k':
		if (c->n_keys == KEYS_MAX)
			return fprintf(stderr, "palisade image: at most %d --key\n", KEYS_MAX), -1;
		c->keys[c->n_keys++] = arg;
		return 0;
	case O_TIMEOUT:
		if (cli_number(cl, "--timeout", arg, 1, 3600, &v))
			return -1;
		c->o.timeout_ms = (unsigned)v * 1000;
		return 0;
	case O_INSECURE:
		if (c->o.n_insecure == INSECURE_MAX)
			return fprintf(stderr, "palisade image: at most %d --insecure-registry\n",
				       INSECURE_MAX), -1;
		c->insecure[c->o.n_insecure++] = arg;
		return 0;
	case O_AUTHFILE:
		if (access(arg, R_OK))
			return fprintf(stderr, "palisade image: --authfile %s: %s\n", arg,
				       strerror(errno)), -1;
		c->o.authfile = arg;
		return 0;
	case O_CA: c->o.ca_file = arg; return 0;
	case O_PLATFORM: c->o.platform = arg; return 0;
	case O_PASS: c->pass_file = arg; return 0;
	case O_PREFIX: c->prefix = arg; return 0;
	case O_IDENTITY: c->identity = arg; return 0;
	case O_JSON: c->json = true; return 0;
	case O_FORCE: c->force = true; return 0;
	}
	return -1;
}

int supply_image_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "authfile", required_argument, NULL, O_AUTHFILE },
		{ "ca-file", required_argument, NULL, O_CA },
		{ "insecure-registry", required_argument, NULL, O_INSECURE },
		{ "platform", required_argument, NULL, O_PLATFORM },
		{ "passphrase-file", required_argument, NULL, O_PASS },
		{ "output-key-prefix", required_argument, NULL, O_PREFIX },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "json", no_argument, NULL, O_JSON },
		{ "force", no_argument, NULL, O_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli c = { 0 };
	struct cli_line cl = { "palisade image", "k:h", opts, usage, argc, argv, 0 };
	const char *sub = argc > 1 ? argv[1] : "";
	int opt;

	c.o.insecure = c.insecure;
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		usage(stdout);
		return 0;
	}
	optind = 2;
	while ((opt = cli_next(&cl)) > 0)
		if (parse_opt(&c, &cl, opt, optarg))
			return EXIT_USAGE;
	if (opt == CLI_STOP)
		return cl.status;
	if (!strcmp(sub, "keygen") && optind == argc)
		return cmd_keygen(&c);
	if (!strcmp(sub, "sign") && optind + 1 == argc)
		return cmd_sign(&c, argv[optind]);
	if (!strcmp(sub, "verify") && optind + 1 == argc)
		return cmd_verify(&c, argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
