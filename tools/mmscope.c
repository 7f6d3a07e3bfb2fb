// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - what a person types: the module's views over /dev/mmscope only.
 *
 * It includes nothing of the module but its uapi header, calls GET_API
 * first and says which feature a module too old lacks.  Every subcommand
 * prints text (one record a line, a header line, sizes in kB as /proc does,
 * for people and awk) or, with --json, one JSON document written through
 * json-c (Documentation/tool.md gives each schema).
 *
 * Exit status (also in mmscope(8) and --help):
 *   0 done; 1 an error the kernel or the system reported; 2 bad command line;
 *   3 the module is not loaded; 4 not permitted (needs root/CAP_SYS_ADMIN);
 *   5 no such process; 6 the module lacks a feature this needs.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#include <json-c/json.h>
#include <linux/mmscope.h>

#define MMSCOPE_TOOL_VERSION	"0.1"
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define JSON_FORMAT		1	/* "format" of every JSON document */

enum {
	EX_OK, EX_FAIL, EX_USAGE, EX_NOMODULE, EX_PERM, EX_NOPROC, EX_FEATURE,
};

static const char *prog = "mmscope";
static int opt_json, opt_pretty;

static void __attribute__((format(printf, 2, 3), noreturn)) die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ---- the device ---------------------------------------------------------- */

static const char *dev_path(void)
{
	const char *p = getenv("MMSCOPE_DEVICE");

	return p && *p ? p : "/dev/mmscope";
}

struct dev {
	int fd;
	struct mmscope_api api;
};

static const char *const feature_names[] = {
	"process_memory", "faults", "phys_memory", "pt_dense", "stream_watermark",
};

static void dev_open(struct dev *d)
{
	const char *path = dev_path();

	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			die(EX_NOMODULE, "%s: %s: the mmscope module is not loaded (load it as root: 'modprobe mmscope', or 'insmod mmscope.ko' from a build)",
			    path, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			die(EX_PERM, "%s: %s: mmscope needs root (CAP_SYS_ADMIN): run it with sudo",
			    path, strerror(errno));
		die(EX_FAIL, "%s: %s", path, strerror(errno));
	}
	memset(&d->api, 0, sizeof(d->api));
	d->api.size = sizeof(d->api);
	if (ioctl(d->fd, MMSCOPE_IOC_GET_API, &d->api)) {
		if (errno == EPERM || errno == EACCES)
			die(EX_PERM, "%s: %s: mmscope needs CAP_SYS_ADMIN in the initial user namespace: run it with sudo",
			    path, strerror(errno));
		if (errno == ENOTTY)
			die(EX_NOMODULE, "%s is not mmscope's device (GET_API: %s)", path,
			    strerror(errno));
		die(EX_FAIL, "%s: GET_API: %s", path, strerror(errno));
	}
	if (d->api.api_version != MMSCOPE_API_VERSION)
		die(EX_FEATURE, "the module speaks ABI %u, this mmscope speaks %u: use the mmscope of the module's build",
		    d->api.api_version, MMSCOPE_API_VERSION);
}

/* Exit with a message naming what the module lacks, unless it has @ioc. */
static void dev_need(const struct dev *d, unsigned int nr, const char *what)
{
	if (!(d->api.ioctls & (1ULL << nr)))
		die(EX_FEATURE, "the loaded module has no %s (ioctl %#x): it is older than this mmscope; load a newer build",
		    what, nr);
}

/* The end of the user address space: PT_WALK's and VMAS's largest end. */
static uint64_t user_limit(const struct dev *d)
{
	return 1ULL << (d->api.pgtable_levels == 5 ? 56 : 47);
}

/* Map an ioctl's errno on @pid to a message and an exit status. */
static void __attribute__((noreturn)) die_pid(const char *what, int pid, int err)
{
	if (err == ESRCH)
		die(EX_NOPROC, "%s: no such process %d (or it has no user memory: a kernel thread, or it exited)",
		    what, pid);
	if (err == EPERM || err == EACCES)
		die(EX_PERM, "%s %d: %s: needs root (CAP_SYS_ADMIN)", what, pid, strerror(err));
	die(EX_FAIL, "%s %d: %s", what, pid, strerror(err));
}

