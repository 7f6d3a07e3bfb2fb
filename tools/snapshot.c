// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope snapshot save FILE, mmscope diff A B: every view at once, and
 * what changed between two of them.
 *
 * A snapshot runs the subcommands in-process with their JSON kept
 * (json_capture), so it holds exactly the documents `mmscope --json CMD`
 * prints, under "views": info, ps, zones, buddy, lru, slab, and vmas per
 * process.  A view the module cannot give (slab without a layout) or a
 * process that exits while its VMAs are read is named under "errors".  The
 * file is written to FILE.tmp and renamed, so a reader never sees half.
 *
 * diff pairs records by what names them across time: a slab cache by name
 * and object size, a process by pid and start time, a VMA by its start and
 * path within its process, a zone by node and name, a free list by zone,
 * order and migratetype, an lruvec by cgroup id and node.  It leaves out
 * changes the kernel's own counters may show without anything happening
 * (their per-CPU drift; --all shows everything) and says each threshold:
 *   zone counters   stat_threshold x CPUs pages (vmstat's per-CPU deltas);
 *   free lists      pcp_high x CPUs pages, in blocks of the order (pages
 *                   moving between the buddy and the per-CPU lists);
 *   lru             64 x CPUs pages (MEMCG_CHARGE_BATCH: memcg statistics
 *                   not yet flushed);
 *   slab            (1 + P) x objs_per_slab x CPUs objects: each CPU's own
 *                   slab and its P partial slabs, which slabinfo counts as
 *                   active (P = 2 x cpu_partial / objs_per_slab, rounded up,
 *                   SLUB's own rule; cpu_partial from /sys/kernel/slab, kept
 *                   in the snapshot; 2 when it cannot be read);
 *   processes, VMAs 0: the page tables were walked, nothing is a counter.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mmscope.h"

#define PAGE	4096ULL

/* json-c's last error, without its newline. */
static const char *json_err(void)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s", json_util_get_last_err() ?: "?");
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* ---- snapshot ------------------------------------------------------------ */

/*
 * Run one subcommand and return its JSON document, or NULL with the reason
 * in @errors under @name.
 */
static json_object *run_view(const char *name, int (*fn)(int, char **), char **argv,
			     json_object *errors)
{
	jmp_buf jb;
	volatile int argc = 0;
	int code;

	while (argv[argc])
		argc++;
	opt_json = 1;
	json_capture = 1;
	json_captured = NULL;
	die_jump = &jb;
	code = setjmp(jb);
	if (!code) {
		optind = 0;	/* glibc: start getopt afresh */
		code = fn(argc, argv);
	}
	die_jump = NULL;
	json_capture = 0;
	opt_json = 0;
	dev_close_opened();
	if (code != EX_OK || !json_captured) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "exit_status", json_object_new_int(code));
		json_object_object_add(e, "message", json_object_new_string(die_msg));
		json_object_object_add(errors, name, e);
		json_object_put(json_captured);
		json_captured = NULL;
		/* a missing module or permission ends the snapshot: nothing would work */
		if (code == EX_NOMODULE || code == EX_PERM)
			die(code, "%s", die_msg);
		return NULL;
	}
	return json_captured;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* /sys/kernel/slab/NAME/cpu_partial of each cache of @slab: objects. */
static json_object *cpu_partial(json_object *slab)
{
	json_object *caches = json_object_object_get(slab, "caches"), *o = json_object_new_object();
	char path[256], buf[32];
	size_t i;

	for (i = 0; i < json_object_array_length(caches); i++) {
		const char *name = json_object_get_string(json_object_object_get(
				json_object_array_get_idx(caches, i), "name"));

		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/cpu_partial", name);
		read_line(path, buf, sizeof(buf));
		if (buf[0])
			json_object_object_add(o, name, json_object_new_int64(atoll(buf)));
	}
	return o;
}

