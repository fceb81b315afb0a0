/*
 * The live host: one `GET /info`, the list of every container (running and
 * stopped) and image, then one inspect each, on a few connections in
 * parallel (each worker thread has its own client: dockerd answers inspects
 * concurrently, which is what makes 100 containers take a fraction of
 * `docker inspect`'s time). The daemon's files, the host's posture and the
 * processes named sshd are read from root.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"
#include "container/container.h"

#define TIMEOUT_MS 10000L
#define WORKERS_MAX 16

struct job {
	const struct audit_live_opts *o;
	char (*ids)[80];
	size_t n;
	atomic_size_t next;
	bool images; /* ids are images: fill imgs, else workloads */
	struct audit_workload *ws;
	struct audit_image *imgs;
	char (*errs)[256];
};

static int get(struct container_engine *e, const char *path, char **body, size_t *len,
	       char *err, size_t errlen)
{
	long status = 0;
	int ret = container_engine_get(e, path, TIMEOUT_MS, &status, body, len, err, errlen);

	if (ret)
		return ret;
	if (status != 200) {
		audit_fail(err, errlen, "GET %s: HTTP %ld: %.200s", path, status, *body);
		free(*body);
		*body = NULL;
		return status == 404 ? -ENOENT : -EPROTO;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct container_engine *e = NULL;
	char path[160], *body;
	size_t i, len;

	if (container_engine_open(j->o->socket, &e))
		return NULL;
	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		snprintf(path, sizeof(path), "/%s/%s/json", j->images ? "images" : "containers",
			 j->ids[i]);
		body = NULL;
		if (get(e, path, &body, &len, j->errs[i], sizeof(j->errs[i])) == 0) {
			if (j->images)
				audit_engine_parse_image(body, len, &j->imgs[i], j->errs[i],
							 sizeof(j->errs[i]));
			else
				audit_engine_parse_container(body, len, &j->ws[i], j->errs[i],
							     sizeof(j->errs[i]));
		}
		free(body);
	}
	container_engine_close(e);
	return NULL;
}

/* Runs the inspects of j on o->workers threads (signals stay with main). */
static void run_job(struct job *j)
{
	pthread_t th[WORKERS_MAX];
	unsigned n = j->o->workers ? j->o->workers : 4, i, started = 0;
	sigset_t all, old;

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	if (n > j->n)
		n = (unsigned)j->n;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[started], NULL, worker, j) == 0)
			started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started && j->n)
		worker(j);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* GET /containers/json?all=1 or /images/json: the "Id" of each entry. */
static int list_ids(struct container_engine *e, const char *path, char (**ids)[80], size_t *n,
		    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *x;
	char *body = NULL;
	size_t len, i;
	int ret;

	ret = get(e, path, &body, &len, err, errlen);
	if (ret)
		return ret;
	root = json_loadb(body, len, 0, &je);
	free(body);
	if (!json_is_array(root)) {
		json_decref(root);
		return audit_fail(err, errlen, "GET %s: not a JSON array", path);
	}
	*n = json_array_size(root) < AUDIT_WORKLOADS_MAX ? json_array_size(root)
							  : AUDIT_WORKLOADS_MAX;
	*ids = calloc(*n ? *n : 1, sizeof(**ids));
	if (!*ids) {
		json_decref(root);
		return -ENOMEM;
	}
	for (i = 0; i < *n; i++) {
		x = json_object_get(json_array_get(root, i), "Id");
		snprintf((*ids)[i], sizeof((*ids)[i]), "%s", json_is_string(x) ? json_string_value(x) : "");
	}
	json_decref(root);
	return 0;
}

static void note(struct audit_input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct audit_input *in, const char *fmt, ...)
{
	char buf[1024];
	bool oom = false;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	audit_strv_push(&in->notes, &in->n_notes, &oom, buf);
}

/* Inspects ids (containers or images); keeps what parsed, notes the rest. */
static int inspect_all(const struct audit_live_opts *o, char (*ids)[80], size_t n, bool images,
		       struct audit_input *in)
{
	struct job j = { .o = o, .ids = ids, .n = n, .images = images };
	size_t i, *count = images ? &in->n_images : &in->n_workloads;

	atomic_init(&j.next, 0);
	j.errs = calloc(n ? n : 1, sizeof(*j.errs));
	if (images)
		in->images = j.imgs = calloc(n ? n : 1, sizeof(*j.imgs));
	else
		in->workloads = j.ws = calloc(n ? n : 1, sizeof(*j.ws));
	if (!j.errs || (images ? !j.imgs : !j.ws)) {
		free(j.errs);
		return -ENOMEM;
	}
	run_job(&j);
	for (i = 0; i < n; i++) {
		bool ok = images ? j.imgs[i].id != NULL : j.ws[i].id != NULL;

		if (!ok) {
			/* removed between the list and the inspect: not an error */
			if (!strstr(j.errs[i], "HTTP 404"))
				note(in, "%s %.12s not audited: %s", images ? "image" : "container",
				     ids[i], j.errs[i][0] ? j.errs[i] : "no answer");
			continue;
		}
		if (*count != i) {
			if (images)
				j.imgs[*count] = j.imgs[i];
			else
				j.ws[*count] = j.ws[i];
		}
		(*count)++;
	}
	free(j.errs);
	return 0;
}

/* Environment variables the container only inherited from its image are
 * the image's finding (4.10), not the container's. */