/* ---- output -------------------------------------------------------------- */

static json_object *json_doc(const char *command)
{
	json_object *o = json_object_new_object();
	struct utsname u;

	json_object_object_add(o, "format", json_object_new_int(JSON_FORMAT));
	json_object_object_add(o, "command", json_object_new_string(command));
	if (!uname(&u))
		json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(o, "time", json_object_new_int64(time(NULL)));
	return o;
}

static void json_put(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void json_print(json_object *o)
{
	int flags = opt_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				 JSON_C_TO_STRING_PLAIN;

	if (puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		die(EX_FAIL, "stdout: %s", strerror(errno));
	json_object_put(o);
}

/* Progress on a terminal for anything longer than a second. */
struct progress {
	struct timespec t0;
	int shown;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(struct progress *p, const char *what, long done, long total)
{
	if (!isatty(STDERR_FILENO) || since(&p->t0) < 1.0)
		return;
	fprintf(stderr, "\r%s: %ld of %ld", what, done, total);
	p->shown = 1;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
}

/* ---- info ---------------------------------------------------------------- */

static int cmd_info(int argc, char **argv)
{
	struct utsname u;
	char built[40];
	struct dev d;
	unsigned int i;

	if (argc > 1)
		die(EX_USAGE, "info: no arguments expected ('%s')", argv[1]);
	dev_open(&d);
	uname(&u);
	snprintf(built, sizeof(built), "%u.%u.%u", d.api.kernel_version >> 16,
		 (d.api.kernel_version >> 8) & 0xff, d.api.kernel_version & 0xff);
	if (opt_json) {
		json_object *o = json_doc("info"), *f = json_object_new_array();

		json_put(o, "api_version", d.api.api_version);
		json_put(o, "pgtable_levels", d.api.pgtable_levels);
		json_object_object_add(o, "kernel_built", json_object_new_string(built));
		for (i = 0; i < ARRAY_SIZE(feature_names); i++)
			if (d.api.features & (1ULL << i))
				json_object_array_add(f, json_object_new_string(feature_names[i]));
		json_object_object_add(o, "features", f);
		json_put(o, "features_mask", d.api.features);
		json_put(o, "ioctls_mask", d.api.ioctls);
		json_object_object_add(o, "device", json_object_new_string(dev_path()));
		json_print(o);
		return EX_OK;
	}
	printf("device          %s\n", dev_path());
	printf("abi_version     %u (this mmscope: %u)\n", d.api.api_version, MMSCOPE_API_VERSION);
	printf("kernel_running  %s\n", u.release);
	printf("kernel_built    %s\n", built);
	printf("pgtable_levels  %u\n", d.api.pgtable_levels);
	printf("features       ");
	for (i = 0; i < ARRAY_SIZE(feature_names); i++)
		if (d.api.features & (1ULL << i))
			printf(" %s", feature_names[i]);
	if (d.api.features >> i)
		printf(" unknown:%#llx", (unsigned long long)(d.api.features >> i << i));
	printf("\nioctls          %#llx\n", (unsigned long long)d.api.ioctls);
	return EX_OK;
}

/* ---- ps ------------------------------------------------------------------ */

struct proc {
	int pid;
	char comm[32];
	struct mmscope_mm_summary s;
};

static int summary(const struct dev *d, int pid, struct mmscope_mm_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->pid = pid;
	return ioctl(d->fd, MMSCOPE_IOC_MM_SUMMARY, s) ? errno : 0;
}

static uint64_t uss(const struct mmscope_mm_summary *s)
{
	return s->private_clean + s->private_dirty;
}

static uint64_t pt_bytes(const struct mmscope_mm_summary *s)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s->pt_tables); i++)
		n += s->pt_tables[i];
	return n * 4096;
}

