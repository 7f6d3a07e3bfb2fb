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
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <json-c/json.h>
#include <linux/mmscope.h>

#include "mmscope.h"

#define MMSCOPE_TOOL_VERSION	"0.1"

static const char *prog = "mmscope";
int opt_json, opt_pretty;
jmp_buf *die_jump;
char die_msg[512];
json_object *json_captured;
int json_capture;

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (die_jump) {		/* the caller says it, or not */
		vsnprintf(die_msg, sizeof(die_msg), fmt, ap);
		va_end(ap);
		longjmp(*die_jump, code);
	}
	fprintf(stderr, "%s: ", prog);
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

static const char *const feature_names[] = {
	"process_memory", "faults", "phys_memory", "pt_dense", "stream_watermark",
	"track_on_close", "introspect", "pageblocks",
};

/* What dev_open() opened, for a caller that runs subcommands in-process. */
static int opened_fds[64];
static unsigned int nr_opened;

void dev_close_opened(void)
{
	while (nr_opened)
		close(opened_fds[--nr_opened]);
}

void dev_open(struct dev *d)
{
	const char *path = dev_path();

	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd >= 0 && nr_opened < ARRAY_SIZE(opened_fds))
		opened_fds[nr_opened++] = d->fd;
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

json_object *json_doc(const char *command)
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

void json_put(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

void json_print(json_object *o)
{
	int flags = opt_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				 JSON_C_TO_STRING_PLAIN;

	if (json_capture) {	/* snapshot: keep the document, print nothing */
		json_object_put(json_captured);
		json_captured = o;
		return;
	}
	if (puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		die(EX_FAIL, "stdout: %s", strerror(errno));
	json_object_put(o);
}

/* Seconds on the monotonic clock. */
double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

void progress(struct progress *p, const char *what, long done, long total)
{
	if (!isatty(STDERR_FILENO) || now_s() - p->t0 < 1.0)
		return;
	fprintf(stderr, "\r%s: %ld of %ld", what, done, total);
	p->shown = 1;
}

void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
}

/* ---- info ---------------------------------------------------------------- */

static const char *const tracked_flag_names[] = { "exited", "children", "on_close", "adopted" };

/* The module's own state: what it tracks and the memory it holds. */
static void info_module(const struct dev *d, json_object *o)
{
	struct mmscope_module_mem_rec *m;
	struct mmscope_tracked_rec *t;
	size_t nt, nm, i, j;

	if (!(d->api.features & MMSCOPE_FEATURE_INTROSPECT)) {
		if (!o)
			printf("tracked         ? (the module is older: no TRACKED ioctl)\n");
		return;
	}
	t = phys_snap(d, MMSCOPE_IOC_TRACKED, _MMSCOPE_IOC_TRACKED, "TRACKED", sizeof(*t), &nt);
	m = phys_snap(d, MMSCOPE_IOC_MODULE_MEMORY, _MMSCOPE_IOC_MODULE_MEMORY, "MODULE_MEMORY",
		      sizeof(*m), &nm);
	if (o) {
		json_object *a = json_object_new_array(), *mem = json_object_new_array();

		for (i = 0; i < nt; i++) {
			json_object *e = json_object_new_object(), *f = json_object_new_array();

			json_object_object_add(e, "pid", json_object_new_int(t[i].pid));
			for (j = 0; j < ARRAY_SIZE(tracked_flag_names); j++)
				if (t[i].flags & (1U << j))
					json_object_array_add(f, json_object_new_string(
								      tracked_flag_names[j]));
			json_object_object_add(e, "flags", f);
			json_put(e, "faults_total", t[i].faults_total);
			json_object_array_add(a, e);
		}
		for (i = 0; i < nm; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "what", json_object_new_string_len(
						       m[i].what, strnlen(m[i].what, sizeof(m[i].what))));
			json_put(e, "bytes", m[i].bytes);
			json_put(e, "objects", m[i].objects);
			json_object_array_add(mem, e);
		}
		json_object_object_add(o, "tracked", a);
		json_object_object_add(o, "module_memory", mem);
	} else {
		printf("tracked         %s", nt ? "" : "none");
		for (i = 0; i < nt; i++) {
			char flags[64] = "";

			for (j = 0; j < ARRAY_SIZE(tracked_flag_names); j++)
				if (t[i].flags & (1U << j))
					snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags),
						 "%s,", tracked_flag_names[j]);
			printf("%s%d (%s%llu faults)", i ? ", " : "", t[i].pid, flags,
			       (unsigned long long)t[i].faults_total);
		}
		putchar('\n');
		for (i = 0; i < nm; i++)
			printf("module_memory   %-8.16s %10llu bytes %6llu objects\n", m[i].what,
			       (unsigned long long)m[i].bytes, (unsigned long long)m[i].objects);
	}
	free(t);
	free(m);
}

int cmd_info(int argc, char **argv)
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
		info_module(&d, o);
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
	info_module(&d, NULL);
	return EX_OK;
}

/* ---- ps ------------------------------------------------------------------ */

struct proc {
	int pid;
	unsigned long long start;	/* clock ticks after boot: pid + start name it */
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

/*
 * /proc/PID/stat into @buf, and where its fields after the command name
 * begin (field 3, the state); NULL when it cannot be read.
 */
static const char *proc_stat_fields(int pid, char *buf, size_t len)
{
	char path[64], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	return p && p[1] ? p + 2 : NULL;
}

/* Field 22 of /proc/PID/stat: when it started, in clock ticks after boot. */
static unsigned long long start_time(int pid)
{
	unsigned long long t = 0;
	const char *p;
	char buf[1024];

	p = proc_stat_fields(pid, buf, sizeof(buf));
	if (!p || sscanf(p, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &t) != 1)
		return 0;
	return t;
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

/* The N of -n N; exits with a message when it is not one. */
static long parse_lines(const char *cmd, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 0)
		die(EX_USAGE, "%s: -n '%s': a number of lines (0 or more)", cmd, arg);
	return v;
}

static double parse_watch(const char *cmd, const char *arg);

/*
 * The options of a sorted list (ps, slab): --sort KEY, -n N, --help, and
 * --watch SEC where @watch is given.
 */
static void list_opts(const char *cmd, int argc, char **argv, const char **key, long *lines,
		      double *watch)
{
	static const struct option opts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "lines", required_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+s:n:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			*key = optarg;
			break;
		case 'n':
			*lines = parse_lines(cmd, optarg);
			break;
		case 'w':
			if (!watch)
				die(EX_USAGE, "%s: no --watch (see 'mmscope %s --help')", cmd, cmd);
			*watch = parse_watch(cmd, optarg);
			break;
		case 'h':
			usage_of(cmd);
		default:
			die(EX_USAGE, "%s: see 'mmscope %s --help'", cmd, cmd);
		}
	}
}