static void snapshot_save(const char *file)
{
	struct progress pr = { .t0 = now_s() };
	json_object *doc, *views, *vmas, *vmas_err, *errors, *ps, *procs;
	char boot_id[64], tmp[4096], pidbuf[16];
	size_t i, n;
	struct {
		const char *name;
		int (*fn)(int, char **);
		char *argv[4];
	} const list[] = {
		{ "info", cmd_info, { "info" } },
		{ "ps", cmd_ps, { "ps", "--sort", "pid" } },
		{ "zones", cmd_zones, { "zones" } },
		{ "buddy", cmd_buddy, { "buddy" } },
		{ "lru", cmd_lru, { "lru" } },
		{ "slab", cmd_slab, { "slab", "--sort", "name" } },
	};

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		die(EX_USAGE, "snapshot save: '%s': the name is too long", file);
	doc = json_doc("snapshot");
	read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	json_object_object_add(doc, "boot_id", json_object_new_string(boot_id));
	json_put(doc, "cpus", sysconf(_SC_NPROCESSORS_CONF));
	json_put(doc, "clock_ticks", sysconf(_SC_CLK_TCK));
	json_put(doc, "page_size", PAGE);
	views = json_object_new_object();
	errors = json_object_new_object();
	for (i = 0; i < ARRAY_SIZE(list); i++) {
		json_object *v = run_view(list[i].name, list[i].fn, (char **)list[i].argv, errors);

		if (!v && (!strcmp(list[i].name, "info") || !strcmp(list[i].name, "ps")))
			die(EX_FAIL, "snapshot: %s: %s", list[i].name, die_msg);
		json_object_object_add(views, list[i].name, v);
		progress(&pr, "snapshot", i, ARRAY_SIZE(list) + 1);
	}
	/* The VMAs of every process ps found. */
	vmas = json_object_new_object();
	vmas_err = json_object_new_object();
	ps = json_object_object_get(views, "ps");
	procs = json_object_object_get(ps, "processes");
	n = json_object_array_length(procs);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i), *v;
		char *argv[] = { "vmas", pidbuf, NULL };

		snprintf(pidbuf, sizeof(pidbuf), "%d",
			 json_object_get_int(json_object_object_get(p, "pid")));
		progress(&pr, "snapshot: vmas", i, n);
		/* a process that exited since ps is named in errors.vmas */
		v = run_view(pidbuf, cmd_vmas, argv, vmas_err);
		if (v)
			json_object_object_add(vmas, pidbuf, v);
	}
	progress_end(&pr);
	json_object_object_add(doc, "slab_cpu_partial",
			       cpu_partial(json_object_object_get(views, "slab")));
	if (json_object_object_length(vmas_err))
		json_object_object_add(errors, "vmas", vmas_err);
	else
		json_object_put(vmas_err);
	json_object_object_add(views, "vmas", vmas);
	json_object_object_add(doc, "views", views);
	json_object_object_add(doc, "errors", errors);
	if (json_object_to_file_ext(tmp, doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
		die(EX_FAIL, "snapshot save: %s", json_err());
	if (rename(tmp, file)) {
		int err = errno;

		unlink(tmp);
		die(EX_FAIL, "snapshot save: %s: %s", file, strerror(err));
	}
	json_object_put(doc);
}

int cmd_snapshot(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: mmscope snapshot save FILE\n");
		return EX_OK;
	}
	if (argc != 3 || strcmp(argv[1], "save"))
		die(EX_USAGE, "snapshot: 'mmscope snapshot save FILE' (see 'mmscope snapshot --help')");
	if (opt_json)
		die(EX_USAGE, "snapshot save: the file is JSON already; --json does not apply");
	snapshot_save(argv[2]);
	return EX_OK;
}

/* ---- diff ---------------------------------------------------------------- */

static int diff_all;		/* --all: no threshold */
static uint64_t diff_cpus;	/* the larger CPU count of the two */
static json_object *out;	/* --json: the diff document */
static unsigned long nr_changes, nr_within;

static json_object *get(json_object *o, const char *key)
{
	return json_object_object_get(o, key);
}