static uint64_t mm_rss(const struct mmscope_mm_summary *s)
{
	return s->mm_rss_anon + s->mm_rss_file + s->mm_rss_shmem;
}

/* Sort keys of ps: a name and the figure it sorts by (largest first). */
static const struct ps_key {
	const char *name;
	uint64_t (*get)(const struct mmscope_mm_summary *s);
} ps_keys[];

#define PS_GETTER(field) \
	static uint64_t get_##field(const struct mmscope_mm_summary *s) { return s->field; }
PS_GETTER(rss)
PS_GETTER(pss)
PS_GETTER(rss_anon)
PS_GETTER(rss_file)
PS_GETTER(rss_shmem)
PS_GETTER(swap)

static const struct ps_key ps_keys[] = {
	{ "pid", NULL }, { "rss", get_rss }, { "pss", get_pss }, { "uss", uss },
	{ "anon", get_rss_anon }, { "file", get_rss_file }, { "shmem", get_rss_shmem },
	{ "swap", get_swap }, { "pt", pt_bytes },
};

static const struct ps_key *ps_sort;

static int ps_cmp(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	uint64_t u, v;

	if (ps_sort->get) {
		u = ps_sort->get(&x->s);
		v = ps_sort->get(&y->s);
		if (u != v)
			return u < v ? 1 : -1;
	}
	return x->pid - y->pid;
}

static void read_comm(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	for (; *buf; buf++)
		if (isspace((unsigned char)*buf))
			*buf = '_';	/* one token for awk */
}

static int parse_pid(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 0x3fffffff)
		die(EX_USAGE, "%s: '%s' is not a process id (a positive number)", what, s);
	return v;
}

/* Every process with user memory, or those of @pids (then ESRCH is an error). */
static struct proc *ps_collect(const struct dev *d, char **pids, int npids, size_t *nr)
{
	struct progress pr = { .shown = 0 };
	struct proc *v = NULL;
	size_t n = 0, cap = 0, i, total;
	int *list = NULL;
	struct dirent *e;
	DIR *dir;

	clock_gettime(CLOCK_MONOTONIC, &pr.t0);
	if (npids) {
		list = calloc(npids, sizeof(*list));
		if (!list)
			die(EX_FAIL, "out of memory");
		for (i = 0; i < (size_t)npids; i++)
			list[i] = parse_pid(pids[i], "ps");
		total = npids;
	} else {
		dir = opendir("/proc");
		if (!dir)
			die(EX_FAIL, "/proc: %s (is procfs mounted?)", strerror(errno));
		total = 0;
		while ((e = readdir(dir))) {
			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			if (total == cap) {
				cap = cap ? cap * 2 : 256;
				list = realloc(list, cap * sizeof(*list));
				if (!list)
					die(EX_FAIL, "out of memory");
			}
			list[total++] = atoi(e->d_name);
		}
		closedir(dir);
		cap = 0;
	}
	for (i = 0; i < total; i++) {
		int err;

		progress(&pr, "ps", i, total);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die(EX_FAIL, "out of memory");
		}
		err = summary(d, list[i], &v[n].s);
		if (err == ESRCH && !npids)
			continue;	/* a kernel thread, or gone since readdir */
		if (err)
			die_pid("ps: MM_SUMMARY of", list[i], err);
		v[n].pid = list[i];
		read_comm(list[i], v[n].comm, sizeof(v[n].comm));
		n++;
	}
	progress_end(&pr);
	free(list);
	*nr = n;
	return v;
}

