/*
 * supply/: image references, cosign's key and payload formats, manifests,
 * registry challenges. Where Debian's golang-github-containers-image-dev is
 * installed, signatures that real cosign made (its test fixtures) are
 * verified too; without it those tests are reported skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "supply/internal.h"

#define FIXTURES "/usr/share/gocode/src/github.com/containers/image/signature/fixtures"

static void ref_ok(const char *text, const char *reg, const char *repo, const char *tag,
		   const char *digest)
{
	struct supply_ref r;
	const char *why;

	assert_int_equal(supply_ref_parse(text, &r, &why), 0);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repository, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
}

static void ref_bad(const char *text)
{
	struct supply_ref r;
	const char *why = NULL;

	assert_int_equal(supply_ref_parse(text, &r, &why), -EINVAL);
	assert_non_null(why);
}

static void test_refs(void **state)
{
	static const char d[] =
		"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
	char buf[600];

	(void)state;
	ref_ok("nginx", "docker.io", "library/nginx", "", "");
	ref_ok("nginx:1.25", "docker.io", "library/nginx", "1.25", "");
	ref_ok("index.docker.io/user/app", "docker.io", "user/app", "", "");
	ref_ok("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000", "a/b", "v1", "");
	ref_ok("localhost/app", "localhost", "app", "", "");
	ref_ok("[::1]:5000/app:x", "[::1]:5000", "app", "x", "");
	ref_ok("Registry/app", "Registry", "app", "", "");
	ref_ok("reg.example/a__b/c-d.e@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00",
	       "reg.example", "a__b/c-d.e", "", d);
	ref_bad("");
	ref_bad("UPPER");
	ref_bad("reg.example/a/");
	ref_bad("reg.example/a_-b");
	ref_bad("app@sha256:abc");
	ref_bad("app@sha512:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00");
	ref_bad("app:.bad");
	ref_bad("reg:99999999/app");
	ref_bad("-reg.example/app");
	supply_ref_parse("reg.example/app@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00",
			 &(struct supply_ref){ 0 }, &(const char *){ NULL });
	{
		struct supply_ref r;
		const char *why;

		assert_int_equal(supply_ref_parse("app:v2", &r, &why), 0);
		supply_ref_string(&r, buf, sizeof(buf));
		assert_string_equal(buf, "docker.io/library/app:v2");
	}
}

static void test_payload(void **state)
{
	static const char d[] =
		"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
	struct supply_payload p;
	char why[300], *s = supply_payload_build("reg.example/app", d);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "{\"critical\":{\"identity\":{\"docker-reference\":\"reg.example/app\"},"
			       "\"image\":{\"docker-manifest-digest\":\"sha256:634a8f35b5f16dcf4aaa0822"
			       "adc0b1964bb786fca12f6831de8ddc45e5986a00\"},\"type\":\"cosign container "
			       "image signature\"},\"optional\":null}");
	assert_int_equal(supply_payload_parse(s, strlen(s), &p, why, sizeof(why)), 0);
	assert_string_equal(p.reference, "reg.example/app");
	assert_string_equal(p.digest, d);
	free(s);
	/* A key twice: two verifiers could read different digests. */
	s = "{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-"
	    "digest\":\"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00\","
	    "\"docker-manifest-digest\":\"sha256:0000000000000000000000000000000000000000000000000000"
	    "000000000000\"},\"type\":\"cosign container image signature\"},\"optional\":null}";
	assert_int_equal(supply_payload_parse(s, strlen(s), &p, why, sizeof(why)), -EINVAL);
	/* An extra key in critical. */
	s = "{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-"
	    "digest\":\"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00\"},"
	    "\"type\":\"cosign container image signature\",\"x\":1},\"optional\":null}";
	assert_int_equal(supply_payload_parse(s, strlen(s), &p, why, sizeof(why)), -EINVAL);
	/* Another type. */
	s = "{\"critical\":{\"identity\":{\"docker-reference\":\"a\"},\"image\":{\"docker-manifest-"
	    "digest\":\"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00\"},"
	    "\"type\":\"atomic container signature\"},\"optional\":null}";
	assert_int_equal(supply_payload_parse(s, strlen(s), &p, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "critical.type"));
}