static int64_t num(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static const char *str(json_object *o, const char *key)
{
	const char *s = json_object_get_string(get(o, key));

	return s ? s : "";
}

static json_object *load(const char *file)
{
	json_object *o = json_object_from_file(file);

	if (!o) {
		if (access(file, R_OK))
			die(EX_USAGE, "diff: %s: %s", file, strerror(errno));
		die(EX_USAGE, "diff: %s: not JSON (%s)", file, json_err());
	}
	if (strcmp(str(o, "command"), "snapshot") || !get(o, "views"))
		die(EX_USAGE, "diff: %s: not a snapshot of 'mmscope snapshot save'", file);
	if (num(o, "format") != JSON_FORMAT)
		die(EX_USAGE, "diff: %s: snapshot format %" PRId64 ", this mmscope reads %d",
		    file, num(o, "format"), JSON_FORMAT);
	return o;
}

/* Find the element of array @a whose @key1 (and @key2) equal @o's. */
static json_object *find(json_object *a, json_object *o, const char *key1, const char *key2)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_equal(get(e, key1), get(o, key1)))
			continue;
		if (key2 && !json_object_equal(get(e, key2), get(o, key2)))
			continue;
		return e;
	}
	return NULL;
}

static int64_t iabs(int64_t v)
{
	return v < 0 ? -v : v;
}

/* A new change object of --json, in its section's array: what and field set. */
static json_object *diff_entry(const char *section, const char *what, const char *field)
{
	json_object *c = json_object_new_object(), *arr = get(out, section);

	if (!arr) {
		arr = json_object_new_array();
		json_object_object_add(out, section, arr);
	}
	json_object_object_add(c, "what", json_object_new_string(what));
	json_object_object_add(c, "field", json_object_new_string(field));
	json_object_array_add(arr, c);
	return c;
}

/*
 * One figure of one record: @a and @b, @unit "bytes", "pages", "objects" or
 * "blocks", shown when it moved by more than @within (units of @unit).
 * Returns whether it was shown.
 */
static int change(const char *section, const char *what, const char *field, int64_t a,
		  int64_t b, const char *unit, int64_t within)
{
	int64_t d = b - a;

	if (!d)
		return 0;
	if (!diff_all && iabs(d) <= within) {
		nr_within++;
		return 0;
	}
	nr_changes++;
	if (out) {
		json_object *c = diff_entry(section, what, field);

		json_object_object_add(c, "unit", json_object_new_string(unit));
		json_object_object_add(c, "a", json_object_new_int64(a));
		json_object_object_add(c, "b", json_object_new_int64(b));
		json_object_object_add(c, "delta", json_object_new_int64(d));
		json_object_object_add(c, "threshold", json_object_new_int64(diff_all ? 0 : within));
		return 1;
	}
	if (!strcmp(unit, "bytes"))
		printf("%-10s %-40s %-22s %12" PRId64 " %12" PRId64 " %+12" PRId64 " kB\n",
		       section, what, field, a / 1024, b / 1024, d / 1024);
	else
		printf("%-10s %-40s %-22s %12" PRId64 " %12" PRId64 " %+12" PRId64 " %s\n",
		       section, what, field, a, b, d, unit);
	return 1;
}

/* A record only one side has; @bytes: its size or RSS (JSON "bytes"), -1: none. */
static void appeared(const char *section, const char *what, int gone, const char *detail,
		     int64_t bytes)
{
	nr_changes++;
	if (out) {
		json_object *c = diff_entry(section, what, gone ? "gone" : "new");

		json_object_object_add(c, "detail", json_object_new_string(detail));
		if (bytes >= 0)
			json_object_object_add(c, "rss", json_object_new_int64(bytes));
		return;
	}
	printf("%-10s %-40s %-22s %s\n", section, what, gone ? "gone" : "new", detail);
}

/* A cache's free objects the CPUs hold: each CPU's slab and partial slabs. */
static int64_t slab_within(json_object *cache, json_object *cpu_partial)
{
	int64_t per = num(cache, "objs_per_slab"), partial = 2;
	json_object *cp = get(cpu_partial, str(cache, "name"));

	if (per <= 0)
		return 0;
	if (cp)
		partial = (2 * json_object_get_int64(cp) + per - 1) / per;
	return (1 + partial) * per * diff_cpus;
}