static void ps_json_add(json_object *o, const struct mmscope_mm_summary *s)
{
#define F(name) json_put(o, #name, s->name)
	F(rss); F(pss); F(pss_anon); F(pss_file); F(pss_shmem); F(pss_dirty);
	F(shared_clean); F(shared_dirty); F(private_clean); F(private_dirty);
	F(referenced); F(anonymous); F(lazyfree); F(anon_huge); F(shmem_pmd_mapped);
	F(file_pmd_mapped); F(shared_hugetlb); F(private_hugetlb); F(swap); F(locked);
	F(rss_anon); F(rss_file); F(rss_shmem); F(ksm); F(zero_page); F(hugetlb);
	F(nr_vmas); F(mm_rss_anon); F(mm_rss_file); F(mm_rss_shmem); F(mm_swap);
#undef F
	json_put(o, "uss", uss(s));
	json_put(o, "page_tables", pt_bytes(s));
}

static void __attribute__((noreturn)) usage_of(const char *cmd);

static int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "lines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *key = "rss";
	long lines = -1;
	struct proc *v;
	struct dev d;
	size_t n, i;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+s:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			key = optarg;
			break;
		case 'n':
			errno = 0;
			lines = strtol(optarg, &end, 10);
			if (errno || *end || lines < 0)
				die(EX_USAGE, "ps: -n '%s': a number of lines (0 or more)", optarg);
			break;
		case 'h':
			usage_of("ps");
		default:
			die(EX_USAGE, "ps: see 'mmscope ps --help'");
		}
	}
	for (i = 0; i < ARRAY_SIZE(ps_keys); i++)
		if (!strcmp(ps_keys[i].name, key))
			ps_sort = &ps_keys[i];
	if (!ps_sort)
		die(EX_USAGE, "ps: --sort %s: one of pid, rss, pss, uss, anon, file, shmem, swap, pt",
		    key);
	dev_open(&d);
	dev_need(&d, _MMSCOPE_IOC_MM_SUMMARY, "MM_SUMMARY");
	v = ps_collect(&d, argv + optind, argc - optind, &n);
	qsort(v, n, sizeof(*v), ps_cmp);
	if (lines >= 0 && (size_t)lines < n)
		n = lines;
	if (opt_json) {
		json_object *o = json_doc("ps"), *a = json_object_new_array();

		for (i = 0; i < n; i++) {
			json_object *p = json_object_new_object();

			json_object_object_add(p, "pid", json_object_new_int(v[i].pid));
			json_object_object_add(p, "comm", json_object_new_string(v[i].comm));
			ps_json_add(p, &v[i].s);
			json_object_array_add(a, p);
		}
		json_object_object_add(o, "processes", a);
		json_print(o);
	} else {
		printf("%7s %9s %9s %9s %9s %9s %9s %9s %7s %6s %9s %s\n", "PID", "RSS", "PSS", "USS",
		       "ANON", "FILE", "SHMEM", "SWAP", "ZERO", "PT", "MM_RSS", "COMMAND");
		for (i = 0; i < n; i++) {
			const struct mmscope_mm_summary *s = &v[i].s;

			printf("%7d %9llu %9llu %9llu %9llu %9llu %9llu %9llu %7llu %6llu %9llu %s\n",
			       v[i].pid, (unsigned long long)s->rss >> 10,
			       (unsigned long long)s->pss >> 10, (unsigned long long)uss(s) >> 10,
			       (unsigned long long)s->rss_anon >> 10,
			       (unsigned long long)s->rss_file >> 10,
			       (unsigned long long)s->rss_shmem >> 10,
			       (unsigned long long)s->swap >> 10,
			       (unsigned long long)s->zero_page >> 10,
			       (unsigned long long)pt_bytes(s) >> 10,
			       (unsigned long long)mm_rss(s) >> 10,
			       v[i].comm[0] ? v[i].comm : "-");
		}
	}
	free(v);
	return EX_OK;
}

/* ---- vmas ---------------------------------------------------------------- */

static const char *const vma_kinds[] = { MMSCOPE_VMA_KIND_NAMES };
static const char *const vmf_names[] = { MMSCOPE_VMF_NAMES };

#define VMAS_BATCH	64
#define VMAS_STRINGS	(VMAS_BATCH * 4096 + 8192)