/* Every process with user memory, or those of @pids (then ESRCH is an error). */
static struct proc *ps_collect(const struct dev *d, char **pids, int npids, size_t *nr)
{
	struct progress pr = { .t0 = now_s() };
	struct proc *v = NULL;
	size_t n = 0, cap = 0, i, total;
	int *list = NULL;
	struct dirent *e;
	DIR *dir;

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
		v[n].start = start_time(list[i]);
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


int cmd_ps(int argc, char **argv)
{
	const char *key = "rss";
	long lines = -1;
	struct proc *v;
	struct dev d;
	size_t n, i;

	list_opts("ps", argc, argv, &key, &lines, NULL);
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
			json_put(p, "start_time", v[i].start);
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

/* The VMAs of a process, read whole (vmas, pt --dense, faults --follow). */
struct vma_list {
	struct mmscope_vma_rec *v;
	char **path;		/* NULL without a path */
	size_t n;
};

static void vma_list_free(struct vma_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->path[i]);
	free(l->v);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

/* 0 or the errno of VMAS. */
static int vma_list_load(const struct dev *d, int pid, struct vma_list *l)
{
	struct mmscope_vma_rec *recs = calloc(VMAS_BATCH, sizeof(*recs));
	char *strings = malloc(VMAS_STRINGS);
	struct mmscope_vmas q;
	size_t cap = 0;
	int err = 0;

	vma_list_free(l);
	if (!recs || !strings)
		die(EX_FAIL, "out of memory");
	memset(&q, 0, sizeof(q));
	do {
		uint64_t i, start = q.walk_end;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.pid = pid;
		q.rec_size = sizeof(*recs);
		q.start = start;
		q.end = user_limit(d);
		q.buf = (uintptr_t)recs;
		q.buf_len = VMAS_BATCH * sizeof(*recs);
		q.strings = (uintptr_t)strings;
		q.strings_len = VMAS_STRINGS;
		if (ioctl(d->fd, MMSCOPE_IOC_VMAS, &q)) {
			err = errno;
			break;
		}
		for (i = 0; i < q.nr_recs; i++) {
			if (l->n == cap) {
				cap = cap ? cap * 2 : 64;
				l->v = realloc(l->v, cap * sizeof(*l->v));
				l->path = realloc(l->path, cap * sizeof(*l->path));
				if (!l->v || !l->path)
					die(EX_FAIL, "out of memory");
			}
			l->v[l->n] = recs[i];
			l->path[l->n] = recs[i].path_len ?
					strndup(strings + recs[i].path_off, recs[i].path_len) : NULL;
			l->n++;
		}
	} while (q.walk_end < q.end);
	free(recs);
	free(strings);
	return err;
}

/* The VMA holding @addr, or -1. */
static long vma_list_find(const struct vma_list *l, uint64_t addr)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < l->v[mid].start)
			hi = mid;
		else if (addr >= l->v[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

int cmd_vmas(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	uint64_t total_rss = 0, total_swap = 0;
	json_object *doc = NULL, *arr = NULL;
	struct vma_list vl = { 0 };
	struct dev d;
	int pid, c, err;
	size_t i;

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
	err = vma_list_load(&d, pid, &vl);
	if (err)
		die_pid("vmas: VMAS of", pid, err);
	if (opt_json) {
		doc = json_doc("vmas");
		arr = json_object_new_array();
		json_object_object_add(doc, "pid", json_object_new_int(pid));
	} else {
		printf("%-16s %-16s %-4s %-8s %-7s %-5s %8s %8s %8s %-24s %s\n", "START",
		       "END", "PERM", "OFFSET", "KIND", "DEV", "INODE", "RSS", "SWAP",
		       "FLAGS", "PATH");
	}
	for (i = 0; i < vl.n; i++) {
		const struct mmscope_vma_rec *r = &vl.v[i];
		const char *path = vl.path[i];
		const char *kind = r->kind < ARRAY_SIZE(vma_kinds) ? vma_kinds[r->kind] : "?";
		char perms[5], flags[160];

		vma_perms(r, perms);
		vma_flags(r, flags, sizeof(flags));
		total_rss += r->rss_pages * 4096;
		total_swap += r->swap_pages * 4096;
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
			json_object_object_add(o, "path", path ? json_object_new_string_len(
							 path, r->path_len) : NULL);
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
	if (opt_json) {
		json_object_object_add(doc, "vmas", arr);
		json_put(doc, "rss", total_rss);
		json_put(doc, "swap", total_swap);
		json_print(doc);
	} else {
		printf("# %zu vmas, rss %llu kB, swap %llu kB\n", vl.n,
		       (unsigned long long)total_rss >> 10, (unsigned long long)total_swap >> 10);
	}
	vma_list_free(&vl);
	return EX_OK;
}

/* ---- pt ------------------------------------------------------------------ */

static const char *const level_names[] = { MMSCOPE_LEVEL_NAMES };
static const char *const entry_names[] = { MMSCOPE_ENTRY_NAMES };
static const char *const kind_names[] = { MMSCOPE_KIND_NAMES };
static const char *const hw_names[] = { MMSCOPE_HW_NAMES };
static const char *const sw_names[] = { MMSCOPE_SW_NAMES };

#define PT_PAGE		4096ULL
#define NAME_OF(names, i)	((i) < ARRAY_SIZE(names) ? (names)[i] : "?")

/* Bit names joined by commas, "-" for none (as the debugfs pagetable file). */
static void bit_names(uint32_t bits, const char *const *names, size_t nr, char *out, size_t len)
{
	size_t n = 0, i;

	out[0] = 0;
	for (i = 0; i < nr && n + 8 < len; i++)
		if (bits & (1U << i))
			n += snprintf(out + n, len - n, "%s%s", n ? "," : "", names[i]);
	if (!n)
		snprintf(out, len, "-");
}

/*
 * One line or JSON object of pt: a run (or with --dense a page, @shared
 * standing for the mapcount: the dense format has "2 or more" only).
 */
struct pt_line {
	uint64_t addr, pages, pfn, vma_start;
	uint32_t hw, sw, mapcount;
	unsigned int level, type, kind, swap_type;
	int dense, shared;
};

static void pt_line_print(const struct pt_line *p, json_object *arr)
{
	char hw[80], sw[64], mc[16];

	bit_names(p->hw, hw_names, ARRAY_SIZE(hw_names), hw, sizeof(hw));
	bit_names(p->sw, sw_names, ARRAY_SIZE(sw_names), sw, sizeof(sw));
	if (arr) {
		json_object *o = json_object_new_object();

		json_put(o, "start", p->addr);
		json_put(o, "end", p->addr + p->pages * PT_PAGE);
		json_put(o, "pages", p->pages);
		json_object_object_add(o, "level", json_object_new_string(NAME_OF(level_names, p->level)));
		json_object_object_add(o, "type", json_object_new_string(NAME_OF(entry_names, p->type)));
		json_object_object_add(o, "kind", json_object_new_string(NAME_OF(kind_names, p->kind)));
		json_object_object_add(o, "hw", json_object_new_string(hw));
		json_object_object_add(o, "sw", json_object_new_string(sw));
		if (p->dense)
			json_object_object_add(o, "shared", json_object_new_boolean(p->shared));
		else
			json_put(o, "mapcount", p->mapcount);
		json_put(o, "pfn", p->pfn);
		json_put(o, "swap_type", p->swap_type);
		if (!p->dense)
			json_put(o, "vma_start", p->vma_start);
		json_object_array_add(arr, o);
		return;
	}
	if (p->dense)
		snprintf(mc, sizeof(mc), "%s", p->shared ? "2+" :
			 p->type == MMSCOPE_ENTRY_PRESENT && p->kind != MMSCOPE_KIND_ZERO &&
			 p->kind != MMSCOPE_KIND_SPECIAL ? "1" : "0");
	else
		snprintf(mc, sizeof(mc), "%u", p->mapcount);
	printf("%016llx %016llx %8llu %-5s %-9s %-7s %-20s %-14s %8s %10llx %4u\n",
	       (unsigned long long)p->addr, (unsigned long long)(p->addr + p->pages * PT_PAGE),
	       (unsigned long long)p->pages, NAME_OF(level_names, p->level),
	       NAME_OF(entry_names, p->type), NAME_OF(kind_names, p->kind), hw, sw, mc,
	       (unsigned long long)p->pfn, p->swap_type);
}

/* A dense entry as a line: the record fields it carries. */
static void pt_dense_line(uint64_t addr, uint64_t e, struct pt_line *p)
{
	memset(p, 0, sizeof(*p));
	p->dense = 1;
	p->addr = addr;
	p->pages = 1;
	p->type = MMSCOPE_DENSE_TYPE(e);
	p->kind = MMSCOPE_DENSE_KIND(e);
	p->level = MMSCOPE_DENSE_LEVEL(e);
	if (e & MMSCOPE_DENSE_SOFT_DIRTY)
		p->sw |= MMSCOPE_SW_SOFT_DIRTY;
	if (e & MMSCOPE_DENSE_UFFD_WP)
		p->sw |= MMSCOPE_SW_UFFD_WP;
	if (e & MMSCOPE_DENSE_EXCLUSIVE)
		p->sw |= MMSCOPE_SW_EXCLUSIVE;
	if (p->type == MMSCOPE_ENTRY_PRESENT) {
		p->pfn = MMSCOPE_DENSE_PFN(e);
		p->hw = MMSCOPE_HW_PRESENT;
		if (e & MMSCOPE_DENSE_RW)
			p->hw |= MMSCOPE_HW_RW;
		if (e & MMSCOPE_DENSE_USER)
			p->hw |= MMSCOPE_HW_USER;
		if (e & MMSCOPE_DENSE_ACCESSED)
			p->hw |= MMSCOPE_HW_ACCESSED;
		if (e & MMSCOPE_DENSE_DIRTY)
			p->hw |= MMSCOPE_HW_DIRTY;
		if (p->level > MMSCOPE_LEVEL_PTE)
			p->hw |= MMSCOPE_HW_PSE;
		if (e & MMSCOPE_DENSE_NX)
			p->hw |= MMSCOPE_HW_NX;
		if (e & MMSCOPE_DENSE_LARGE)
			p->sw |= MMSCOPE_SW_LARGE;
		if (e & MMSCOPE_DENSE_PAGE_DIRTY)
			p->sw |= MMSCOPE_SW_PAGE_DIRTY;
		if (e & MMSCOPE_DENSE_SPECIAL)
			p->sw |= MMSCOPE_SW_SPECIAL;
		p->shared = !!(e & MMSCOPE_DENSE_SHARED);
	} else if (p->type == MMSCOPE_ENTRY_SWAP) {
		p->pfn = MMSCOPE_DENSE_SWAP_OFFSET(e);
		p->swap_type = MMSCOPE_DENSE_SWAP_TYPE(e);
	}
}

#define PT_BATCH	4096	/* records or dense entries a call */

/* Walk [start, end) of @pid; returns the lines (runs or pages) printed. */
static uint64_t pt_walk_range(const struct dev *d, int pid, uint64_t start, uint64_t end,
			      int dense, json_object *arr, struct progress *pr,
			      uint64_t done0, uint64_t total, uint64_t *tables)
{
	struct mmscope_pt_rec *recs = calloc(PT_BATCH, sizeof(*recs));
	uint64_t *ents = (uint64_t *)recs, lines = 0, at = start, i;
	struct mmscope_pt_walk w;
	struct pt_line p;

	if (!recs)
		die(EX_FAIL, "out of memory");
	while (at < end) {
		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.flags = dense ? MMSCOPE_WALK_DENSE : MMSCOPE_WALK_RUNS;
		w.pid = pid;
		w.rec_size = dense ? MMSCOPE_PT_DENSE_SIZE : sizeof(*recs);
		w.start = at;
		w.end = end;
		w.buf = (uintptr_t)recs;
		w.buf_len = PT_BATCH * (dense ? MMSCOPE_PT_DENSE_SIZE : sizeof(*recs));
		if (ioctl(d->fd, MMSCOPE_IOC_PT_WALK, &w))
			die_pid("pt: PT_WALK of", pid, errno);
		for (i = 0; i < w.nr_recs; i++) {
			if (dense) {
				pt_dense_line(at + i * PT_PAGE, ents[i], &p);
			} else {
				memset(&p, 0, sizeof(p));
				p.addr = recs[i].addr;
				p.pages = recs[i].nr_pages;
				p.pfn = recs[i].pfn;
				p.vma_start = recs[i].vma_start;
				p.hw = recs[i].hw;
				p.sw = recs[i].sw;
				p.mapcount = recs[i].mapcount;
				p.level = recs[i].level;
				p.type = recs[i].type;
				p.kind = recs[i].kind;
				p.swap_type = recs[i].swap_type;
			}
			pt_line_print(&p, arr);
		}
		lines += w.nr_recs;
		*tables += w.tables;
		if (w.walk_end <= at)
			die(EX_FAIL, "pt: PT_WALK of %d made no progress at %#llx", pid,
			    (unsigned long long)at);
		at = w.walk_end;
		progress(pr, "pt: MiB walked", (done0 + at - start) >> 20, total >> 20);
	}
	free(recs);
	return lines;
}

/* "A-B", hex addresses (0x optional), page-aligned; exits 2 otherwise. */
static void parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	const char *dash = strchr(s, '-');
	char *e1, *e2;

	if (!dash || dash == s || !dash[1])
		die(EX_USAGE, "pt: --range '%s': START-END expected, hex addresses (e.g. 7f0000000000-7f0000200000)",
		    s);
	errno = 0;
	*start = strtoull(s, &e1, 16);
	if (errno || e1 != dash)
		die(EX_USAGE, "pt: --range '%s': START '%.*s' is not a hex address", s,
		    (int)(dash - s), s);
	*end = strtoull(dash + 1, &e2, 16);
	if (errno || *e2 || !isxdigit((unsigned char)dash[1]))
		die(EX_USAGE, "pt: --range '%s': END '%s' is not a hex address", s, dash + 1);
	if ((*start | *end) & (PT_PAGE - 1))
		die(EX_USAGE, "pt: --range '%s': START and END must be multiples of the page size (4096, 0x1000)",
		    s);
	if (*start >= *end)
		die(EX_USAGE, "pt: --range '%s': START must be below END", s);
}

static int cmd_pt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "dense", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct progress pr = { .t0 = now_s() };
	uint64_t start = 0, end = 0, lines = 0, pages = 0, tables = 0;
	json_object *doc = NULL, *arr = NULL;
	struct vma_list vl = { 0 };
	int pid, c, dense = 0, ranged = 0;
	struct dev d;
	size_t i;

	optind = 0;	/* options may follow PID: a fresh getopt that permutes */
	while ((c = getopt_long(argc, argv, "r:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			parse_range(optarg, &start, &end);
			ranged = 1;
			break;
		case 'd':
			dense = 1;
			break;
		case 'h':
			usage_of("pt");
		default:
			die(EX_USAGE, "pt: see 'mmscope pt --help'");
		}
	}
	if (argc - optind != 1)
		die(EX_USAGE, "pt: one PID expected (mmscope pt PID [--range START-END] [--dense])");
	pid = parse_pid(argv[optind], "pt");
	dev_open(&d);
	dev_need(&d, _MMSCOPE_IOC_PT_WALK, "PT_WALK");
	if (dense && !(d.api.features & MMSCOPE_FEATURE_PT_DENSE))
		die(EX_FEATURE, "the loaded module has no MMSCOPE_WALK_DENSE (pt --dense): it is older than this mmscope; load a newer build");
	if (ranged && end > user_limit(&d))
		die(EX_USAGE, "pt: --range: END %#llx is above the user address space (%#llx with %u-level paging)",
		    (unsigned long long)end, (unsigned long long)user_limit(&d),
		    d.api.pgtable_levels);
	if (!ranged) {
		start = 0;
		end = user_limit(&d);
	}
	/* dense without a range: the pages of every VMA, not 2^35 empty ones */
	if (dense && !ranged) {
		int err;

		dev_need(&d, _MMSCOPE_IOC_VMAS, "VMAS");
		err = vma_list_load(&d, pid, &vl);
		if (err)
			die_pid("pt: VMAS of", pid, err);
	}
	if (opt_json) {
		doc = json_doc("pt");
		arr = json_object_new_array();
		json_object_object_add(doc, "pid", json_object_new_int(pid));
		json_object_object_add(doc, "dense", json_object_new_boolean(dense));
		json_put(doc, "start", start);
		json_put(doc, "end", end);
	} else {
		/* the pid is checked before the header: a bad one prints nothing */
		struct mmscope_mm_summary s;
		int err = summary(&d, pid, &s);

		if (err)
			die_pid("pt: MM_SUMMARY of", pid, err);
		printf("%-16s %-16s %8s %-5s %-9s %-7s %-20s %-14s %8s %10s %4s\n", "START", "END",
		       "PAGES", "LEVEL", "TYPE", "KIND", "HW", "SW", "MAPCOUNT", "PFN", "SWAP");
	}
	if (dense && !ranged) {
		uint64_t total = 0, done = 0;

		for (i = 0; i < vl.n; i++)
			total += vl.v[i].end - vl.v[i].start;
		for (i = 0; i < vl.n; i++) {
			lines += pt_walk_range(&d, pid, vl.v[i].start, vl.v[i].end, 1, arr, &pr,
					       done, total, &tables);
			done += vl.v[i].end - vl.v[i].start;
		}
		pages = lines;
	} else {
		lines = pt_walk_range(&d, pid, start, end, dense, arr, &pr, 0, end - start, &tables);
	}
	progress_end(&pr);
	vma_list_free(&vl);
	if (opt_json) {
		json_object_object_add(doc, dense ? "pages" : "runs", arr);
		json_put(doc, "tables", tables);
		json_print(doc);
	} else if (dense) {
		printf("# %llu pages; MAPCOUNT 0, 1 or 2+ (the dense format's shared bit); PFN hex (SWAP: the offset in swap area SWAP)\n",
		       (unsigned long long)(ranged ? lines : pages));
	} else {
		printf("# %llu runs; %llu page-table pages visited; PFN hex, the run's first (SWAP: the offset in swap area SWAP)\n",
		       (unsigned long long)lines, (unsigned long long)tables);
	}
	return EX_OK;
}

/* ---- faults ---------------------------------------------------------------- */

static const char *const origin_names[] = { MMSCOPE_ORIGIN_NAMES };
static const char *const access_names[] = { MMSCOPE_ACCESS_NAMES };
static const char *const result_names[] = { MMSCOPE_RESULT_NAMES };
static const char *const mem_names[] = { MMSCOPE_MEM_NAMES };
static const char *const cause_names[] = { MMSCOPE_CAUSE_NAMES };

static const struct axis {
	const char *name;
	const char *const *classes;
	unsigned int nr;
	size_t off;		/* of the __u64 array in mmscope_fault_stats */
} axes[] = {
	{ "origin", origin_names, MMSCOPE_NR_ORIGINS, offsetof(struct mmscope_fault_stats, origin) },
	{ "access", access_names, MMSCOPE_NR_ACCESSES, offsetof(struct mmscope_fault_stats, access) },
	{ "result", result_names, MMSCOPE_NR_RESULTS, offsetof(struct mmscope_fault_stats, result) },
	{ "memory", mem_names, MMSCOPE_NR_MEMS, offsetof(struct mmscope_fault_stats, memory) },
	{ "cause", cause_names, MMSCOPE_NR_CAUSES, offsetof(struct mmscope_fault_stats, cause) },
};

static const __u64 *axis_counts(const struct mmscope_fault_stats *s, const struct axis *a)
{
	return (const __u64 *)((const char *)s + a->off);
}

static int fault_stats(const struct dev *d, int pid, struct mmscope_fault_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->pid = pid;
	return ioctl(d->fd, MMSCOPE_IOC_FAULT_STATS, s) ? errno : 0;
}

static int track(const struct dev *d, int pid, unsigned int flags)
{
	struct mmscope_track t = { .size = sizeof(t), .flags = flags, .pid = pid };

	return ioctl(d->fd, MMSCOPE_IOC_TRACK, &t) ? errno : 0;
}

/* ---- --watch: refresh in place, q quits ----------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* SIGINT, SIGTERM and SIGHUP end the loop (no restart: a poll() returns). */
static void stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static struct termios term_saved;
static int term_raw;

static void term_restore(void)
{
	if (term_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
		term_raw = 0;
	}
}

/*
 * A --watch begins: on a terminal, keys arrive without Enter and unechoed
 * (the terminal is restored at exit however the command ends but SIGKILL:
 * return, die(), a signal that ends the loop).
 */
static void watch_begin(void)
{
	struct termios t;

	stop_on_signals();
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_saved))
		return;
	t = term_saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	atexit(term_restore);
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		term_raw = 1;
}

/* Wait @period seconds; 1 when it is time to stop: q, Ctrl-C, a signal. */
static int watch_wait(double period)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	double until = now_s() + period, left;
	char c;