static void diff_slab(json_object *va, json_object *vb, json_object *cpu_partial)
{
	json_object *a = get(get(va, "slab"), "caches"), *b = get(get(vb, "slab"), "caches");
	size_t i, n;
	char what[128];

	if (!a || !b)
		return;
	n = json_object_array_length(b);
	for (i = 0; i < n; i++) {
		json_object *cb = json_object_array_get_idx(b, i);
		json_object *ca = find(a, cb, "name", "objsize");
		int64_t within = slab_within(cb, cpu_partial);

		snprintf(what, sizeof(what), "%s/%" PRId64, str(cb, "name"), num(cb, "objsize"));
		if (!ca) {
			appeared("slab", what, 0, "a new cache", -1);
			continue;
		}
		change("slab", what, "num_objs", num(ca, "num_objs"), num(cb, "num_objs"),
		       "objects", within);
		change("slab", what, "active_objs", num(ca, "active_objs"), num(cb, "active_objs"),
		       "objects", within);
		change("slab", what, "bytes", num(ca, "bytes"), num(cb, "bytes"), "bytes",
		       within * num(cb, "objsize"));
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		json_object *ca = json_object_array_get_idx(a, i);

		if (!find(b, ca, "name", "objsize")) {
			snprintf(what, sizeof(what), "%s/%" PRId64, str(ca, "name"),
				 num(ca, "objsize"));
			appeared("slab", what, 1, "cache destroyed", -1);
		}
	}
}

static const char *const proc_fields[] = {
	"rss", "pss", "uss", "rss_anon", "rss_file", "rss_shmem", "swap", "page_tables",
};

static void diff_vmas(json_object *va, json_object *vb, int pid, const char *comm)
{
	char key[16], what[128], detail[160];
	json_object *a, *b;
	size_t i, n;

	snprintf(key, sizeof(key), "%d", pid);
	a = get(get(get(va, "vmas"), key), "vmas");
	b = get(get(get(vb, "vmas"), key), "vmas");
	if (!a || !b)
		return;
	n = json_object_array_length(b);
	for (i = 0; i < n; i++) {
		json_object *rb = json_object_array_get_idx(b, i), *ra = find(a, rb, "start", "path");
		const char *path = json_object_get_string(get(rb, "path"));

		snprintf(what, sizeof(what), "%d:%s %" PRIx64 " %s", pid, comm, num(rb, "start"),
			 path ? path : str(rb, "kind"));
		if (!ra) {
			snprintf(detail, sizeof(detail), "%" PRId64 " kB, rss %" PRId64 " kB",
				 (num(rb, "end") - num(rb, "start")) / 1024, num(rb, "rss") / 1024);
			appeared("vma", what, 0, detail, num(rb, "rss"));
			continue;
		}
		change("vma", what, "size", num(ra, "end") - num(ra, "start"),
		       num(rb, "end") - num(rb, "start"), "bytes", 0);
		change("vma", what, "rss", num(ra, "rss"), num(rb, "rss"), "bytes", 0);
		change("vma", what, "swap", num(ra, "swap"), num(rb, "swap"), "bytes", 0);
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(a, i);
		const char *path = json_object_get_string(get(ra, "path"));

		if (find(b, ra, "start", "path"))
			continue;
		snprintf(what, sizeof(what), "%d:%s %" PRIx64 " %s", pid, comm, num(ra, "start"),
			 path ? path : str(ra, "kind"));
		snprintf(detail, sizeof(detail), "%" PRId64 " kB, rss %" PRId64 " kB",
			 (num(ra, "end") - num(ra, "start")) / 1024, num(ra, "rss") / 1024);
		appeared("vma", what, 1, detail, num(ra, "rss"));
	}
}