static void vma_perms(const struct mmscope_vma_rec *r, char out[5])
{
	out[0] = r->flags & MMSCOPE_VMF_READ ? 'r' : '-';
	out[1] = r->flags & MMSCOPE_VMF_WRITE ? 'w' : '-';
	out[2] = r->flags & MMSCOPE_VMF_EXEC ? 'x' : '-';
	out[3] = r->flags & MMSCOPE_VMF_MAYSHARE ? 's' : 'p';
	out[4] = 0;
}

static void vma_flags(const struct mmscope_vma_rec *r, char *out, size_t len)
{
	size_t n = 0, i;

	out[0] = 0;
	for (i = 0; i < ARRAY_SIZE(vmf_names) && n + 4 < len; i++)
		if (r->flags & (1ULL << i))
			n += snprintf(out + n, len - n, "%s%s", n ? "," : "", vmf_names[i]);
	if (!n)
		snprintf(out, len, "-");
}

static int cmd_vmas(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct mmscope_vma_rec *recs;
	uint64_t total_rss = 0, total_swap = 0, nr = 0;
	json_object *doc = NULL, *arr = NULL;
	struct mmscope_vmas q;
	char *strings;
	struct dev d;
	int pid, c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			usage_of("vmas");
		die(EX_USAGE, "vmas: see 'mmscope vmas --help'");
	}
	if (argc - optind != 1)
		die(EX_USAGE, "vmas: one PID expected (mmscope vmas PID)");
	pid = parse_pid(argv[optind], "vmas");
	dev_open(&d);
	dev_need(&d, _MMSCOPE_IOC_VMAS, "VMAS");
	recs = calloc(VMAS_BATCH, sizeof(*recs));
	strings = malloc(VMAS_STRINGS);
	if (!recs || !strings)
		die(EX_FAIL, "out of memory");
	if (opt_json) {
		doc = json_doc("vmas");
		arr = json_object_new_array();
		json_object_object_add(doc, "pid", json_object_new_int(pid));
	}
	memset(&q, 0, sizeof(q));
	do {
		uint64_t i, start = q.walk_end;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.pid = pid;
		q.rec_size = sizeof(*recs);
		q.start = start;
		q.end = user_limit(&d);
		q.buf = (uintptr_t)recs;
		q.buf_len = VMAS_BATCH * sizeof(*recs);
		q.strings = (uintptr_t)strings;
		q.strings_len = VMAS_STRINGS;
		if (ioctl(d.fd, MMSCOPE_IOC_VMAS, &q))
			die_pid("vmas: VMAS of", pid, errno);
		if (!start && !opt_json)	/* the header once the pid is known good */
			printf("%-16s %-16s %-4s %-8s %-7s %-5s %8s %8s %8s %-24s %s\n", "START",
			       "END", "PERM", "OFFSET", "KIND", "DEV", "INODE", "RSS", "SWAP",
			       "FLAGS", "PATH");
		for (i = 0; i < q.nr_recs; i++) {
			const struct mmscope_vma_rec *r = &recs[i];
			const char *path = r->path_len ? strings + r->path_off : NULL;
			const char *kind = r->kind < ARRAY_SIZE(vma_kinds) ?
					   vma_kinds[r->kind] : "?";
			char perms[5], flags[160];

			vma_perms(r, perms);
			vma_flags(r, flags, sizeof(flags));
			total_rss += r->rss_pages * 4096;
			total_swap += r->swap_pages * 4096;
			nr++;
			if (opt_json) {
				json_object *o = json_object_new_object();

				json_put(o, "start", r->start);
				json_put(o, "end", r->end);
				json_object_object_add(o, "perms", json_object_new_string(perms));
				json_object_object_add(o, "flags", json_object_new_string(flags));
				json_object_object_add(o, "kind", json_object_new_string(kind));
				json_put(o, "offset", r->offset);
				json_put(o, "dev_major", r->dev_major);
				json_put(o, "dev_minor", r->dev_minor);
				json_put(o, "inode", r->inode);
				json_put(o, "rss", r->rss_pages * 4096);
				json_put(o, "swap", r->swap_pages * 4096);
				json_object_object_add(o, "path", path ?
						       json_object_new_string_len(path, r->path_len) :
						       NULL);
				json_object_array_add(arr, o);
			} else {
				printf("%016llx %016llx %-4s %08llx %-7s %02x:%02x %8llu %8llu %8llu %-24s %.*s\n",
				       (unsigned long long)r->start, (unsigned long long)r->end,
				       perms, (unsigned long long)r->offset, kind, r->dev_major,
				       r->dev_minor, (unsigned long long)r->inode,
				       (unsigned long long)r->rss_pages * 4,
				       (unsigned long long)r->swap_pages * 4, flags,
				       path ? (int)r->path_len : 1, path ? path : "-");
			}
		}
	} while (q.walk_end < q.end);
	if (opt_json) {
		json_object_object_add(doc, "vmas", arr);
		json_put(doc, "rss", total_rss);
		json_put(doc, "swap", total_swap);
		json_print(doc);
	} else {
		printf("# %llu vmas, rss %llu kB, swap %llu kB\n", (unsigned long long)nr,
		       (unsigned long long)total_rss >> 10, (unsigned long long)total_swap >> 10);
	}
	free(recs);
	free(strings);
	return EX_OK;
}