	while (!interrupted && (left = until - now_s()) > 0) {
		if (poll(&p, term_raw, (int)(left * 1000) + 1) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1)
			return 1;	/* the terminal hung up */
		if (c == 'q' || c == 'Q')
			return 1;
	}
	return interrupted != 0;
}

/* Before a refresh: on a terminal, cursor home and clear (as top). */
static void watch_clear(void)
{
	if (!opt_json && isatty(STDOUT_FILENO))
		printf("\033[H\033[J");
}

/* After a refresh: a blank line between them when not on a terminal. */
static void watch_done(void)
{
	if (!opt_json && !isatty(STDOUT_FILENO))
		printf("\n");
	else if (!opt_json && term_raw)
		printf("# q or Ctrl-C quits\n");
	fflush(stdout);
}

/* Parse --watch SEC for @cmd. */
static double parse_watch(const char *cmd, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (*end || end == arg || !(v >= 0.1 && v <= 3600))
		die(EX_USAGE, "%s: --watch '%s': seconds between 0.1 and 3600", cmd, arg);
	return v;
}

/* ---- faults --children: the tracked descendants of PID ------------------- */

struct kid {
	int pid;
	struct mmscope_fault_stats s, prev;
};

struct kids {
	size_t n, cap;
	struct kid *v;
	struct mmscope_fault_stats sum, prev_sum;
};

/* Field 4 of /proc/PID/stat: the parent; 0 when unreadable. */
static int parent_of(int pid)
{
	const char *p;
	char buf[1024];
	int ppid = 0;

	p = proc_stat_fields(pid, buf, sizeof(buf));
	if (!p || sscanf(p, "%*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

static int kids_has(const struct kids *k, int pid)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i].pid == pid)
			return 1;
	return 0;
}

static void stats_add(struct mmscope_fault_stats *sum, const struct mmscope_fault_stats *s)
{
	unsigned int i, c;

	sum->total += s->total;
	for (i = 0; i < ARRAY_SIZE(axes); i++)
		for (c = 0; c < axes[i].nr; c++)
			((__u64 *)((char *)sum + axes[i].off))[c] += axis_counts(s, &axes[i])[c];
	sum->faultaround_pages += s->faultaround_pages;
}

/* Add @pid to the children found. */
static void kids_add(struct kids *k, int pid)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		k->v = realloc(k->v, k->cap * sizeof(*k->v));
		if (!k->v)
			die(EX_FAIL, "out of memory");
	}
	memset(&k->v[k->n], 0, sizeof(k->v[k->n]));
	k->v[k->n].pid = pid;
	k->n++;
}

/*
 * The module's own list (TRACKED): every adopted entry whose parent is @pid
 * or one found, reaped ones included.  0, or -1 when the module is older.
 */