static void diff_procs(json_object *va, json_object *vb)
{
	json_object *a = get(get(va, "ps"), "processes"), *b = get(get(vb, "ps"), "processes");
	char what[96], detail[96];
	size_t i, j, n;

	n = json_object_array_length(b);
	for (i = 0; i < n; i++) {
		json_object *pb = json_object_array_get_idx(b, i);
		json_object *pa = find(a, pb, "pid", "start_time");

		snprintf(what, sizeof(what), "%" PRId64 ":%s", num(pb, "pid"), str(pb, "comm"));
		if (!pa) {
			snprintf(detail, sizeof(detail), "rss %" PRId64 " kB", num(pb, "rss") / 1024);
			appeared("process", what, 0, detail, num(pb, "rss"));
			continue;
		}
		for (j = 0; j < ARRAY_SIZE(proc_fields); j++)
			change("process", what, proc_fields[j], num(pa, proc_fields[j]),
			       num(pb, proc_fields[j]), "bytes", 0);
		diff_vmas(va, vb, num(pb, "pid"), str(pb, "comm"));
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		json_object *pa = json_object_array_get_idx(a, i);

		if (find(b, pa, "pid", "start_time"))
			continue;
		snprintf(what, sizeof(what), "%" PRId64 ":%s", num(pa, "pid"), str(pa, "comm"));
		snprintf(detail, sizeof(detail), "rss %" PRId64 " kB", num(pa, "rss") / 1024);
		appeared("process", what, 1, detail, num(pa, "rss"));
	}
}

static void diff_zones(json_object *va, json_object *vb)
{
	json_object *a = get(get(va, "zones"), "zones"), *b = get(get(vb, "zones"), "zones");
	size_t i, n = json_object_array_length(b);
	char what[64];

	for (i = 0; i < n; i++) {
		json_object *zb = json_object_array_get_idx(b, i), *za = find(a, zb, "node", "zone");
		int64_t within = num(zb, "stat_threshold_pages") * diff_cpus * PAGE;

		if (!za)
			continue;
		snprintf(what, sizeof(what), "node%" PRId64 " %s", num(zb, "node"), str(zb, "zone"));
		change("zone", what, "managed", num(za, "managed"), num(zb, "managed"), "bytes", 0);
		json_object_object_foreach(get(zb, "stat"), key, val) {
			json_object *old = get(get(za, "stat"), key);

			if (old)
				change("zone", what, key, json_object_get_int64(old),
				       json_object_get_int64(val), "bytes", within);
		}
	}
}

static void diff_buddy(json_object *va, json_object *vb)
{
	json_object *a = get(get(va, "buddy"), "zones"), *b = get(get(vb, "buddy"), "zones");
	json_object *zones = get(get(vb, "zones"), "zones");
	size_t i, o, n = json_object_array_length(b);
	char what[96], field[32];

	for (i = 0; i < n; i++) {
		json_object *zb = json_object_array_get_idx(b, i), *za = find(a, zb, "node", "zone");
		json_object *zz = find(zones, zb, "node", "zone");
		int64_t pcp = zz ? num(zz, "pcp_high") / PAGE * diff_cpus : 0;

		if (!za)
			continue;
		snprintf(what, sizeof(what), "node%" PRId64 " %s", num(zb, "node"), str(zb, "zone"));
		json_object_object_foreach(get(zb, "free_lists"), mt, lb) {
			json_object *la = get(get(za, "free_lists"), mt);

			for (o = 0; la && o < json_object_array_length(lb); o++) {
				snprintf(field, sizeof(field), "%s order %zu", mt, o);
				change("buddy", what, field,
				       json_object_get_int64(json_object_array_get_idx(la, o)),
				       json_object_get_int64(json_object_array_get_idx(lb, o)),
				       "blocks", pcp >> o);
			}
		}
	}
}

