/*
 * authz/: requests decoded as dockerd decodes them (Go's encoding/json, its
 * router's path handling), the fail-closed refusals, and the baseline
 * policy judged by the rules engine on decoded requests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "authz/internal.h"

static struct authz_req *decode(const char *method, const char *uri, const char *body)
{
	char env[8192], b64[6000] = "", why[300];
	struct authz_req *r = NULL;

	if (body)
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)body, strlen(body),
				  sodium_base64_VARIANT_ORIGINAL);
	snprintf(env, sizeof(env), "{\"RequestMethod\":\"%s\",\"RequestUri\":\"%s\"%s%s%s}", method,
		 uri, body ? ",\"RequestBody\":\"" : "", b64, body ? "\"" : "");
	assert_int_equal(authz_req_decode(env, strlen(env), false, &r, why, sizeof(why)), 0);
	return r;
}

static const struct docker_event *ev(struct authz_req *r)
{
	return authz_req_event(r);
}

static void test_uri(void **state)
{
	struct az_arena a = { 0 };
	const char *p, *v, *q;

	(void)state;
	assert_int_equal(az_normalise_uri("/v1.41/containers/%63reate?name=x", &a, &p, &v, &q), 0);
	assert_string_equal(p, "/containers/create");
	assert_string_equal(v, "1.41");
	assert_string_equal(q, "name=x");
	assert_int_equal(az_normalise_uri("http://docker/v1.41//containers/./x/../create", &a, &p,
					  &v, &q), 0);
	assert_string_equal(p, "/containers/create");
	assert_int_equal(az_normalise_uri("/containers%2fcreate", &a, &p, &v, &q), 0);
	assert_string_equal(p, "/containers/create");
	assert_int_equal(az_normalise_uri("/v1.41", &a, &p, &v, &q), 0);
	assert_string_equal(p, "/");
	assert_int_equal(az_normalise_uri("/containers/%zzcreate", &a, &p, &v, &q), -EINVAL);
	assert_int_equal(az_normalise_uri("/containers/a%00b", &a, &p, &v, &q), -EINVAL);
	assert_int_equal(az_normalise_uri("containers/create", &a, &p, &v, &q), -EINVAL);
	az_arena_release(&a);
}

static void test_classify(void **state)
{
	struct az_arena a = { 0 };
	const char *t;

	(void)state;
	assert_string_equal(az_classify("POST", "/containers/create", &t, &a), "container_create");
	assert_string_equal(az_classify("POST", "/containers/abc/start", &t, &a), "container_start");
	assert_string_equal(t, "abc");
	assert_string_equal(az_classify("POST", "/containers/a/b/start", &t, &a), "other");
	assert_string_equal(az_classify("POST", "/images/reg:5000/a/b/push", &t, &a), "image_push");
	assert_string_equal(t, "reg:5000/a/b");
	assert_string_equal(az_classify("GET", "/containers/create", &t, &a), "other");
	az_arena_release(&a);
}

/* Go's encoding/json, as dockerd decodes a create. */
static void test_go_semantics(void **state)
{
	struct authz_req *r;

	(void)state;
	/* A key again, in another case: the last one wins. */
	r = decode("POST", "/containers/create",
		   "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}");
	assert_true(ev(r)->privileged);
	authz_req_free(r);
	/* Objects merge: an earlier HostConfig's CapAdd survives a later HostConfig. */
	r = decode("POST", "/containers/create",
		   "{\"HostConfig\":{\"CapAdd\":[\"sys_admin\"]},\"HOSTCONFIG\":{\"ReadonlyRootfs\":true}}");
	assert_int_equal(ev(r)->cap_add.n, 1);
	assert_string_equal(ev(r)->cap_add.v[0], "CAP_SYS_ADMIN");
	assert_true(ev(r)->readonly_rootfs);
	authz_req_free(r);
	/* null: a scalar unchanged, an object cleared. */
	r = decode("POST", "/containers/create",
		   "{\"HostConfig\":{\"Privileged\":true,\"Privileged\":null}}");
	assert_true(ev(r)->privileged);
	authz_req_free(r);
	r = decode("POST", "/containers/create",
		   "{\"HostConfig\":{\"Privileged\":true},\"HostConfig\":null}");
	assert_false(ev(r)->privileged);
	authz_req_free(r);
	/* The Kelvin sign and the long s fold to k and s; escapes decode. */
	r = decode("POST", "/containers/create",
		   "{\"HostConfig\":{\"Bind\xc5\xbf\":[\"/var/run/docker.sock:/s\"],"
		   "\"\\u0050rivileged\":true,\"CapAdd\":\"NET_ADMIN\"}}");
	assert_true(ev(r)->privileged);
	assert_string_equal(ev(r)->binds.v[0], "/var/run/docker.sock");
	assert_string_equal(ev(r)->cap_add.v[0], "CAP_NET_ADMIN");
	authz_req_free(r);
	r = decode("POST", "/containers/create",
		   "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/run/../run/docker.sock\"},"
		   "{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":{\"Options\":"
		   "{\"o\":\"bind\",\"device\":\"/etc\"}}}}],\"SecurityOpt\":[\"seccomp:unconfined\"],"
		   "\"Capabilities\":[\"CAP_BPF\"]}}");
	assert_int_equal(ev(r)->binds.n, 2);
	assert_string_equal(ev(r)->binds.v[0], "/run/docker.sock");
	assert_string_equal(ev(r)->binds.v[1], "/etc");
	assert_string_equal(ev(r)->security_opt.v[0], "seccomp=unconfined");
	assert_string_equal(ev(r)->cap_add.v[0], "CAP_BPF");
	authz_req_free(r);
}

static void refused(const char *method, const char *uri, const char *body, const char *why)
{
	struct authz_req *r = decode(method, uri, body);

	assert_non_null(authz_req_refusal(r));
	assert_non_null(strstr(authz_req_refusal(r), why));
	authz_req_free(r);
}

static void test_refusals(void **state)
{
	char big[300];

	(void)state;
	refused("POST", "/v1.41/containers/create", NULL, "was not passed to the plugin");
	refused("POST", "/v1.41/containers/%63reate", NULL, "was not passed to the plugin");
	refused("POST", "/v1.23/containers/x/start", NULL, "was not passed to the plugin");
	refused("POST", "/containers/x/exec", NULL, "was not passed to the plugin");
	refused("POST", "/containers/create", "{\"HostConfig\":{\"Privileged\":1}}", "Privileged");
	refused("POST", "/containers/create", "{\"Image\":\"x\"} {\"HostConfig\":{}}", "after the JSON");
	refused("POST", "/containers/create", "{\"Image\":\"x\"", "expected");
	refused("POST", "/containers/%zzcreate", "{}", "does not decode");
	refused("POST", "/containers/create?a=1;b=2", "{}", "query string");
	/* nesting bounded */
	memset(big, '[', sizeof(big));
	big[0] = '{';
	memcpy(big + 1, "\"Env\":", 6);
	big[sizeof(big) - 1] = '\0';
	refused("POST", "/containers/create", big, "");
	/* A start today (API >= 1.24) has no body: nothing to refuse. */
	{
		struct authz_req *r = decode("POST", "/v1.41/containers/x/start", NULL);

		assert_null(authz_req_refusal(r));
		assert_string_equal(ev(r)->op, "container_start");
		authz_req_free(r);
	}
}


static void judge(struct az_policy *p, const char *method, const char *uri, const char *body,
		  struct az_verdict *v)
{
	struct authz_req *r = decode(method, uri, body);

	assert_null(authz_req_refusal(r));
	assert_int_equal(az_policy_judge(p, &r->event, v), 0);
	authz_req_free(r);
}

static void test_baseline(void **state)
{
	struct az_policy p = { .cfg = { .baseline = true }, .mu = PTHREAD_MUTEX_INITIALIZER };
	struct az_verdict v;

	(void)state;
	assert_int_equal(az_policy_load(&p, stderr), 0);
	judge(&p, "POST", "/v1.41/containers/create",
	      "{\"Image\":\"busybox\",\"HostConfig\":{\"CapAdd\":[\"CHOWN\"],\"Binds\":[\"/srv:/srv\"]}}",
	      &v);
	assert_true(v.allow);
	judge(&p, "POST", "/v1.41/containers/create", "{\"HostConfig\":{\"PidMode\":\"host\"}}", &v);
	assert_false(v.allow);
	assert_non_null(strstr(v.msg, "Host namespace refused"));
	judge(&p, "POST", "/containers/x/exec", "{\"Privileged\":true,\"Cmd\":[\"sh\"]}", &v);
	assert_false(v.allow);
	judge(&p, "POST", "/containers/create", "{\"HostConfig\":{\"Binds\":[\"/:/host\"]}}", &v);
	assert_false(v.allow);
	judge(&p, "POST", "/containers/create", "{\"HostConfig\":{\"Binds\":[\"/proc/1/root:/h\"]}}", &v);
	assert_false(v.allow);
	judge(&p, "POST", "/containers/create", "{\"HostConfig\":{\"CapAdd\":\"ALL\"}}", &v);
	assert_false(v.allow);
	judge(&p, "POST", "/containers/create",
	      "{\"HostConfig\":{\"SecurityOpt\":[\"apparmor=unconfined\"]}}", &v);
	assert_false(v.allow);
	/* A reload swaps in a whole new generation. */
	assert_int_equal(az_policy_load(&p, stderr), 0);
	assert_int_equal(p.generation, 2);
	judge(&p, "GET", "/v1.41/containers/json", NULL, &v);
	assert_true(v.allow);
	az_policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_go_semantics),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