static int kids_tracked(const struct dev *d, int pid, struct kids *k)
{
	struct mmscope_tracked_rec *t;
	size_t n, i;
	int changed = 1;

	if (!(d->api.features & MMSCOPE_FEATURE_INTROSPECT))
		return -1;
	t = phys_snap(d, MMSCOPE_IOC_TRACKED, _MMSCOPE_IOC_TRACKED, "TRACKED", sizeof(*t), &n);
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (!(t[i].flags & MMSCOPE_TRACKED_ADOPTED) || kids_has(k, t[i].pid) ||
			    (t[i].parent != pid && !kids_has(k, t[i].parent)))
				continue;
			kids_add(k, t[i].pid);
			changed = 1;
		}
	}
	free(t);
	return 0;
}

/*
 * Find the descendants of @pid the module tracks (MMSCOPE_TRACK_CHILDREN):
 * from the module's list when it has one (kids_tracked()), else every
 * process whose parent is @pid or one found, listed in /proc now (zombies
 * included; a child both born and reaped between two scans is not seen
 * there).  Those found stay (their entries outlive them).  Then read every
 * one's counts and their sum.
 */
static void kids_scan(const struct dev *d, int pid, struct kids *k)
{
	struct mmscope_fault_stats s;
	int *pids = NULL, *ppids = NULL, changed = 1;
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *dir;

	if (!kids_tracked(d, pid, k))
		goto counts;
	dir = opendir("/proc");
	if (!dir)
		die(EX_FAIL, "/proc: %s (is procfs mounted?)", strerror(errno));
	while ((e = readdir(dir))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			pids = realloc(pids, cap * sizeof(*pids));
			ppids = realloc(ppids, cap * sizeof(*ppids));
			if (!pids || !ppids)
				die(EX_FAIL, "out of memory");
		}
		pids[n] = atoi(e->d_name);
		ppids[n] = parent_of(pids[n]);
		n++;
	}
	closedir(dir);
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (pids[i] == pid || kids_has(k, pids[i]) ||
			    (ppids[i] != pid && !kids_has(k, ppids[i])))
				continue;
			if (fault_stats(d, pids[i], &s))
				continue;	/* not tracked (yet: listed shortly after fork) */
			kids_add(k, pids[i]);
			changed = 1;
		}
	}
	free(pids);
	free(ppids);
counts:
	k->prev_sum = k->sum;
	memset(&k->sum, 0, sizeof(k->sum));
	for (i = 0; i < k->n; i++) {
		k->v[i].prev = k->v[i].s;
		if (!fault_stats(d, k->v[i].pid, &s))
			k->v[i].s = s;	/* else removed from the table: the last counts */
		stats_add(&k->sum, &k->v[i].s);
	}
}

/* ---- faults: printing ------------------------------------------------------ */

/* total and the axes of @s into @o. */
static void stats_json(json_object *o, const struct mmscope_fault_stats *s)
{
	unsigned int i, k;

	json_put(o, "total", s->total);
	for (i = 0; i < ARRAY_SIZE(axes); i++) {
		json_object *a = json_object_new_object();

		for (k = 0; k < axes[i].nr; k++)
			json_put(a, axes[i].classes[k], axis_counts(s, &axes[i])[k]);
		json_object_object_add(o, axes[i].name, a);
	}
}

static uint64_t completed(const struct mmscope_fault_stats *s)
{
	return s->result[MMSCOPE_RESULT_MINOR] + s->result[MMSCOPE_RESULT_MAJOR];
}

/* What faults -- CMD learns of the command once it exited. */
struct cmd_end {
	struct rusage ru;		/* wait4(): the command and its reaped descendants */
	unsigned long long minflt, majflt;	/* /proc/PID/stat of the zombie: its own */
	int own_ok, status;
};

/*
 * @prev: the previous sample and @secs since it, for per-second rates;
 * @k: the children (--children); @end: the command's (-- CMD).
 */
static void faults_print(int pid, const struct mmscope_fault_stats *s,
			 const struct mmscope_fault_stats *prev, double secs,
			 const struct kids *k, const struct cmd_end *end)
{
	unsigned int i, c;
	size_t j;

	if (opt_json) {
		json_object *doc = json_doc("faults"), *v = json_object_new_array();

		json_object_object_add(doc, "pid", json_object_new_int(pid));
		json_object_object_add(doc, "exited", json_object_new_boolean(
					       s->flags & MMSCOPE_FAULT_EXITED));
		stats_json(doc, s);
		json_put(doc, "faultaround_pages", s->faultaround_pages);
		json_put(doc, "missed", s->missed);
		json_put(doc, "other_vmas", s->other_vmas);
		for (i = 0; i < s->nr_vmas && i < MMSCOPE_FAULT_TOP_VMAS; i++) {
			json_object *o = json_object_new_object(), *cs = json_object_new_object();

			json_put(o, "start", s->vmas[i].start);
			json_put(o, "end", s->vmas[i].end);
			json_put(o, "faults", s->vmas[i].faults);
			for (c = 0; c < MMSCOPE_NR_CAUSES; c++)
				if (s->vmas[i].cause[c])
					json_put(cs, cause_names[c], s->vmas[i].cause[c]);
			json_object_object_add(o, "cause", cs);
			json_object_array_add(v, o);
		}
		json_object_object_add(doc, "vmas", v);
		if (prev)
			json_object_object_add(doc, "per_sec", json_object_new_double(
						       secs > 0 ? (s->total - prev->total) / secs : 0));
		if (k) {
			json_object *a = json_object_new_array(), *t = json_object_new_object();

			for (j = 0; j < k->n; j++) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "pid", json_object_new_int(k->v[j].pid));
				json_object_object_add(o, "exited", json_object_new_boolean(
							       k->v[j].s.flags & MMSCOPE_FAULT_EXITED));
				stats_json(o, &k->v[j].s);
				json_object_array_add(a, o);
			}
			json_object_object_add(doc, "children", a);
			json_put(t, "processes", k->n);
			stats_json(t, &k->sum);
			json_object_object_add(doc, "children_total", t);
		}
		if (end) {
			json_object *r = json_object_new_object();

			json_put(r, "minflt", end->ru.ru_minflt);
			json_put(r, "majflt", end->ru.ru_majflt);
			json_object_object_add(doc, "rusage", r);
			if (end->own_ok) {
				r = json_object_new_object();
				json_put(r, "minflt", end->minflt);
				json_put(r, "majflt", end->majflt);
				json_object_object_add(doc, "own", r);
			} else {
				json_object_object_add(doc, "own", NULL);
			}
			json_object_object_add(doc, "exit_status", json_object_new_int(end->status));
		}
		json_print(doc);
		return;
	}
	printf("# pid %d%s: %llu faults", pid, s->flags & MMSCOPE_FAULT_EXITED ? " (exited)" : "",
	       (unsigned long long)s->total);
	if (end) {
		printf(" (minor+major %llu)", (unsigned long long)completed(s));
		if (end->own_ok)
			printf("; its own /proc stat minor %llu major %llu", end->minflt, end->majflt);
		printf("; getrusage (with reaped descendants) minor %ld major %ld",
		       end->ru.ru_minflt, end->ru.ru_majflt);
	}
	printf("\n%-7s %-15s %12s%s\n", "AXIS", "CLASS", "COUNT", prev ? "     PER_SEC" : "");
	for (i = 0; i < ARRAY_SIZE(axes); i++)
		for (c = 0; c < axes[i].nr; c++) {
			__u64 n = axis_counts(s, &axes[i])[c];

			if (!n)
				continue;
			printf("%-7s %-15s %12llu", axes[i].name, axes[i].classes[c],
			       (unsigned long long)n);
			if (prev)
				printf(" %11.1f", secs > 0 ? (n - axis_counts(prev, &axes[i])[c]) / secs :
							     0.0);
			printf("\n");
		}
	printf("%-7s %-15s %12llu\n", "extra", "faultaround", (unsigned long long)s->faultaround_pages);
	printf("%-7s %-15s %12llu\n", "extra", "missed", (unsigned long long)s->missed);
	if (s->nr_vmas) {
		printf("%-16s %-16s %10s %s\n", "VMA_START", "VMA_END", "FAULTS", "TOP_CAUSE");
		for (i = 0; i < s->nr_vmas && i < MMSCOPE_FAULT_TOP_VMAS; i++) {
			unsigned int top = 0;

			for (c = 1; c < MMSCOPE_NR_CAUSES; c++)
				if (s->vmas[i].cause[c] > s->vmas[i].cause[top])
					top = c;
			printf("%016llx %016llx %10llu %s\n", (unsigned long long)s->vmas[i].start,
			       (unsigned long long)s->vmas[i].end,
			       (unsigned long long)s->vmas[i].faults, cause_names[top]);
		}
	}
	if (k) {
		printf("# children of %d (tracked descendants): %zu\n%-10s %-6s %12s %12s %12s%s\n",
		       pid, k->n, "CHILD", "EXITED", "FAULTS", "MINOR", "MAJOR",
		       prev ? "     PER_SEC" : "");
		for (j = 0; j <= k->n; j++) {
			const struct mmscope_fault_stats *cs = j < k->n ? &k->v[j].s : &k->sum;
			const struct mmscope_fault_stats *cp = j < k->n ? &k->v[j].prev : &k->prev_sum;
			char name[16];

			snprintf(name, sizeof(name), "%d", j < k->n ? k->v[j].pid : 0);
			printf("%-10s %-6s %12llu %12llu %12llu", j < k->n ? name : "children",
			       j < k->n ? (cs->flags & MMSCOPE_FAULT_EXITED ? "yes" : "no") : "-",
			       (unsigned long long)cs->total,
			       (unsigned long long)cs->result[MMSCOPE_RESULT_MINOR],
			       (unsigned long long)cs->result[MMSCOPE_RESULT_MAJOR]);
			if (prev)
				printf(" %11.1f", secs > 0 ? (cs->total - cp->total) / secs : 0.0);
			printf("\n");
		}
	}
	fflush(stdout);
}