static void test_keys(void **state)
{
	struct supply_key *priv = NULL, *pub = NULL, *other = NULL;
	char *priv_pem, *pub_pem, *o_priv, *o_pub, *sig, err[300];
	const char *msg = "payload";

	(void)state;
	assert_int_equal(supply_keygen((const unsigned char *)"pw", 2, &priv_pem, &pub_pem, err,
				       sizeof(err)), 0);
	assert_non_null(strstr(priv_pem, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
	assert_non_null(strstr(pub_pem, "-----BEGIN PUBLIC KEY-----"));
	assert_int_equal(supply_key_load_private(priv_pem, strlen(priv_pem),
						 (const unsigned char *)"bad", 3, "k", &priv, err,
						 sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "wrong passphrase"));
	assert_int_equal(supply_key_load_private(priv_pem, strlen(priv_pem),
						 (const unsigned char *)"pw", 2, "k", &priv, err,
						 sizeof(err)), 0);
	assert_int_equal(supply_key_load_public(pub_pem, strlen(pub_pem), "k.pub", &pub, err,
						sizeof(err)), 0);
	assert_int_equal(supply_sign_blob(priv, msg, strlen(msg), &sig, err, sizeof(err)), 0);
	assert_int_equal(supply_verify_blob(pub, msg, strlen(msg), sig), 1);
	assert_int_equal(supply_verify_blob(pub, "payloaD", 7, sig), 0);
	assert_int_equal(supply_verify_blob(pub, msg, strlen(msg), "not base64!"), -EINVAL);
	/* Another key does not verify it; a public key cannot sign. */
	assert_int_equal(supply_keygen((const unsigned char *)"", 0, &o_priv, &o_pub, err,
				       sizeof(err)), 0);
	assert_int_equal(supply_key_load_public(o_pub, strlen(o_pub), "o", &other, err, sizeof(err)), 0);
	assert_int_equal(supply_verify_blob(other, msg, strlen(msg), sig), 0);
	free(sig);
	assert_int_equal(supply_sign_blob(pub, msg, strlen(msg), &sig, err, sizeof(err)), -EINVAL);
	/* A private key PEM is not a public key, and the reverse. */
	supply_key_free(pub);
	assert_int_equal(supply_key_load_public(priv_pem, strlen(priv_pem), "x", &pub, err,
						sizeof(err)), -EINVAL);
	assert_null(pub);
	assert_int_equal(supply_key_load_private(o_pub, strlen(o_pub), (const unsigned char *)"", 0,
						 "x", &pub, err, sizeof(err)), -EINVAL);
	supply_key_free(priv);
	supply_key_free(other);
	free(priv_pem);
	free(pub_pem);
	free(o_priv);
	free(o_pub);
}

/* The envelope of pem with its scrypt N replaced: refused before deriving. */
static void test_key_params(void **state)
{
	static const char env[] =
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1073741824,\"r\":8,\"p\":1},\"salt\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"},\"cipher\":{\"name\":\"nacl/secretbox\","
		"\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"},\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
	char *b64 = sup_b64_encode(env, strlen(env)), pem[2048], err[300];
	struct supply_key *k = NULL;
	size_t n = 0, len = strlen(b64);

	(void)state;
	n += (size_t)snprintf(pem, sizeof(pem), "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n");
	for (size_t i = 0; i < len; i += 64)
		n += (size_t)snprintf(pem + n, sizeof(pem) - n, "%.64s\n", b64 + i);
	snprintf(pem + n, sizeof(pem) - n, "-----END ENCRYPTED COSIGN PRIVATE KEY-----\n");
	assert_int_equal(supply_key_load_private(pem, strlen(pem), (const unsigned char *)"", 0, "k",
						 &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unsupported scrypt parameters"));
	free(b64);
}

static void test_manifests(void **state)
{
	static const char list[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":[{\"mediaType\":\""
		MT_OCI_MANIFEST "\",\"size\":10,\"digest\":\"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb78"
		"6fca12f6831de8ddc45e5986a00\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
		"\"variant\":\"v8\"}}]}";
	static const char both[] = "{\"schemaVersion\":2,\"layers\":[],\"manifests\":[]}";
	static const char v1[] = "{\"schemaVersion\":1,\"name\":\"x\"}";
	struct sup_manifest m;
	char why[300], *man, *cfg;

	(void)state;
	assert_int_equal(sup_manifest_parse(list, strlen(list), MT_OCI_INDEX, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, SUP_INDEX);
	assert_non_null(sup_index_find(&m, "linux/arm64"));
	assert_null(sup_index_find(&m, "linux/amd64"));
	sup_manifest_release(&m);
	/* Served as a manifest, says it is a list. */
	assert_int_equal(sup_manifest_parse(list, strlen(list), MT_OCI_MANIFEST, &m, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "served as"));
	assert_int_equal(sup_manifest_parse(both, strlen(both), "", &m, why, sizeof(why)), -EINVAL);
	assert_int_equal(sup_manifest_parse(v1, strlen(v1), "", &m, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "schema 1"));
	/* A signature manifest round trip: built, parsed, extended. */
	assert_int_equal(sup_sigmanifest_build(NULL, "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fc"
						     "a12f6831de8ddc45e5986a00", 5, "c2ln", &man, &cfg), 0);
	assert_int_equal(sup_manifest_parse(man, strlen(man), MT_OCI_MANIFEST, &m, why, sizeof(why)), 0);
	assert_int_equal(m.n_entries, 1);
	assert_string_equal(m.entries[0].signature, "c2ln");
	assert_string_equal(m.entries[0].media_type, MT_SIMPLESIGNING);
	free(man);
	free(cfg);
	assert_int_equal(sup_sigmanifest_build(&m, "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca1"
						   "2f6831de8ddc45e5986a00", 5, "c2ln", &man, &cfg), 0);
	sup_manifest_release(&m);
	assert_int_equal(sup_manifest_parse(man, strlen(man), "", &m, why, sizeof(why)), 0);
	assert_int_equal(m.n_entries, 1); /* the same signature is not added twice */
	sup_manifest_release(&m);
	free(man);
	free(cfg);
}

static void test_challenges(void **state)
{
	struct reg_challenge c;
	char *tok;

	(void)state;
	assert_int_equal(reg_challenge_parse("Bearer realm=\"https://auth.example/token\","
					     "service=\"registry.example\",scope=\"repository:a/b:pull\"",
					     &c), 0);
	assert_string_equal(c.scheme, "bearer");
	assert_string_equal(c.realm, "https://auth.example/token");
	assert_string_equal(c.service, "registry.example");
	assert_string_equal(c.scope, "repository:a/b:pull");
	assert_int_equal(reg_challenge_parse("Basic realm=\"Registry Realm\"", &c), 0);
	assert_string_equal(c.scheme, "basic");
	assert_int_equal(reg_challenge_parse("Bearer realm=\"unterminated", &c), -EINVAL);
	assert_int_equal(reg_challenge_parse("", &c), -EINVAL);
	const char *t1 = "{\"access_token\":\"abc\"}", *t2 = "{\"token\":\"a\\r\\nX-Evil: 1\"}";

	assert_int_equal(reg_token_parse(t1, strlen(t1), &tok), 0);
	assert_string_equal(tok, "abc");
	free(tok);
	assert_int_equal(reg_token_parse(t2, strlen(t2), &tok), -EINVAL);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 16);

	assert_non_null(f);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A signature file of containers/image's dir: layout ("\0sigstore-json\n" +
 * JSON): the payload and the annotation cosign wrote. */
static void cosign_fixture(const char *name, char **payload, size_t *plen, char **sig)
{
	char path[512];
	size_t len;
	char *raw, *p;
	const char *a;

	snprintf(path, sizeof(path), FIXTURES "/%s/signature-1", name);
	raw = slurp(path, &len);
	p = strstr(raw + 1, "\"payload\":\"") + 11;
	*strchr(p, '"') = '\0';
	assert_int_equal(sup_b64_decode(p, strlen(p), (unsigned char **)payload, plen), 0);
	a = strstr(p + strlen(p) + 1, COSIGN_SIG_ANNOTATION "\":\"") + strlen(COSIGN_SIG_ANNOTATION) + 3;
	*sig = strndup(a, strcspn(a, "\""));
	free(raw);
}

/* Real cosign output: the signature verifies with cosign.pub; whether the
 * payload names the fixture's manifest digest is `names_manifest`. */
static void check_fixture(const struct supply_key *key, const char *name, bool names_manifest)
{
	struct supply_payload p;
	char *payload, *sig, *manifest, path[512], digest[72], why[300];
	size_t plen, mlen;

	cosign_fixture(name, &payload, &plen, &sig);
	assert_int_equal(supply_verify_blob(key, payload, plen, sig), 1);
	assert_int_equal(supply_payload_parse(payload, plen, &p, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), FIXTURES "/%s/manifest.json", name);
	manifest = slurp(path, &mlen);
	sup_digest(manifest, mlen, digest);
	assert_int_equal(!strcmp(p.digest, digest), names_manifest);
	/* One changed byte of the payload. */
	payload[10] ^= 1;
	assert_int_equal(supply_verify_blob(key, payload, plen, sig), 0);
	free(payload);
	free(sig);
	free(manifest);
}

static void test_cosign_fixtures(void **state)
{
	struct supply_key *key;
	char *pem, err[300];
	size_t len;

	(void)state;
	if (access(FIXTURES "/cosign.pub", R_OK)) {
		printf("skip - cosign's fixtures are not installed (apt-get install "
		       "golang-github-containers-image-dev)\n");
		skip();
	}
	pem = slurp(FIXTURES "/cosign.pub", &len);
	assert_int_equal(supply_key_load_public(pem, len, "cosign.pub", &key, err, sizeof(err)), 0);
	check_fixture(key, "dir-img-cosign-valid", true);
	/* Signed by cosign for another digest than the manifest's. */
	check_fixture(key, "dir-img-cosign-manifest-digest-error", false);
	supply_key_free(key);
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_params),
		cmocka_unit_test(test_manifests),
		cmocka_unit_test(test_challenges),
		cmocka_unit_test(test_cosign_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