/* ---- the command line ---------------------------------------------------- */

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
} cmds[] = {
	{ "info", cmd_info, "",
	  "the module: ABI version, kernel built for and running, paging levels, features" },
	{ "ps", cmd_ps, "[--sort KEY] [-n N] [PID...]",
	  "every process's walked memory (kB): RSS, PSS, USS, anon, file, shmem, swap,\n"
	  "\tzero page, page tables, and the kernel's own RSS counter (MM_RSS) beside them;\n"
	  "\tKEY: pid, rss (default), pss, uss, anon, file, shmem, swap, pt" },
	{ "vmas", cmd_vmas, "PID",
	  "the VMAs of PID as pmap -X would: range, perms, offset, kind, device, inode,\n"
	  "\tRSS and swap (kB), VmFlags, path" },
};

#define NR_CMDS	(ARRAY_SIZE(cmds))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [--json [--pretty]] COMMAND [ARGS]\n\ncommands:\n", prog);
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %s %s\n\t%s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(f, "\noptions:\n"
		"  -j, --json     one JSON document on stdout (Documentation/tool.md)\n"
		"  -p, --pretty   indent the JSON\n"
		"  -h, --help     this text; COMMAND --help for one command\n"
		"  -V, --version  the version of this program and of its ABI\n"
		"\nenvironment:\n"
		"  MMSCOPE_DEVICE  the device to open instead of /dev/mmscope\n"
		"\nexit status:\n"
		"  0 done, 1 the kernel or system reported an error, 2 bad command line,\n"
		"  3 the module is not loaded, 4 not permitted (needs root), 5 no such process,\n"
		"  6 the loaded module lacks a feature this needs\n");
}

static void usage_of(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			printf("usage: %s %s %s\n\t%s\n", prog, name, cmds[i].args, cmds[i].help);
	exit(EX_OK);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+jphV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = 1;
			break;
		case 'p':
			opt_pretty = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("mmscope %s (ABI %u)\n", MMSCOPE_TOOL_VERSION, MMSCOPE_API_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (opt_pretty && !opt_json)
		die(EX_USAGE, "--pretty indents JSON: use it with --json");
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; i < NR_CMDS; i++) {
		if (strcmp(cmds[i].name, argv[optind]))
			continue;
		argc -= optind;
		argv += optind;
		optind = 1;	/* the subcommand parses its own options */
		return cmds[i].fn(argc, argv);
	}
	die(EX_USAGE, "'%s' is not a command: see '%s --help'", argv[optind], prog);
}