/* Fields 10 and 12 of /proc/PID/stat: minflt and majflt of its own threads. */
static int own_faults(int pid, unsigned long long *minflt, unsigned long long *majflt)
{
	const char *p;
	char buf[1024];

	p = proc_stat_fields(pid, buf, sizeof(buf));
	if (!p || sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", minflt, majflt) != 2)
		return -1;
	return 0;
}

/*
 * Run @argv tracked from its first fault: this process tracks itself with
 * CHILDREN and ON_CLOSE, forks (the child's entry counts from the fork),
 * untracks itself, lets the child exec once its entry is listed, waits.
 * Once it exited, and before it is reaped, its own count is in its
 * /proc/PID/stat (waitid() with WNOWAIT leaves the zombie): wait4()'s
 * rusage would add the descendants it reaped.
 */
static int faults_of_command(const struct dev *d, char **argv)
{
	struct mmscope_fault_stats s;
	struct cmd_end end = { 0 };
	int go[2], err, status, i;
	siginfo_t si;
	pid_t child;
	char c = 0;

	err = track(d, 0, MMSCOPE_TRACK_CHILDREN | MMSCOPE_TRACK_ON_CLOSE);
	if (err == EEXIST)
		die(EX_FAIL, "faults: this process is tracked already (by whom? 'cat /sys/kernel/debug/mmscope/track'): cannot count a command from its start");
	if (err == ENOSPC)
		die(EX_FAIL, "faults: %d processes are tracked already (MMSCOPE_TRACK_MAX)", MMSCOPE_TRACK_MAX);
	if (err)
		die(EX_FAIL, "faults: TRACK: %s", strerror(err));
	if (pipe2(go, O_CLOEXEC))
		die(EX_FAIL, "pipe: %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child < 0)
		die(EX_FAIL, "fork: %s", strerror(errno));
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the tool died before the go */
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	track(d, 0, MMSCOPE_TRACK_REMOVE);
	/* the child is listed by the module's adoption work: wait for it */
	for (i = 0; i < 1000 && (err = fault_stats(d, child, &s)) == ENOENT; i++)
		usleep(10000);
	if (err) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		die(EX_FAIL, "faults: the module did not list the command's process %d: %s", child,
		    strerror(err));
	}
	signal(SIGINT, SIG_IGN);	/* the command gets it; we report */
	signal(SIGQUIT, SIG_IGN);
	if (write(go[1], &c, 1) != 1)
		die(EX_FAIL, "faults: cannot start the command: %s", strerror(errno));
	close(go[1]);
	while (waitid(P_PID, child, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			die(EX_FAIL, "waitid: %s", strerror(errno));
	end.own_ok = !own_faults(child, &end.minflt, &end.majflt);
	while (wait4(child, &status, 0, &end.ru) < 0)
		if (errno != EINTR)
			die(EX_FAIL, "wait4: %s", strerror(errno));
	/* reaped: its entry says it exited (a zombie faults no more) */
	err = fault_stats(d, child, &s);
	if (err)
		die(EX_FAIL, "faults: FAULT_STATS of %d: %s", child, strerror(err));
	end.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	faults_print(child, &s, NULL, 0, NULL, &end);
	return end.status;
}

/* ---- faults --follow: the event stream ------------------------------------ */

#define FOLLOW_RING	4096	/* records in the stream's ring */
#define FOLLOW_BATCH	256	/* records a read() */

struct follower {
	const struct dev *d;
	int pid;
	struct vma_list vl;
	uint64_t loaded_ns;	/* when vl was read (CLOCK_MONOTONIC, as time_ns) */
	uint64_t events, dropped;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static void follow_load(struct follower *f)
{
	f->loaded_ns = now_ns();
	if (vma_list_load(f->d, f->pid, &f->vl))
		vma_list_free(&f->vl);	/* gone: the events say the rest */
}

/* One event: a line of text, or one JSON object a line. */
static void follow_event(struct follower *f, const struct mmscope_fault_event *e)
{
	long v = vma_list_find(&f->vl, e->address);
	const struct mmscope_vma_rec *r;

	/* a VMA made after the list was read: read it again (once per event time) */
	if (v < 0 && e->time_ns > f->loaded_ns) {
		follow_load(f);
		v = vma_list_find(&f->vl, e->address);
	}
	r = v >= 0 ? &f->vl.v[v] : NULL;
	f->events++;
	f->dropped += e->dropped;
	if (opt_json) {
		json_object *o = json_object_new_object();

		json_put(o, "time_ns", e->time_ns);
		json_object_object_add(o, "pid", json_object_new_int(e->pid));
		json_object_object_add(o, "tid", json_object_new_int(e->tid));
		json_put(o, "address", e->address);
		json_put(o, "ip", e->ip);
		json_object_object_add(o, "origin", json_object_new_string(NAME_OF(origin_names, e->origin)));
		json_object_object_add(o, "access", json_object_new_string(NAME_OF(access_names, e->access)));
		json_object_object_add(o, "result", json_object_new_string(NAME_OF(result_names, e->result)));
		json_object_object_add(o, "memory", json_object_new_string(NAME_OF(mem_names, e->memory)));
		json_object_object_add(o, "cause", json_object_new_string(NAME_OF(cause_names, e->cause)));
		json_put(o, "latency_ns", e->latency_ns);
		json_put(o, "faultaround", e->faultaround);
		json_put(o, "dropped", e->dropped);
		if (r) {
			json_object *m = json_object_new_object();

			json_put(m, "start", r->start);
			json_put(m, "end", r->end);
			json_object_object_add(m, "kind", json_object_new_string(
						       NAME_OF(vma_kinds, r->kind)));
			json_object_object_add(m, "path", f->vl.path[v] ?
					       json_object_new_string(f->vl.path[v]) : NULL);
			json_object_object_add(o, "vma", m);
		} else {
			json_object_object_add(o, "vma", NULL);
		}
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	if (e->dropped)
		printf("# %u events dropped here (the reader fell behind)\n", e->dropped);
	printf("%17.6f %7u %7u %016llx %-5s %-7s %-7s %-14s %016llx %016llx %-7s %s\n",
	       e->time_ns / 1e9, e->pid, e->tid, (unsigned long long)e->address,
	       NAME_OF(access_names, e->access), NAME_OF(result_names, e->result),
	       NAME_OF(mem_names, e->memory), NAME_OF(cause_names, e->cause),
	       r ? (unsigned long long)r->start : 0ULL, r ? (unsigned long long)r->end : 0ULL,
	       r ? NAME_OF(vma_kinds, r->kind) : "-", r && f->vl.path[v] ? f->vl.path[v] : "-");
}

/* Read what waits in the stream (non-blocking); 0 when it was empty. */
static int follow_read(struct follower *f, int sfd)
{
	struct mmscope_fault_event ev[FOLLOW_BATCH];
	ssize_t n, i;
	int any = 0;

	while ((n = read(sfd, ev, sizeof(ev))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
			follow_event(f, &ev[i]);
		any = 1;
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		die(EX_FAIL, "faults: read of the event stream: %s", strerror(errno));
	return any;
}

/*
 * faults --follow PID: PID tracked (ON_CLOSE, on @d's file) unless it was,
 * and its events read from a stream on a file of their own, until PID exits
 * or a signal.  The first line (JSON: a document head) says the stream is up.
 */
static int faults_follow(const struct dev *d, int pid)
{
	struct mmscope_fault_stream st = { .size = sizeof(st), .ring_records = FOLLOW_RING };
	struct follower f = { .d = d, .pid = pid };
	struct mmscope_fault_stats s;
	struct pollfd p;
	double checked;
	int err, sfd;

	dev_need(d, _MMSCOPE_IOC_FAULT_STREAM, "FAULT_STREAM");
	dev_need(d, _MMSCOPE_IOC_VMAS, "VMAS");
	err = fault_stats(d, pid, &s);
	if (err == ENOENT) {
		err = track(d, pid, MMSCOPE_TRACK_ON_CLOSE);
		if (err)
			die_pid("faults: TRACK of", pid, err);
		err = fault_stats(d, pid, &s);
	}
	if (err)
		die_pid("faults: FAULT_STATS of", pid, err);
	sfd = open(dev_path(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (sfd < 0)
		die(EX_FAIL, "%s: %s", dev_path(), strerror(errno));
	st.pid = pid;
	if (ioctl(sfd, MMSCOPE_IOC_FAULT_STREAM, &st))
		die(EX_FAIL, "faults: FAULT_STREAM of %d: %s", pid, strerror(errno));
	follow_load(&f);
	stop_on_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt_json) {
		json_object *doc = json_doc("faults");

		json_object_object_add(doc, "pid", json_object_new_int(pid));
		json_object_object_add(doc, "follow", json_object_new_boolean(1));
		json_print(doc);
	} else {
		printf("%-17s %7s %7s %-16s %-5s %-7s %-7s %-14s %-16s %-16s %-7s %s\n", "TIME",
		       "PID", "TID", "ADDRESS", "ACCESS", "RESULT", "MEMORY", "CAUSE", "VMA_START",
		       "VMA_END", "KIND", "PATH");
	}
	fflush(stdout);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: following %d until it exits or Ctrl-C\n", prog, pid);
	p.fd = sfd;
	p.events = POLLIN;
	checked = now_s();
	while (!interrupted && !(s.flags & MMSCOPE_FAULT_EXITED)) {
		if (poll(&p, 1, 200) > 0)
			follow_read(&f, sfd);
		/* whether PID exited, five times a second */
		if (now_s() - checked >= 0.2) {
			checked = now_s();
			err = fault_stats(d, pid, &s);
			if (err)
				die_pid("faults: FAULT_STATS of", pid, err);
		}
	}
	/* every event up to the end: the ring keeps what was not read */
	while (follow_read(&f, sfd))
		;
	st.flags = 0;
	st.watermark = 0;	/* the same ring again: the totals, nothing changed */
	if (!ioctl(sfd, MMSCOPE_IOC_FAULT_STREAM, &st))
		f.dropped = st.dropped;
	if (opt_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "end", json_object_new_boolean(1));
		json_put(o, "events", f.events);
		json_put(o, "dropped", f.dropped);
		json_object_object_add(o, "exited", json_object_new_boolean(
					       s.flags & MMSCOPE_FAULT_EXITED));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		printf("# %llu events, %llu dropped%s\n", (unsigned long long)f.events,
		       (unsigned long long)f.dropped,
		       s.flags & MMSCOPE_FAULT_EXITED ? "; the process exited" : "");
	}
	close(sfd);
	vma_list_free(&f.vl);
	return EX_OK;
}

int cmd_faults(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "follow", no_argument, NULL, 'f' },
		{ "children", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mmscope_fault_stats s, prev;
	int pid, c, err, mine = 0, follow = 0, children = 0;
	struct kids kids = { 0 }, *k = NULL;
	double watch = 0, t0, secs = 0;
	struct dev d;

	while ((c = getopt_long(argc, argv, "+w:fch", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			watch = parse_watch("faults", optarg);
			break;
		case 'f':
			follow = 1;
			break;
		case 'c':
			children = 1;
			break;
		case 'h':
			usage_of("faults");
		default:
			die(EX_USAGE, "faults: see 'mmscope faults --help'");
		}
	}
	if (optind >= argc)
		die(EX_USAGE, "faults: a PID, or -- and a command to run");
	if (follow && (watch || children))
		die(EX_USAGE, "faults: --follow shows PID's own events, one a line: not with --watch or --children");
	dev_open(&d);
	dev_need(&d, _MMSCOPE_IOC_FAULT_STATS, "FAULT_STATS");
	if (!(d.api.features & MMSCOPE_FEATURE_TRACK_ON_CLOSE))
		die(EX_FEATURE, "the loaded module has no MMSCOPE_TRACK_ON_CLOSE: it is older than this mmscope; load a newer build");
	if (!strcmp(argv[optind - 1], "--") || !isdigit((unsigned char)argv[optind][0])) {
		if (watch || follow || children)
			die(EX_USAGE, "faults: --watch, --follow and --children are for a PID, not a command");
		return faults_of_command(&d, argv + optind);
	}
	if (argc - optind != 1)
		die(EX_USAGE, "faults: one PID expected");
	pid = parse_pid(argv[optind], "faults");
	if (follow)
		return faults_follow(&d, pid);

	/* tracked already: show it; else track it for as long as we run */
	err = fault_stats(&d, pid, &s);
	if (err == ENOENT) {
		err = track(&d, pid, MMSCOPE_TRACK_ON_CLOSE |
				     (children ? MMSCOPE_TRACK_CHILDREN : 0));
		if (err)
			die_pid("faults: TRACK of", pid, err);
		mine = 1;
		err = fault_stats(&d, pid, &s);
	} else if (!err && children && isatty(STDERR_FILENO)) {
		fprintf(stderr, "%s: %d was tracked already: its children are counted only if it was tracked with children\n",
			prog, pid);
	}
	if (err)
		die_pid("faults: FAULT_STATS of", pid, err);
	if (children) {
		k = &kids;
		kids_scan(&d, pid, k);
	}
	if (!mine && !watch) {
		faults_print(pid, &s, NULL, 0, k, NULL);
		return EX_OK;
	}
	if (watch)
		watch_begin();
	else
		stop_on_signals();
	if (!watch && isatty(STDERR_FILENO))
		fprintf(stderr, "%s: tracking %d until it exits or Ctrl-C\n", prog, pid);
	prev = s;
	t0 = now_s();
	for (;;) {
		if (watch) {
			watch_clear();
			faults_print(pid, &s, &prev, secs, k, NULL);
			watch_done();
			if (s.flags & MMSCOPE_FAULT_EXITED || watch_wait(watch))
				break;
		} else if (s.flags & MMSCOPE_FAULT_EXITED || watch_wait(0.2)) {
			/* without --watch, look for the exit five times a second */
			break;
		}
		prev = s;
		err = fault_stats(&d, pid, &s);
		if (err)
			die_pid("faults: FAULT_STATS of", pid, err);
		if (k)
			kids_scan(&d, pid, k);
		secs = now_s() - t0;
		t0 += secs;
	}
	if (!watch) {
		/* the counts at the end, with the children still there then */
		if (!(s.flags & MMSCOPE_FAULT_EXITED))
			fault_stats(&d, pid, &s);
		if (k)
			kids_scan(&d, pid, k);
		faults_print(pid, &s, NULL, 0, k, NULL);
	}
	free(kids.v);
	return EX_OK;
}

/* ---- physical memory ----------------------------------------------------- */

#define PAGE		4096ULL
#define KIB(pages)	((unsigned long long)(pages) * (PAGE / 1024))

static const char *const zs_names[] = { MMSCOPE_ZS_NAMES };
const char *const mt_names[MMSCOPE_MT_NR] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/*
 * One snapshot of a physical-memory view: as many records as the pass
 * produced (the buffer grows until one pass fits).  Returns the records
 * (malloc'd) and their number in @nr.
 */
void *phys_snap(const struct dev *d, unsigned long cmd, unsigned int nr_ioc,
		const char *what, size_t rec_size, size_t *nr)
{
	struct mmscope_phys_snap q;
	size_t cap = 16;
	void *buf = NULL;

	dev_need(d, nr_ioc, what);
	for (;;) {
		free(buf);
		buf = calloc(cap, rec_size);
		if (!buf)
			die(EX_FAIL, "out of memory");
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.rec_size = rec_size;
		q.buf = (uintptr_t)buf;
		q.buf_len = cap * rec_size;
		if (ioctl(d->fd, cmd, &q)) {
			if (errno == ENODATA)
				die(EX_FEATURE, "%s: the module was loaded without the slab layout: load it with scripts/mmscope-load (Documentation/physical-memory.md)",
				    what);
			die(EX_FAIL, "%s: %s", what, strerror(errno));
		}
		if (q.nr_recs == q.nr_total)
			break;
		cap = q.nr_total + 16;
	}
	*nr = q.nr_recs;
	return buf;
}

/* Only --help: the physical views take no options of their own but these. */
static void no_args(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			usage_of(cmd);
		die(EX_USAGE, "%s: see 'mmscope %s --help'", cmd, cmd);
	}
	if (optind < argc)
		die(EX_USAGE, "%s: no arguments expected ('%s')", cmd, argv[optind]);
}

int cmd_zones(int argc, char **argv)
{
	struct mmscope_zone_rec *r;
	size_t n, i, j;
	struct dev d;

	no_args("zones", argc, argv);
	dev_open(&d);
	r = phys_snap(&d, MMSCOPE_IOC_PHYS_ZONES, _MMSCOPE_IOC_PHYS_ZONES, "PHYS_ZONES",
		      sizeof(*r), &n);
	if (opt_json) {
		json_object *doc = json_doc("zones"), *a = json_object_new_array();

		for (i = 0; i < n; i++) {
			json_object *o = json_object_new_object(), *p = json_object_new_array();
			json_object *st = json_object_new_object();

			json_put(o, "node", r[i].node);
			json_object_object_add(o, "zone", json_object_new_string(r[i].name));
			json_put(o, "start_pfn", r[i].start_pfn);
			json_put(o, "spanned", r[i].spanned * PAGE);
			json_put(o, "present", r[i].present * PAGE);
			json_put(o, "managed", r[i].managed * PAGE);
			json_put(o, "free", r[i].stat[MMSCOPE_ZS_FREE_PAGES] * PAGE);
			json_put(o, "cma", r[i].cma * PAGE);
			json_put(o, "min", r[i].min * PAGE);
			json_put(o, "low", r[i].low * PAGE);
			json_put(o, "high", r[i].high * PAGE);
			json_put(o, "boost", r[i].boost * PAGE);
			json_put(o, "reserved_highatomic", r[i].reserved_highatomic * PAGE);
			for (j = 0; j < r[i].nr_zones && j < MMSCOPE_MAX_ZONES; j++)
				json_object_array_add(p, json_object_new_uint64(r[i].protection[j] *
										PAGE));
			json_object_object_add(o, "protection", p);
			json_put(o, "populated", r[i].populated);
			json_put(o, "pcp_count", r[i].pcp_count * PAGE);
			json_put(o, "pcp_high", r[i].pcp_high * PAGE);
			json_put(o, "pcp_batch_pages", r[i].pcp_batch);
			json_put(o, "stat_threshold_pages", r[i].stat_threshold);
			for (j = 0; j < MMSCOPE_ZS_NR; j++)
				json_put(st, zs_names[j], r[i].stat[j] * PAGE);
			json_object_object_add(o, "stat", st);
			json_object_array_add(a, o);
		}
		json_put(doc, "page_size", PAGE);
		json_object_object_add(doc, "zones", a);
		json_print(doc);
	} else {
		printf("%4s %-8s %10s %10s %10s %10s %10s %8s %8s %8s %8s %8s\n", "NODE", "ZONE",
		       "START_PFN", "SPANNED", "PRESENT", "MANAGED", "FREE", "MIN", "LOW", "HIGH",
		       "BOOST", "PCP");
		for (i = 0; i < n; i++)
			printf("%4u %-8s %10llu %10llu %10llu %10llu %10llu %8llu %8llu %8llu %8llu %8llu\n",
			       r[i].node, r[i].name, (unsigned long long)r[i].start_pfn,
			       KIB(r[i].spanned), KIB(r[i].present), KIB(r[i].managed),
			       KIB(r[i].stat[MMSCOPE_ZS_FREE_PAGES]), KIB(r[i].min),
			       KIB(r[i].low), KIB(r[i].high), KIB(r[i].boost),
			       KIB(r[i].pcp_count));
		printf("# kB; START_PFN a page frame number\n");
	}
	free(r);
	return EX_OK;
}

int cmd_buddy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "types", no_argument, NULL, 't' },
		{ "frag", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mmscope_buddy_rec *r;
	int types = 0, frag = 0, c;
	unsigned int o, mt, orders = 0;
	size_t n, i;
	struct dev d;

	while ((c = getopt_long(argc, argv, "+tfh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			types = 1;
			break;
		case 'f':
			frag = 1;
			break;
		case 'h':
			usage_of("buddy");
		default:
			die(EX_USAGE, "buddy: see 'mmscope buddy --help'");
		}
	}
	if (optind < argc)
		die(EX_USAGE, "buddy: no arguments expected ('%s')", argv[optind]);
	dev_open(&d);
	r = phys_snap(&d, MMSCOPE_IOC_PHYS_BUDDY, _MMSCOPE_IOC_PHYS_BUDDY, "PHYS_BUDDY",
		      sizeof(*r), &n);
	for (i = 0; i < n; i++)
		if (r[i].nr_orders > orders)
			orders = r[i].nr_orders < MMSCOPE_MAX_ORDERS ? r[i].nr_orders :
								     MMSCOPE_MAX_ORDERS;
	if (opt_json) {
		json_object *doc = json_doc("buddy"), *a = json_object_new_array();

		for (i = 0; i < n; i++) {
			json_object *o_ = json_object_new_object(), *nf = json_object_new_array();
			json_object *un = json_object_new_array(), *fr = json_object_new_array();
			json_object *lists = json_object_new_object(), *pb = json_object_new_object();
			json_object *cap = json_object_new_array();

			json_put(o_, "node", r[i].node);
			json_object_object_add(o_, "zone", json_object_new_string(r[i].name));
			json_put(o_, "nr_orders", r[i].nr_orders);
			json_put(o_, "pageblock_order", r[i].pb_order);
			json_put(o_, "free", r[i].free_pages * PAGE);
			for (o = 0; o < r[i].nr_orders && o < MMSCOPE_MAX_ORDERS; o++) {
				json_object_array_add(nf, json_object_new_uint64(r[i].nr_free[o]));
				json_object_array_add(un, json_object_new_int(r[i].unusable[o]));
				json_object_array_add(fr, json_object_new_int(r[i].fragmentation[o]));
			}
			for (mt = 0; mt < MMSCOPE_MT_NR; mt++) {
				json_object *l = json_object_new_array();

				for (o = 0; o < r[i].nr_orders && o < MMSCOPE_MAX_ORDERS; o++)
					json_object_array_add(l, json_object_new_uint64(
								  r[i].walked[o][mt]));
				json_object_object_add(lists, mt_names[mt], l);
				json_put(pb, mt_names[mt], r[i].pageblocks[mt]);
			}
			for (o = 0; o < r[i].nr_orders && o < MMSCOPE_MAX_ORDERS; o++)
				for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
					if (r[i].capped[o] & (1U << mt)) {
						json_object *e = json_object_new_object();

						json_put(e, "order", o);
						json_object_object_add(e, "type",
							json_object_new_string(mt_names[mt]));
						json_object_array_add(cap, e);
					}
			json_object_object_add(o_, "nr_free", nf);
			json_object_object_add(o_, "free_lists", lists);
			json_object_object_add(o_, "capped", cap);
			json_object_object_add(o_, "pageblocks", pb);
			json_object_object_add(o_, "unusable_index_x1000", un);
			json_object_object_add(o_, "fragmentation_index_x1000", fr);
			json_object_array_add(a, o_);
		}
		json_object_object_add(doc, "zones", a);
		json_print(doc);
		free(r);
		return EX_OK;
	}
	/* free blocks per order, as /proc/buddyinfo */
	printf("%4s %-8s %10s", "NODE", "ZONE", "FREE");
	for (o = 0; o < orders; o++)
		printf(" %6s%u", "O", o);
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("%4u %-8s %10llu", r[i].node, r[i].name, KIB(r[i].free_pages));
		for (o = 0; o < orders; o++)
			printf(" %7llu", (unsigned long long)r[i].nr_free[o]);
		printf("\n");
	}
	printf("# FREE in kB, then free blocks of each order (order N: 4 KiB << N)\n");
	if (types) {
		printf("\n%4s %-8s %-11s %8s", "NODE", "ZONE", "TYPE", "BLOCKS");
		for (o = 0; o < orders; o++)
			printf(" %6s%u", "O", o);
		printf("\n");
		for (i = 0; i < n; i++)
			for (mt = 0; mt < MMSCOPE_MT_NR; mt++) {
				printf("%4u %-8s %-11s %8llu", r[i].node, r[i].name, mt_names[mt],
				       (unsigned long long)r[i].pageblocks[mt]);
				for (o = 0; o < orders; o++)
					printf(" %6llu%s",
					       (unsigned long long)r[i].walked[o][mt],
					       r[i].capped[o] & (1U << mt) ? "+" : " ");
				printf("\n");
			}
		printf("# pageblocks and free blocks per migratetype and order; + a list walk stopped at %d entries\n",
		       MMSCOPE_BUDDY_CAP);
	}
	if (frag) {
		printf("\n%4s %-8s %-13s", "NODE", "ZONE", "INDEX");
		for (o = 0; o < orders; o++)
			printf(" %6s%u", "O", o);
		printf("\n");
		for (i = 0; i < n; i++) {
			printf("%4u %-8s %-13s", r[i].node, r[i].name, "unusable");
			for (o = 0; o < orders; o++)
				printf(" %7.3f", r[i].unusable[o] / 1000.0);
			printf("\n%4u %-8s %-13s", r[i].node, r[i].name, "fragmentation");
			for (o = 0; o < orders; o++)
				printf(" %7.3f", r[i].fragmentation[o] / 1000.0);
			printf("\n");
		}
		printf("# as /sys/kernel/debug/extfrag: unusable_index and extfrag_index (-1: a free block of that order exists)\n");
	}
	free(r);
	return EX_OK;
}

/* cgroup ids (the inode numbers of cgroup2 directories) to their paths */
#define CG_ROOT		"/sys/fs/cgroup"
#define MAX_CGROUPS	4096

static struct cg_name {
	unsigned long long ino;
	char *path;
} cg_names[MAX_CGROUPS];
static size_t nr_cg;

static int cg_visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type == FTW_D && nr_cg < MAX_CGROUPS) {
		const char *rel = path + strlen(CG_ROOT);

		cg_names[nr_cg].ino = st->st_ino;
		cg_names[nr_cg++].path = strdup(*rel ? rel : "/");
	}
	return 0;
}

static const char *cg_path(unsigned long long id)
{
	size_t i;

	if (!nr_cg)
		nftw(CG_ROOT, cg_visit, 16, FTW_PHYS | FTW_MOUNT);
	for (i = 0; i < nr_cg; i++)
		if (cg_names[i].ino == id)
			return cg_names[i].path;
	return NULL;
}

static const char *const lru_names[MMSCOPE_LRU_NR] = {
	"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable",
};
static const char *const lru_flag_names[MMSCOPE_LF_NR] = {
	"referenced", "active", "dirty", "writeback", "swapbacked", "mlocked", "workingset",
	"large",
};

int cmd_lru(int argc, char **argv)
{
	struct mmscope_lru_rec *r;
	__u64 sum[MMSCOPE_LRU_NR] = { 0 };
	unsigned int l, g;
	size_t n, i;
	struct dev d;

	no_args("lru", argc, argv);
	dev_open(&d);
	r = phys_snap(&d, MMSCOPE_IOC_PHYS_LRU, _MMSCOPE_IOC_PHYS_LRU, "PHYS_LRU", sizeof(*r), &n);
	for (i = 0; i < n; i++)
		for (l = 0; l < MMSCOPE_LRU_NR; l++)
			sum[l] += r[i].lists[l];
	if (opt_json) {
		json_object *doc = json_doc("lru"), *a = json_object_new_array(), *t;

		for (i = 0; i < n; i++) {
			json_object *o = json_object_new_object(), *li = json_object_new_object();
			json_object *fl = json_object_new_object(), *w = json_object_new_object();
			json_object *gens = json_object_new_array();
			const char *path = r[i].cgroup_id ? cg_path(r[i].cgroup_id) : NULL;

			json_put(o, "cgroup_id", r[i].cgroup_id);
			json_object_object_add(o, "cgroup", path ? json_object_new_string(path) : NULL);
			json_put(o, "node", r[i].node);
			json_object_object_add(o, "mglru", json_object_new_boolean(
						       r[i].flags & MMSCOPE_LRU_MGLRU));
			json_object_object_add(o, "offline", json_object_new_boolean(
						       r[i].flags & MMSCOPE_LRU_OFFLINE));
			for (l = 0; l < MMSCOPE_LRU_NR; l++)
				json_put(li, lru_names[l], r[i].lists[l] * PAGE);
			json_object_object_add(o, "lists", li);
			if (r[i].flags & MMSCOPE_LRU_MGLRU) {
				for (g = 0; g < r[i].nr_gens && g < MMSCOPE_LRU_GENS; g++) {
					json_object *e = json_object_new_object();

					json_put(e, "seq", r[i].max_seq - g);
					json_object_object_add(e, "anon", json_object_new_int64(
								       r[i].gen_pages[g][0] * (long long)PAGE));
					json_object_object_add(e, "file", json_object_new_int64(
								       r[i].gen_pages[g][1] * (long long)PAGE));
					json_object_array_add(gens, e);
				}
				json_object_object_add(o, "generations", gens);
			} else {
				json_object_put(gens);
			}
			json_put(w, "lists", r[i].walk_lists);
			json_put(w, "capped", r[i].walk_capped);
			json_put(w, "folios", r[i].walk_folios);
			json_put(w, "pages", r[i].walk_pages);
			for (l = 0; l < MMSCOPE_LF_NR; l++)
				json_put(fl, lru_flag_names[l], r[i].flag_folios[l]);
			json_object_object_add(w, "flag_folios", fl);
			json_object_object_add(o, "walk", w);
			json_object_array_add(a, o);
		}
		json_object_object_add(doc, "lruvecs", a);
		t = json_object_new_object();
		for (l = 0; l < MMSCOPE_LRU_NR; l++)
			json_put(t, lru_names[l], sum[l] * PAGE);
		json_object_object_add(doc, "total", t);
		json_print(doc);
		free(r);
		return EX_OK;
	}
	printf("%4s %12s %12s %12s %12s %12s %-7s %s\n", "NODE", "INACT_ANON", "ACTIVE_ANON",
	       "INACT_FILE", "ACTIVE_FILE", "UNEVICTABLE", "LRU", "CGROUP");
	for (i = 0; i < n; i++) {
		const char *path = r[i].cgroup_id ? cg_path(r[i].cgroup_id) : "-";

		printf("%4u", r[i].node);
		for (l = 0; l < MMSCOPE_LRU_NR; l++)
			printf(" %12llu", KIB(r[i].lists[l]));
		printf(" %-7s %s%s\n", r[i].flags & MMSCOPE_LRU_MGLRU ? "mglru" : "classic",
		       path ? path : "?", r[i].flags & MMSCOPE_LRU_OFFLINE ? " (offline)" : "");
	}
	printf("%4s", "all");
	for (l = 0; l < MMSCOPE_LRU_NR; l++)
		printf(" %12llu", KIB(sum[l]));
	printf("\n# kB per (memory cgroup, node); under MGLRU the two youngest generations count as active\n");
	free(r);
	return EX_OK;
}

/* slabtop's keys: the figure each sorts by, largest first (name: A to Z). */
static uint64_t slab_bytes(const struct mmscope_slab_rec *r)
{
	return r->num_slabs * r->pages_per_slab * PAGE;
}

static const struct slab_key {
	const char *name;
	uint64_t (*get)(const struct mmscope_slab_rec *r);
} slab_keys[];

#define SLAB_GETTER(field) \
	static uint64_t slab_##field(const struct mmscope_slab_rec *r) { return r->field; }
SLAB_GETTER(num_objs)
SLAB_GETTER(active_objs)
SLAB_GETTER(num_slabs)
SLAB_GETTER(size)

static const struct slab_key slab_keys[] = {
	{ "size", slab_bytes }, { "objs", slab_num_objs }, { "active", slab_active_objs },
	{ "slabs", slab_num_slabs }, { "objsize", slab_size }, { "name", NULL },
};

static const struct slab_key *slab_sort;

static int slab_cmp(const void *a, const void *b)
{
	const struct mmscope_slab_rec *x = a, *y = b;
	uint64_t u, v;

	if (slab_sort->get) {
		u = slab_sort->get(x);
		v = slab_sort->get(y);
		if (u != v)
			return u < v ? 1 : -1;
	}
	return strcmp(x->name, y->name);
}

static int slab_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mmscope_slab_rec *)a)->name,
		      ((const struct mmscope_slab_rec *)b)->name);
}