static void mark_image_env(struct audit_input *in)
{
	size_t i, k, m;

	for (i = 0; i < in->n_workloads; i++) {
		struct audit_workload *w = &in->workloads[i];

		for (k = 0; k < in->n_images; k++) {
			const struct audit_image *img = &in->images[k];

			if (strcmp(img->id, w->image_id) != 0)
				continue;
			for (m = 0; m < w->n_env; m++) {
				size_t e;

				for (e = 0; e < img->n_env; e++)
					if (strcmp(w->env[m].name, img->env[e].name) == 0 &&
					    strcmp(w->env[m].value, img->env[e].value) == 0)
						w->env[m].from_image = true;
			}
		}
	}
}

/* Processes named sshd, attributed to containers by their cgroup. */
static void find_sshd(const char *root, struct audit_input *in)
{
	char path[512], *text = NULL, id[CONTAINER_ID_LEN + 1];
	struct dirent *de;
	size_t len, i;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", root);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/comm", root, de->d_name);
		if (audit_read_file(path, 64, &text, &len))
			continue;
		if (strcmp(text, "sshd\n") == 0) {
			free(text);
			snprintf(path, sizeof(path), "%s/proc/%s/cgroup", root, de->d_name);
			if (audit_read_file(path, 65536, &text, &len))
				continue;
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
				char *p = strchr(line, ':');

				p = p ? strchr(p + 1, ':') : NULL;
				if (!p || container_parse_cgroup_path(p + 1, id) == RUNTIME_NONE)
					continue;
				for (i = 0; i < in->n_workloads; i++)
					if (strcmp(in->workloads[i].id, id) == 0)
						in->workloads[i].sshd_pid = atoi(de->d_name);
				break;
			}
		}
		free(text);
		text = NULL;
	}
	if (d)
		closedir(d);
}

static int collect_daemon(const struct audit_live_opts *o, struct container_engine *e,
			  struct audit_input *in, char *err, size_t errlen)
{
	char *body = NULL;
	size_t len;
	int ret;

	in->daemon = calloc(1, sizeof(*in->daemon));
	if (!in->daemon)
		return -ENOMEM;
	ret = get(e, "/info", &body, &len, err, errlen);
	if (!ret)
		ret = audit_engine_parse_info(body, len, in->daemon, err, errlen);
	free(body);
	if (ret)
		return ret;
	ret = audit_daemon_collect_local(o->root, o->socket, in->daemon);
	if (!ret && in->daemon->config_error[0])
		note(in, "daemon configuration not read: %s", in->daemon->config_error);
	return ret;
}

static int collect_images(const struct audit_live_opts *o, struct container_engine *e,
			  struct audit_input *in, char *err, size_t errlen)
{
	char (*ids)[80] = NULL;
	size_t n = 0, i;
	int ret;

	ret = list_ids(e, "/images/json", &ids, &n, err, errlen);
	if (!ret)
		ret = inspect_all(o, ids, n, true, in);
	free(ids);
	for (i = 0; !ret && o->scan_layers && i < in->n_images; i++) {
		struct audit_image *img = &in->images[i];

		ret = audit_image_scan_setuid(img, o->socket);
		if (!ret && img->layers == AUDIT_LAYERS_NOT_SCANNED)
			note(in, "image %s: setuid/setgid files not checked (4.8): %s", img->name,
			     img->layers_why);
		else if (!ret && img->layers == AUDIT_LAYERS_TRUNCATED)
			note(in, "image %s: more than %u files, setuid/setgid search stopped there",
			     img->name, AUDIT_LAYER_ENTRIES_MAX);
	}
	return ret;
}

static int collect_containers(const struct audit_live_opts *o, struct container_engine *e,
			      struct audit_input *in, char *err, size_t errlen)
{
	char (*ids)[80] = NULL;
	size_t n = 1;
	int ret = 0;

	if (o->only) {
		ids = calloc(1, sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		snprintf(ids[0], sizeof(ids[0]), "%s", o->only);
	} else {
		ret = list_ids(e, "/containers/json?all=1", &ids, &n, err, errlen);
	}
	if (!ret)
		ret = inspect_all(o, ids, n, false, in);
	if (!ret && o->only && !in->n_workloads)
		ret = audit_fail(err, errlen, "no container named %s", o->only);
	free(ids);
	if (!ret)
		find_sshd(o->root, in);
	return ret;
}

int audit_collect_live(const struct audit_live_opts *o, struct audit_input *in, char *err,
		       size_t errlen)
{
	struct container_engine *e = NULL;
	int ret;

	memset(in, 0, sizeof(*in));
	in->live = true;
	ret = container_engine_open(o->socket, &e);
	if (!ret)
		ret = collect_daemon(o, e, in, err, errlen);
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		audit_fail(err, errlen, "cannot reach the Docker daemon at %s (is dockerd running, "
					"may this user open the socket?)",
			   o->socket);
	if (!ret && o->host) {
		in->host = calloc(1, sizeof(*in->host));
		ret = in->host ? audit_host_collect(o->root, in->daemon->root_dir, in->host) : -ENOMEM;
	}
	if (!ret && (o->images || o->containers))
		ret = collect_images(o, e, in, err, errlen);
	if (!ret && o->containers)
		ret = collect_containers(o, e, in, err, errlen);
	if (!ret)
		mark_image_env(in);
	if (!ret && !o->daemon)
		in->daemon->reachable = false; /* read for the container checks, not audited */
	if (!ret && !o->images) {
		size_t i;

		for (i = 0; i < in->n_images; i++)
			audit_image_release(&in->images[i]);
		in->n_images = 0;
	}
	container_engine_close(e);
	if (ret)
		audit_input_release(in);
	return ret;
}