static void diff_lru(json_object *va, json_object *vb)
{
	json_object *a = get(get(va, "lru"), "lruvecs"), *b = get(get(vb, "lru"), "lruvecs");
	size_t i, n = json_object_array_length(b);
	int64_t within = 64 * diff_cpus * PAGE;
	char what[160];

	for (i = 0; i < n; i++) {
		json_object *lb = json_object_array_get_idx(b, i), *la = find(a, lb, "cgroup_id", "node");
		const char *path = json_object_get_string(get(lb, "cgroup"));

		snprintf(what, sizeof(what), "%s node%" PRId64, path ? path : "?", num(lb, "node"));
		if (!la) {
			appeared("lru", what, 0, "a new memory cgroup", -1);
			continue;
		}
		json_object_object_foreach(get(lb, "lists"), key, val) {
			json_object *old = get(get(la, "lists"), key);

			if (old)
				change("lru", what, key, json_object_get_int64(old),
				       json_object_get_int64(val), "bytes", within);
		}
	}
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	json_object *a, *b, *va, *vb;
	int c;

	while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			diff_all = 1;
			break;
		case 'h':
			printf("usage: mmscope diff [--all] A B\n");
			return EX_OK;
		default:
			die(EX_USAGE, "diff: see 'mmscope diff --help'");
		}
	}
	if (argc - optind != 2)
		die(EX_USAGE, "diff: two snapshots expected: 'mmscope diff A B'");
	a = load(argv[optind]);
	b = load(argv[optind + 1]);
	va = get(a, "views");
	vb = get(b, "views");
	diff_cpus = num(a, "cpus") > num(b, "cpus") ? num(a, "cpus") : num(b, "cpus");
	if (!diff_cpus)
		diff_cpus = 1;
	if (opt_json) {
		json_object *t = json_object_new_object();

		out = json_doc("diff");
		json_object_object_add(out, "a", json_object_new_string(argv[optind]));
		json_object_object_add(out, "b", json_object_new_string(argv[optind + 1]));
		json_object_object_add(out, "seconds",	/* negative when B is older */
				       json_object_new_int64(num(b, "time") - num(a, "time")));
		json_object_object_add(out, "same_boot", json_object_new_boolean(
					       !strcmp(str(a, "boot_id"), str(b, "boot_id"))));
		json_object_object_add(out, "all", json_object_new_boolean(diff_all));
		json_put(t, "cpus", diff_cpus);
		json_object_object_add(t, "zone", json_object_new_string("stat_threshold x cpus pages"));
		json_object_object_add(t, "buddy", json_object_new_string("pcp_high x cpus pages, in blocks of the order"));
		json_object_object_add(t, "lru", json_object_new_string("64 x cpus pages"));
		json_object_object_add(t, "slab", json_object_new_string("(1 + cpu partial slabs) x objs_per_slab x cpus objects"));
		json_object_object_add(t, "process", json_object_new_string("0 (walked)"));
		json_object_object_add(t, "vma", json_object_new_string("0 (walked)"));
		json_object_object_add(out, "thresholds", t);
	} else {
		printf("# mmscope diff %s -> %s: %" PRId64 " s apart, %s\n", argv[optind],
		       argv[optind + 1], num(b, "time") - num(a, "time"),
		       strcmp(str(a, "boot_id"), str(b, "boot_id")) ?
		       "DIFFERENT BOOTS (processes and zones are not the same ones)" : "same boot");
		if (diff_all)
			printf("# --all: every change shown\n");
		else
			printf("# left out: changes within the kernel's own counter drift, with %" PRIu64 " CPUs:\n"
			       "#   zone counters stat_threshold x CPUs pages; free lists pcp_high x CPUs pages\n"
			       "#   (in blocks of the order); lru 64 x CPUs pages; slab (1 + partial slabs)\n"
			       "#   x objs_per_slab x CPUs objects; processes and VMAs: none (walked)\n",
			       diff_cpus);
		printf("%-10s %-40s %-22s %12s %12s %12s\n", "SECTION", "WHAT", "FIELD", "A", "B",
		       "CHANGE");
	}
	diff_slab(va, vb, get(b, "slab_cpu_partial"));
	diff_procs(va, vb);
	diff_zones(va, vb);
	diff_buddy(va, vb);
	diff_lru(va, vb);
	if (out) {
		json_put(out, "changes", nr_changes);
		json_put(out, "within_threshold", nr_within);
		json_print(out);
	} else {
		printf("# %lu changes shown, %lu within the threshold left out\n", nr_changes, nr_within);
	}
	json_object_put(a);
	json_object_put(b);
	return EX_OK;
}