/*
 * One slab list; with @old (the previous sample, sorted by name) and @secs
 * since it, the objects a second each cache gained or lost.
 */
static void slab_print(const struct mmscope_slab_rec *r, size_t n,
		       const struct mmscope_slab_rec *old, size_t nold, double secs)
{
	size_t i;

	if (opt_json) {
		json_object *doc = json_doc("slab"), *a = json_object_new_array();

		for (i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			const struct mmscope_slab_rec *p = old ?
				bsearch(&r[i], old, nold, sizeof(*old), slab_name_cmp) : NULL;

			json_object_object_add(o, "name", json_object_new_string(r[i].name));
			json_put(o, "active_objs", r[i].active_objs);
			json_put(o, "num_objs", r[i].num_objs);
			json_put(o, "objsize", r[i].size);
			json_put(o, "object_size", r[i].object_size);
			json_put(o, "objs_per_slab", r[i].objs_per_slab);
			json_put(o, "pages_per_slab", r[i].pages_per_slab);
			json_put(o, "num_slabs", r[i].num_slabs);
			json_put(o, "partial_slabs", r[i].partial_slabs);
			json_put(o, "partial_free", r[i].partial_free);
			json_put(o, "bytes", slab_bytes(&r[i]));
			json_object_object_add(o, "refcount", json_object_new_int(r[i].refcount));
			json_put(o, "cache_flags", r[i].cache_flags);
			json_object_object_add(o, "estimated", json_object_new_boolean(
						       r[i].flags & MMSCOPE_SLAB_ESTIMATED));
			if (old)
				json_object_object_add(o, "objs_per_sec", json_object_new_double(
					p && secs > 0 ? ((double)r[i].num_objs - p->num_objs) / secs : 0));
			json_object_array_add(a, o);
		}
		json_object_object_add(doc, "caches", a);
		json_print(doc);
		return;
	}
	printf("%9s %9s %4s %8s %7s %8s %10s%s %s\n", "OBJS", "ACTIVE", "USE", "OBJ_SIZE",
	       "SLABS", "OBJ/SLAB", "CACHE_SIZE", old ? "     OBJS/S" : "", "NAME");
	for (i = 0; i < n; i++) {
		const struct mmscope_slab_rec *p = old ?
			bsearch(&r[i], old, nold, sizeof(*old), slab_name_cmp) : NULL;

		printf("%9llu %9llu %3llu%% %8u %7llu %8u %10llu",
		       (unsigned long long)r[i].num_objs,
		       (unsigned long long)r[i].active_objs,
		       r[i].num_objs ? (unsigned long long)(r[i].active_objs * 100 /
							    r[i].num_objs) : 0ULL,
		       r[i].size, (unsigned long long)r[i].num_slabs, r[i].objs_per_slab,
		       (unsigned long long)slab_bytes(&r[i]) >> 10);
		if (old)
			printf(" %11.1f", p && secs > 0 ? ((double)r[i].num_objs - p->num_objs) / secs :
						     0.0);
		printf(" %s%s\n", r[i].name,
		       r[i].flags & MMSCOPE_SLAB_ESTIMATED ? " (estimated)" : "");
	}
	printf("# CACHE_SIZE in kB; OBJ_SIZE bytes a slot; as /proc/slabinfo\n");
}

int cmd_slab(int argc, char **argv)
{
	struct mmscope_slab_rec *r, *old = NULL;
	const char *key = "size";
	double watch = 0, t0, secs = 0;
	long lines = -1, show;
	size_t n, nold = 0, i;
	struct winsize ws;
	struct dev d;

	list_opts("slab", argc, argv, &key, &lines, &watch);
	if (optind < argc)
		die(EX_USAGE, "slab: no arguments expected ('%s')", argv[optind]);
	for (i = 0; i < ARRAY_SIZE(slab_keys); i++)
		if (!strcmp(slab_keys[i].name, key))
			slab_sort = &slab_keys[i];
	if (!slab_sort)
		die(EX_USAGE, "slab: --sort %s: one of size, objs, active, slabs, objsize, name",
		    key);
	dev_open(&d);
	if (watch)
		watch_begin();
	t0 = now_s();
	for (;;) {
		r = phys_snap(&d, MMSCOPE_IOC_PHYS_SLAB, _MMSCOPE_IOC_PHYS_SLAB, "PHYS_SLAB",
			      sizeof(*r), &n);
		qsort(r, n, sizeof(*r), slab_cmp);
		show = lines;
		/* in place on a terminal: as many caches as the screen holds */
		if (watch && lines < 0 && !opt_json && isatty(STDOUT_FILENO) &&
		    !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 4)
			show = ws.ws_row - 4;
		if (watch)
			watch_clear();
		slab_print(r, show >= 0 && (size_t)show < n ? (size_t)show : n,
			   watch ? (old ? old : r) : NULL, old ? nold : 0, secs);
		if (!watch) {
			free(r);
			return EX_OK;
		}
		watch_done();
		free(old);
		old = r;
		nold = n;
		qsort(old, nold, sizeof(*old), slab_name_cmp);
		if (watch_wait(watch))
			break;
		secs = now_s() - t0;
		t0 += secs;
	}
	free(old);
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
	{ "pt", cmd_pt, "PID [--range START-END] [--dense]",
	  "the page-table leaves of PID in runs of equal entries: start, end, pages,\n"
	  "\tlevel, type, kind, hardware and software bits, mapcount, PFN, swap area;\n"
	  "\t--range only those (hex addresses), --dense one line per page" },
	{ "faults", cmd_faults, "[--watch SEC] [--children] PID | --follow PID | -- CMD [ARGS...]",
	  "every fault of PID by class (origin, access, result, memory, cause) and its\n"
	  "\tbusiest VMAs; PID is tracked while this runs unless it was already (until\n"
	  "\tit exits or Ctrl-C; --watch refreshes in place with rates per second, q\n"
	  "\tquits); --children also tracks the processes PID forks and counts them\n"
	  "\tapart; --follow prints every fault as it happens, with its VMA; with\n"
	  "\t-- CMD, runs CMD counted from its first fault, then prints its counts beside\n"
	  "\tits own /proc stat count and getrusage(), and exits with CMD's status" },
	{ "zones", cmd_zones, "",
	  "every zone of every node: span, present, managed, free, watermarks, per-CPU\n"
	  "\tlists (kB), as /proc/zoneinfo" },
	{ "buddy", cmd_buddy, "[--types] [--frag]",
	  "free blocks per order of every zone, as /proc/buddyinfo; --types per\n"
	  "\tmigratetype with pageblocks (pagetypeinfo), --frag the unusable-free-space\n"
	  "\tand fragmentation indices per order" },
	{ "lru", cmd_lru, "",
	  "the LRU lists of every (memory cgroup, node): inactive and active anon and\n"
	  "\tfile, unevictable (kB), classic or multi-gen, the cgroup's path" },
	{ "slab", cmd_slab, "[--sort KEY] [-n N] [--watch SEC]",
	  "every slab cache as slabtop shows it; KEY: size (default), objs, active,\n"
	  "\tslabs, objsize, name; --watch refreshes in place with objects per second" },
	{ "map", cmd_map, "[--svg FILE] [--width N]",
	  "a picture of physical memory: one cell per pageblock of every zone, by the\n"
	  "\tclass most of its pages are in (free by its largest free order, anon, file,\n"
	  "\tshmem, slab, page tables, hugetlb, reserved, kernel) and its migratetype,\n"
	  "\twith a legend and totals per class; a character a cell on the terminal\n"
	  "\t(N a row: default 64, or the terminal's width), --svg an SVG drawing in FILE" },
	{ "snapshot", cmd_snapshot, "save FILE",
	  "every view at once (processes and their VMAs, zones, buddy, LRU, slab) into\n"
	  "\tFILE as one JSON document, with the kernel release, boot id and time" },
	{ "diff", cmd_diff, "[--all] A B",
	  "what grew and shrank from snapshot A to snapshot B: slab caches, processes\n"
	  "\t(pid and start time), their VMAs, zones, free blocks per zone, order and\n"
	  "\tmigratetype, LRU lists; changes within the kernel's own counter drift are\n"
	  "\tleft out unless --all" },
};

#define NR_CMDS	(ARRAY_SIZE(cmds))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [--json [--pretty]] COMMAND [ARGS]\n\ncommands:\n", prog);
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %s%s%s\n\t%s\n", cmds[i].name, *cmds[i].args ? " " : "",
			cmds[i].args, cmds[i].help);
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

void usage_of(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			printf("usage: %s %s%s%s\n\t%s\n", prog, name, *cmds[i].args ? " " : "",
			       cmds[i].args, cmds[i].help);
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
