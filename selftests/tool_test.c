// SPDX-License-Identifier: GPL-2.0
/*
 * The mmscope command (tools/mmscope.c), run as a user runs it, against the
 * same oracles as the module's own tests, never against debugfs:
 *  - info: paging levels from where mmap() can place a mapping, the kernel
 *    from uname(2);
 *  - ps: a holder process with known anonymous, file and shmem memory
 *    against /proc/PID/smaps_rollup and /proc/PID/status, in JSON and text;
 *    the system-wide list, its sort and -n;
 *  - vmas: the holder's VMAs against /proc/PID/smaps, field by field;
 *  - errors: each documented exit status with a message that says what to
 *    do (module not loaded, not root, no such process, bad command line).
 *
 * The tool and the holder (tool_holder.c) are built beside this program
 * (selftests/Makefile).  The holder is a static program with a file on a
 * scratch ext2 (page cache that is neither shmem nor 9p): it shares no page
 * with the tool or with this test, so what the tool reads while it runs is
 * what the oracle reads before and after it, figure for figure.
 */
#include <json-c/json.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"
#include "mmscope_oracle.h"
#include "tool_holder.h"

#define KB		1024ULL
#define ANON_LEN	HOLDER_ANON_LEN
#define FILE_LEN	HOLDER_FILE_LEN
#define SHMEM_LEN	HOLDER_SHMEM_LEN
#define OUT_MAX		(4UL << 20)
#define MAX_VMAS	512

/* ---- the holder ---------------------------------------------------------- */

struct holder {
	pid_t pid;
	int cmd;		/* its stdin: closing it ends the holder */
	char file[300];
	struct mmscope_disk disk;
};

/* The program @name beside this one. */
static void beside(char *buf, size_t len, const char *name)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 64);

	if (n < 0)
		n = 0;
	buf[n] = 0;
	if (strrchr(buf, '/'))
		strrchr(buf, '/')[1] = 0;
	strcat(buf, name);
}

static int holder_start(struct __test_metadata *_metadata, struct holder *h)
{
	int in[2], out[2], fd, ret = 0;
	char buf[4096], why[256], prog[512], c;
	size_t i;

	if (mmscope_disk_setup(&h->disk, "tool", 16, why, sizeof(why))) {
		TH_LOG("%s", why);
		return -ENODEV;
	}
	snprintf(h->file, sizeof(h->file), "%s/file", h->disk.mnt);
	fd = open(h->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < FILE_LEN; i += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			ret = -EIO;
	close(fd);
	beside(prog, sizeof(prog), "tool_holder");
	if (ret || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return ret ? ret : -errno;
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (h->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(prog, "tool_holder", h->file, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->cmd = in[1];
	if (read(out[0], &c, 1) != 1) {
		TH_LOG("%s did not start", prog);
		ret = -EPIPE;
	}
	close(out[0]);
	return ret;
}

static void holder_stop(struct holder *h)
{
	if (h->pid > 0) {
		close(h->cmd);
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	if (h->file[0])
		unlink(h->file);
	mmscope_disk_teardown(&h->disk);
}

/* ---- running the tool ---------------------------------------------------- */

struct run {
	int status;		/* exit status, or 128 + signal */
	long maxrss_kb;		/* the tool's peak RSS (wait4()) */
	size_t out_len;
	char *out;		/* OUT_MAX + 1 */
	char err[4096];
};

/*
 * Run the tool with @argv (NULL-terminated, without the program name);
 * @dev: MMSCOPE_DEVICE or NULL; @nocap: without CAP_SYS_ADMIN (dropped from
 * the bounding set, so root's exec does not give it back).
 * stdout into r->out, stderr into r->err (through a memfd: no pipe to fill).
 */
static int tool_run(struct run *r, const char *dev, int nocap, const char *const *argv)
{
	const char *args[32] = { "mmscope" };
	struct rusage ru;
	char path[512];
	int out[2], efd, i, st;
	ssize_t n;
	pid_t pid;

	beside(path, sizeof(path), "mmscope");
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	if (!r->out)
		r->out = malloc(OUT_MAX + 1);
	efd = memfd_create("tool-stderr", MFD_CLOEXEC);
	if (!r->out || efd < 0 || pipe2(out, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(efd, 2);
		if (dev)
			setenv("MMSCOPE_DEVICE", dev, 1);
		else
			unsetenv("MMSCOPE_DEVICE");
		if (nocap && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
			_exit(126);
		execv(path, (char *const *)args);
		_exit(127);
	}
	close(out[1]);
	r->out_len = 0;
	while ((n = read(out[0], r->out + r->out_len, OUT_MAX - r->out_len)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			r->out_len += n;
	r->out[r->out_len] = 0;
	close(out[0]);
	if (wait4(pid, &st, 0, &ru) != pid)
		return -errno;
	r->maxrss_kb = ru.ru_maxrss;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	n = pread(efd, r->err, sizeof(r->err) - 1, 0);
	r->err[n > 0 ? n : 0] = 0;
	close(efd);
	return 0;
}

/*
 * scripts/json-check (installed beside this program, the schemas in schema/:
 * selftests/Makefile) with @args and @len bytes of @in on its stdin: its
 * exit status (0: valid), its message in @why.
 */
static int json_check(const char *const *args, const char *in, size_t len, char *why,
		      size_t wlen)
{
	const char *argv[8] = { "json-check" };
	int fd[2], st = 0, i;
	char prog[512];
	pid_t pid = -1;
	ssize_t n;

	beside(prog, sizeof(prog), "json-check");
	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	fd[0] = memfd_create("json-check-in", MFD_CLOEXEC);
	fd[1] = memfd_create("json-check-msg", MFD_CLOEXEC);
	why[0] = 0;
	if (fd[0] < 0 || fd[1] < 0 || write(fd[0], in, len) != (ssize_t)len ||
	    lseek(fd[0], 0, SEEK_SET) || (pid = fork()) < 0) {
		snprintf(why, wlen, "cannot run %s: %s", prog, strerror(errno));
		st = -1;
	} else if (pid == 0) {
		dup2(fd[0], 0);
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		execv(prog, (char *const *)argv);
		dprintf(2, "%s: %s", prog, strerror(errno));
		_exit(127);
	} else if (waitpid(pid, &st, 0) == pid) {
		n = pread(fd[1], why, wlen - 1, 0);
		why[n > 0 ? n : 0] = 0;
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	close(fd[0]);
	close(fd[1]);
	return st;
}

/* @r's output against the schema its "command" names (Documentation/schema/). */
static void schema_expect(struct __test_metadata *_metadata, json_object *doc,
			  const struct run *r)
{
	const char *cmd = json_object_get_string(json_object_object_get(doc, "command"));
	char dir[512], why[4096];
	const char *args[] = { dir, cmd ? cmd : "(no command key)", NULL };

	if (cmd && !strcmp(cmd, "faults") && json_object_object_get(doc, "follow"))
		args[1] = "faults-event";	/* faults --follow: JSON Lines */
	beside(dir, sizeof(dir), "schema");
	EXPECT_EQ(0, json_check(args, r->out, r->out_len, why, sizeof(why))) {
		TH_LOG("mmscope %s: JSON not as Documentation/schema/%s.schema.json says:\n%s",
		       args[1], args[1], why);
	}
}

/* Run and parse JSON output; NULL (and a log) when the tool failed. */
static json_object *tool_json(struct __test_metadata *_metadata, struct run *r,
			      const char *const *argv)
{
	json_object *o;

	if (tool_run(r, NULL, 0, argv)) {
		TH_LOG("cannot run the tool: %s", strerror(errno));
		return NULL;
	}
	if (r->status) {
		TH_LOG("mmscope %s ...: exit %d: %s", argv[0], r->status, r->err);
		return NULL;
	}
	o = json_tokener_parse(r->out);
	if (!o)
		TH_LOG("mmscope %s: output is not JSON: %.200s", argv[0], r->out);
	else if (json_object_get_int(json_object_object_get(o, "format")) != 1)
		TH_LOG("mmscope %s: JSON format is not 1", argv[0]);
	if (o)
		schema_expect(_metadata, o, r);
	return o;
}

static long long jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

FIXTURE(tool) {
	struct holder h;
	struct run r;
};

FIXTURE_SETUP(tool)
{
	char path[512];
	int fd;

	memset(&self->h, 0, sizeof(self->h));
	memset(&self->r, 0, sizeof(self->r));
	beside(path, sizeof(path), "mmscope");
	ASSERT_EQ(0, access(path, X_OK)) {
		TH_LOG("%s: %s (built by selftests/Makefile)", path, strerror(errno));
	}
	fd = mmscope_open();
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-fd));
	}
	ASSERT_TRUE(mmscope_has_process_memory(fd) && mmscope_has_vmas(fd));
	close(fd);
}

FIXTURE_TEARDOWN(tool)
{
	holder_stop(&self->h);
	free(self->r.out);
}

/* ---- info ---------------------------------------------------------------- */

TEST_F(tool, info_matches_kernel)
{
	static const char *const json_args[] = { "--json", "info", NULL };
	static const char *const text_args[] = { "info", NULL };
	int levels = mmscope_oracle_pgtable_levels();
	char want[64], release[128];
	struct utsname u;
	json_object *o, *f;
	size_t i, found = 0;

	ASSERT_EQ(0, uname(&u));
	ASSERT_LT(0, levels);
	o = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(levels, jint(o, "pgtable_levels"));
	EXPECT_EQ(MMSCOPE_API_VERSION, jint(o, "api_version"));
	EXPECT_STREQ(u.release, jstr(o, "kernel"));
	ASSERT_TRUE(json_object_object_get_ex(o, "features", &f));
	for (i = 0; i < json_object_array_length(f); i++)
		found += !strcmp(json_object_get_string(json_object_array_get_idx(f, i)),
				 "process_memory");
	EXPECT_EQ(1, found);
	json_object_put(o);

	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, text_args));
	ASSERT_EQ(0, self->r.status);
	snprintf(want, sizeof(want), "\npgtable_levels  %d\n", levels);
	EXPECT_NE(NULL, strstr(self->r.out, want)) {
		TH_LOG("no '%s' in:\n%s", want + 1, self->r.out);
	}
	snprintf(release, sizeof(release), "\nkernel_running  %s\n", u.release);
	EXPECT_NE(NULL, strstr(self->r.out, release));
	/* every feature the module has, the tool names */
	EXPECT_EQ(NULL, strstr(self->r.out, "unknown:")) {
		TH_LOG("%s", self->r.out);
	}
}

/* ---- ps ------------------------------------------------------------------ */

/* smaps_rollup key -> the tool's JSON key (the summary's field names). */
static const struct {
	const char *key, *json;
} rollup_json[] = {
	{ "Rss", "rss" }, { "Pss", "pss" }, { "Pss_Anon", "pss_anon" },
	{ "Pss_File", "pss_file" }, { "Pss_Shmem", "pss_shmem" }, { "Pss_Dirty", "pss_dirty" },
	{ "Shared_Clean", "shared_clean" }, { "Shared_Dirty", "shared_dirty" },
	{ "Private_Clean", "private_clean" }, { "Private_Dirty", "private_dirty" },
	{ "Referenced", "referenced" }, { "Anonymous", "anonymous" }, { "KSM", "ksm" },
	{ "LazyFree", "lazyfree" }, { "AnonHugePages", "anon_huge" },
	{ "ShmemPmdMapped", "shmem_pmd_mapped" }, { "FilePmdMapped", "file_pmd_mapped" },
	{ "Shared_Hugetlb", "shared_hugetlb" }, { "Private_Hugetlb", "private_hugetlb" },
	{ "Swap", "swap" }, { "Locked", "locked" },
};

static long long rollup_kb(const long long *kb, const char *key)
{
	size_t i;

	for (i = 0; i < MMSCOPE_NR_ROLLUP_KEYS; i++)
		if (!strcmp(mmscope_rollup_keys[i].key, key))
			return kb[i];
	return -1;
}

static json_object *ps_find(json_object *doc, pid_t pid)
{
	json_object *a;
	size_t i;

	if (!json_object_object_get_ex(doc, "processes", &a))
		return NULL;
	for (i = 0; i < json_object_array_length(a); i++)
		if (jint(json_object_array_get_idx(a, i), "pid") == pid)
			return json_object_array_get_idx(a, i);
	return NULL;
}

TEST_F_TIMEOUT(tool, ps_matches_smaps_rollup, 120)
{
	long long kb[MMSCOPE_NR_ROLLUP_KEYS], again[MMSCOPE_NR_ROLLUP_KEYS];
	long long st_anon = -1, st_file = -1, st_shmem = -1;
	char pidstr[16], rollup[64], status[64], line[256];
	const char *args[] = { "--json", "ps", pidstr, NULL };
	const char *text[] = { "ps", pidstr, NULL };
	json_object *doc = NULL, *p = NULL;
	int tries;
	size_t i;

	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	snprintf(pidstr, sizeof(pidstr), "%d", self->h.pid);
	snprintf(rollup, sizeof(rollup), "/proc/%d/smaps_rollup", self->h.pid);
	snprintf(status, sizeof(status), "/proc/%d/status", self->h.pid);
	/* oracle, tool, oracle: the two oracle reads must agree */
	for (tries = 0; tries < 3; tries++) {
		json_object_put(doc);
		ASSERT_EQ(0, mmscope_read_kb_keys(rollup, kb));
		doc = tool_json(_metadata, &self->r, args);
		ASSERT_NE(NULL, doc);
		ASSERT_EQ(0, mmscope_read_kb_keys(rollup, again));
		if (!memcmp(kb, again, sizeof(kb)))
			break;
	}
	ASSERT_GT(3, tries);
	p = ps_find(doc, self->h.pid);
	ASSERT_NE(NULL, p);
	for (i = 0; i < sizeof(rollup_json) / sizeof(rollup_json[0]); i++) {
		long long want = rollup_kb(kb, rollup_json[i].key), got = jint(p, rollup_json[i].json);

		if (want < 0)
			continue;	/* not printed by this kernel */
		ASSERT_LE(0, got) {
			TH_LOG("no %s in the JSON", rollup_json[i].json);
		}
		if (!strcmp(rollup_json[i].key, "Pss") || !strcmp(rollup_json[i].key, "Pss_File")) {
			/* shared library pages have one more mapper (the tool) */
			EXPECT_TRUE(got / KB <= want && got / KB >= want / 2) {
				TH_LOG("%s: %lld kB, tool %lld kB", rollup_json[i].key, want, got / KB);
			}
			continue;
		}
		EXPECT_EQ(want, got / KB) {
			TH_LOG("%s: smaps_rollup %lld kB, tool %lld bytes", rollup_json[i].key, want, got);
		}
	}
	/* what the holder made is there: the comparison is not of nothing */
	EXPECT_LE((long long)ANON_LEN, jint(p, "rss_anon"));
	EXPECT_LE((long long)FILE_LEN, jint(p, "rss_file"));
	EXPECT_LE((long long)SHMEM_LEN, jint(p, "rss_shmem"));
	EXPECT_EQ(jint(p, "rss"), jint(p, "rss_anon") + jint(p, "rss_file") + jint(p, "rss_shmem"));
	EXPECT_EQ(jint(p, "uss"), jint(p, "private_clean") + jint(p, "private_dirty"));
	EXPECT_STREQ("mmscope-holder", jstr(p, "comm"));
	/* the kernel's own counters, as /proc/PID/status prints them */
	ASSERT_EQ(0, mmscope_proc_value(status, "RssAnon", &st_anon));
	ASSERT_EQ(0, mmscope_proc_value(status, "RssFile", &st_file));
	ASSERT_EQ(0, mmscope_proc_value(status, "RssShmem", &st_shmem));
	EXPECT_EQ(st_anon, jint(p, "mm_rss_anon") / KB);
	EXPECT_EQ(st_file, jint(p, "mm_rss_file") / KB);
	EXPECT_EQ(st_shmem, jint(p, "mm_rss_shmem") / KB);
	json_object_put(doc);

	/* the text: PID RSS PSS USS ANON FILE SHMEM SWAP ZERO PT MM_RSS COMMAND */
	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, text));
	ASSERT_EQ(0, self->r.status);
	if (1) {
		unsigned long long rss, pss, uss, anon, file, shmem, swap, zero, pt, mmrss;
		char comm[64], *nl = strchr(self->r.out, '\n');
		int pid;

		ASSERT_NE(NULL, nl);
		EXPECT_EQ(0, strncmp(self->r.out, "    PID       RSS", 17));
		ASSERT_EQ(12, sscanf(nl + 1, "%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %63s",
				     &pid, &rss, &pss, &uss, &anon, &file, &shmem, &swap, &zero, &pt,
				     &mmrss, comm)) {
			TH_LOG("malformed: %.200s", nl + 1);
		}
		snprintf(line, sizeof(line), "%s", comm);
		EXPECT_EQ(self->h.pid, pid);
		EXPECT_EQ(rollup_kb(kb, "Rss"), (long long)rss);
		EXPECT_EQ(rollup_kb(kb, "Private_Clean") + rollup_kb(kb, "Private_Dirty"),
			  (long long)uss);
		EXPECT_EQ(rollup_kb(kb, "Anonymous"), (long long)anon);
		EXPECT_EQ(rollup_kb(kb, "Swap"), (long long)swap);
		EXPECT_EQ(st_anon + st_file + st_shmem, (long long)mmrss);
		EXPECT_STREQ("mmscope-holder", line);
	}
}

TEST_F_TIMEOUT(tool, ps_lists_and_sorts, 300)
{
	static const char *const all[] = { "--json", "ps", NULL };
	static const char *const top[] = { "--json", "ps", "--sort", "pss", "-n", "3", NULL };
	json_object *doc, *a;
	long long prev = -1;
	size_t i, n;

	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	doc = tool_json(_metadata, &self->r, all);
	ASSERT_NE(NULL, doc);
	/* the holder and this process are there, kthreadd (no user memory) not */
	EXPECT_NE(NULL, ps_find(doc, self->h.pid));
	EXPECT_NE(NULL, ps_find(doc, getpid()));
	EXPECT_EQ(NULL, ps_find(doc, 2));
	ASSERT_TRUE(json_object_object_get_ex(doc, "processes", &a));
	n = json_object_array_length(a);
	/* every listed process has a smaps_rollup (it has user memory) */
	for (i = 0; i < n; i++) {
		long long rss = jint(json_object_array_get_idx(a, i), "rss");

		EXPECT_TRUE(prev < 0 || rss <= prev) {
			TH_LOG("not sorted by rss at %zu: %lld after %lld", i, rss, prev);
		}
		prev = rss;
	}
	json_object_put(doc);

	doc = tool_json(_metadata, &self->r, top);
	ASSERT_NE(NULL, doc);
	ASSERT_TRUE(json_object_object_get_ex(doc, "processes", &a));
	EXPECT_EQ(n < 3 ? n : 3, json_object_array_length(a));
	for (i = 1; i < json_object_array_length(a); i++)
		EXPECT_LE(jint(json_object_array_get_idx(a, i), "pss"),
			  jint(json_object_array_get_idx(a, i - 1), "pss"));
	json_object_put(doc);
}

/* ---- vmas ---------------------------------------------------------------- */

TEST_F_TIMEOUT(tool, vmas_match_smaps, 120)
{
	struct mmscope_vma *v = calloc(MAX_VMAS, sizeof(*v));
	char pidstr[16];
	const char *args[] = { "--json", "vmas", pidstr, NULL };
	const char *text[] = { "vmas", pidstr, NULL };
	json_object *doc = NULL, *a = NULL;
	int nv = 0, again, tries, k;
	long long rss = 0, lines = 0;
	char *l;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	snprintf(pidstr, sizeof(pidstr), "%d", self->h.pid);
	for (tries = 0; tries < 3; tries++) {
		json_object_put(doc);
		nv = mmscope_read_vmas(self->h.pid, v, MAX_VMAS);
		ASSERT_LT(0, nv);
		doc = tool_json(_metadata, &self->r, args);
		ASSERT_NE(NULL, doc);
		again = mmscope_read_vmas(self->h.pid, v, MAX_VMAS);
		ASSERT_TRUE(json_object_object_get_ex(doc, "vmas", &a));
		if (again == nv && (int)json_object_array_length(a) == nv)
			break;
	}
	ASSERT_EQ(nv, (int)json_object_array_length(a));
	for (k = 0; k < nv; k++) {
		json_object *o = json_object_array_get_idx(a, k);
		const struct mmscope_vma *s = &v[k];
		const char *path = jstr(o, "path"), *flags = jstr(o, "flags");
		char want[260], *t, *save = NULL;
		__u64 bits = 0;

		EXPECT_TRUE(jint(o, "start") == (long long)s->start &&
			    jint(o, "end") == (long long)s->end &&
			    !strcmp(jstr(o, "perms"), s->perms) &&
			    jint(o, "offset") == (long long)s->offset &&
			    jint(o, "dev_major") == s->major && jint(o, "dev_minor") == s->minor &&
			    jint(o, "inode") == (long long)s->inode) {
			TH_LOG("vma %d: tool %llx-%llx %s, smaps %lx-%lx %s %lx %02x:%02x %lu", k,
			       jint(o, "start"), jint(o, "end"), jstr(o, "perms"), s->start,
			       s->end, s->perms, s->offset, s->major, s->minor, s->inode);
		}
		EXPECT_EQ(s->rss_kb, jint(o, "rss") / (long long)KB);
		EXPECT_EQ(s->swap_kb, jint(o, "swap") / (long long)KB);
		rss += s->rss_kb;
		/* VmFlags: the same mnemonics */
		snprintf(want, sizeof(want), "%s", flags ? flags : "");
		for (t = strtok_r(want, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char one[16];

			snprintf(one, sizeof(one), " %s ", t);
			bits |= mmscope_vmflags_bits(one);
		}
		EXPECT_EQ(mmscope_vmflags_bits(s->flags), bits) {
			TH_LOG("%lx: tool flags %s, smaps VmFlags:%s", s->start, flags, s->flags);
		}
		if (path) {
			EXPECT_STREQ(s->path, path);
		} else {
			EXPECT_TRUE(!s->path[0] || !strcmp(s->path, "[heap]") ||
				    !strcmp(s->path, "[stack]") || !strncmp(s->path, "[anon:", 6)) {
				TH_LOG("%lx: no path, smaps '%s'", s->start, s->path);
			}
		}
	}
	EXPECT_EQ(rss * (long long)KB, jint(doc, "rss"));
	EXPECT_LE((long long)(ANON_LEN + FILE_LEN + SHMEM_LEN) / KB, rss);
	json_object_put(doc);

	/* the text: a header, a line per VMA, a total */
	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, text));
	ASSERT_EQ(0, self->r.status);
	for (l = self->r.out; (l = strchr(l, '\n')) && l[1]; l++)
		lines += l[1] != '#';
	EXPECT_EQ(nv, lines);
	EXPECT_TRUE(strstr(self->r.out, "\n# ") != NULL);
	free(v);
}

/* ---- physical memory ----------------------------------------------------- */

/*
 * What the tool itself moves while it reads a physical view, in pages: it
 * exists only then, so its memory is allocated in the tool's reading and in
 * neither oracle reading around it.  Its peak RSS (wait4()) plus 1 MiB for
 * what the kernel allocates for a process beside its pages (kernel stack,
 * page tables, task and mm structures, buffers of the JSON it writes).
 */
static long long footprint(const struct run *r)
{
	return r->maxrss_kb / 4 + 256;
}

/* The verdict of a bracketed comparison made in up to PHYS_TRIES attempts. */
static void tries_verdict(struct __test_metadata *_metadata, int miss, int checked, int tries)
{
	TH_LOG("%d figures compared, attempt %d of %d", checked, tries, PHYS_TRIES);
	EXPECT_EQ(0, miss);
	EXPECT_LT(0, checked);
}

/* Run the tool for text: 0 when it ran and exited 0, else its status. */
static int tool_text(struct run *r, const char *const *argv)
{
	int ret = tool_run(r, NULL, 0, argv);

	return ret ? ret : r->status;
}

static json_object *jarr(json_object *o, const char *key)
{
	json_object *a = NULL;

	json_object_object_get_ex(o, key, &a);
	return a;
}

/* zoneinfo, the tool, zoneinfo: the figures that fail, logged if @report. */
static int zones_miss(struct __test_metadata *_metadata, int report, const struct zi *a, int na,
		      json_object *zones, const struct zi *b, int nb, long long fp, int *checked)
{
	size_t i, n = json_object_array_length(zones);
	int miss = 0, j;

	*checked = 0;
	if ((int)n != na || (int)n != nb) {
		if (report)
			TH_LOG("zones: zoneinfo %d, tool %zu, zoneinfo %d", na, n, nb);
		return 1;
	}
	for (i = 0; i < n; i++) {
		json_object *z = json_object_array_get_idx(zones, i), *prot = jarr(z, "protection");
		const char *nm = jstr(z, "zone");
		const struct zi *x = find_zi(a, na, jint(z, "node"), nm);
		const struct zi *y = find_zi(b, nb, jint(z, "node"), nm);
		long long free = jint(z, "free") / 4096;

		if (!x || !y || !prot) {
			miss++;
			if (report)
				TH_LOG("zone %lld/%s not in zoneinfo", jint(z, "node"), nm);
			continue;
		}
		/* fixed while nothing is hot-plugged: exact */
		if (x->spanned * 4096 != jint(z, "spanned") || x->present * 4096 != jint(z, "present") ||
		    x->managed * 4096 != jint(z, "managed") || x->cma * 4096 != jint(z, "cma") ||
		    x->nprot != (int)json_object_array_length(prot)) {
			miss++;
			if (report)
				TH_LOG("%s spanned/present/managed/cma/zones: zoneinfo %lld/%lld/%lld/%lld/%d pages, tool %lld/%lld/%lld/%lld bytes/%zu",
				       nm, x->spanned, x->present, x->managed, x->cma, x->nprot,
				       jint(z, "spanned"), jint(z, "present"), jint(z, "managed"),
				       jint(z, "cma"), json_object_array_length(prot));
		}
		for (j = 0; j < x->nprot && j < (int)json_object_array_length(prot); j++)
			if (x->prot[j] * 4096 != json_object_get_int64(json_object_array_get_idx(prot, j))) {
				miss++;
				if (report)
					TH_LOG("%s protection[%d]: zoneinfo %lld pages", nm, j, x->prot[j]);
			}
		/* watermarks move only with boost: bracketed, no tolerance */
		if (!in_bracket(x->min, jint(z, "min") / 4096, y->min, 0) ||
		    !in_bracket(x->low, jint(z, "low") / 4096, y->low, 0) ||
		    !in_bracket(x->high, jint(z, "high") / 4096, y->high, 0) ||
		    !in_bracket(x->boost, jint(z, "boost") / 4096, y->boost, 0)) {
			miss++;
			if (report)
				TH_LOG("%s min/low/high/boost: %lld/%lld/%lld/%lld, tool %lld/%lld/%lld/%lld pages",
				       nm, x->min, x->low, x->high, x->boost, jint(z, "min") / 4096,
				       jint(z, "low") / 4096, jint(z, "high") / 4096,
				       jint(z, "boost") / 4096);
		}
		/* free: the vmstat drift, and the tool's own pages while it runs */
		if (!in_bracket(x->free, free, y->free, zone_drift(x, y) + fp)) {
			miss++;
			if (report)
				TH_LOG("%s free: %lld, tool %lld, then %lld pages (drift %lld, tool %lld)",
				       nm, x->free, free, y->free, zone_drift(x, y), fp);
		}
		*checked += 10 + x->nprot;
	}
	return miss;
}

TEST_F(tool, zones_match_zoneinfo)
{
	static const char *const json_args[] = { "--json", "zones", NULL };
	static const char *const text_args[] = { "zones", NULL };
	struct zi a[MAXZ], b[MAXZ];
	int na, nb, t, miss = 1, checked = 0, lines = 0;
	json_object *doc;
	char *l;

	for (t = 0; t < PHYS_TRIES && miss; t++) {
		na = read_zoneinfo(a);
		doc = tool_json(_metadata, &self->r, json_args);
		nb = read_zoneinfo(b);
		ASSERT_NE(NULL, doc);
		ASSERT_LT(0, na);
		ASSERT_NE(NULL, jarr(doc, "zones"));
		miss = zones_miss(_metadata, t == PHYS_TRIES - 1, a, na, jarr(doc, "zones"), b, nb,
				  footprint(&self->r), &checked);
		json_object_put(doc);
	}
	tries_verdict(_metadata, miss, checked, t);

	/* text: a line per zone, MANAGED in kB */
	ASSERT_EQ(0, tool_text(&self->r, text_args));
	na = read_zoneinfo(a);
	for (l = strchr(self->r.out, '\n'); l && l[1] && l[1] != '#'; l = strchr(l + 1, '\n')) {
		unsigned long long managed;
		const struct zi *x;
		char zone[16];
		int node;

		ASSERT_EQ(3, sscanf(l + 1, "%d %15s %*u %*u %*u %llu", &node, zone, &managed));
		x = find_zi(a, na, node, zone);
		ASSERT_NE(NULL, x);
		EXPECT_EQ(x->managed * 4, (long long)managed);
		lines++;
	}
	EXPECT_EQ(na, lines);
}

/* buddyinfo and pagetypeinfo, the tool, again: the figures that fail. */
static int buddy_miss(struct __test_metadata *_metadata, int report, json_object *zones,
		      long long (*a)[MMSCOPE_MAX_ORDERS], struct pti *pa,
		      long long (*b)[MMSCOPE_MAX_ORDERS], struct pti *pb, const int *nord,
		      long long fp, int *checked)
{
	size_t i, n = json_object_array_length(zones);
	int miss = 0, o, mt;

	*checked = 0;
	for (i = 0; i < n && i < MAXZ; i++) {
		json_object *z = json_object_array_get_idx(zones, i), *nf = jarr(z, "nr_free");
		json_object *blocks = NULL;
		int pbo = jint(z, "pageblock_order");

		if (!nf || nord[i] != (int)json_object_array_length(nf)) {
			miss++;
			if (report)
				TH_LOG("%s: buddyinfo has %d orders, tool %zu", jstr(z, "zone"),
				       nord[i], nf ? json_object_array_length(nf) : 0);
			continue;
		}
		for (o = 0; o < nord[i]; o++) {
			long long v = json_object_get_int64(json_object_array_get_idx(nf, o));
			/*
			 * A pageblock or larger moves only when everything
			 * smaller ran out: no tolerance.  Below, each page
			 * the tool's process took or gave back can have moved
			 * each order's count by one.
			 */
			long long tol = o >= pbo ? 0 : fp;

			if (!in_bracket(a[i][o], v, b[i][o], tol)) {
				miss++;
				if (report)
					TH_LOG("%s order %d: buddyinfo %lld, tool %lld, then %lld (tolerance %lld)",
					       jstr(z, "zone"), o, a[i][o], v, b[i][o], tol);
			}
			++*checked;
		}
		json_object_object_get_ex(z, "pageblocks", &blocks);
		for (mt = 0; blocks && mt < MMSCOPE_MT_NR; mt++) {
			if (!pa[i].has_mt[mt] && !pa[i].blocks[mt])
				continue;
			if (!in_bracket(pa[i].blocks[mt], jint(blocks, mt_names[mt]),
					pb[i].blocks[mt], 0)) {
				miss++;
				if (report)
					TH_LOG("%s %s pageblocks: pagetypeinfo %lld, tool %lld, then %lld",
					       jstr(z, "zone"), mt_names[mt], pa[i].blocks[mt],
					       jint(blocks, mt_names[mt]), pb[i].blocks[mt]);
			}
			++*checked;
		}
	}
	return miss;
}

static void buddy_oracle(json_object *zones, long long (*v)[MMSCOPE_MAX_ORDERS], struct pti *p,
			 int *nord)
{
	size_t i;

	for (i = 0; i < json_object_array_length(zones) && i < MAXZ; i++) {
		json_object *z = json_object_array_get_idx(zones, i);

		nord[i] = read_buddyinfo(jint(z, "node"), jstr(z, "zone"), v[i], MMSCOPE_MAX_ORDERS);
		read_pagetypeinfo(jint(z, "node"), jstr(z, "zone"), &p[i]);
	}
}

TEST_F(tool, buddy_matches_buddyinfo)
{
	static const char *const json_args[] = { "--json", "buddy", NULL };
	static const char *const text_args[] = { "buddy", "--types", "--frag", NULL };
	static long long a[MAXZ][MMSCOPE_MAX_ORDERS], b[MAXZ][MMSCOPE_MAX_ORDERS];
	static struct pti pa[MAXZ], pb[MAXZ];
	int nord[MAXZ] = { 0 }, nord2[MAXZ] = { 0 }, t, miss = 1, checked = 0, zlines = 0;
	json_object *doc, *first;
	char *l;

	/* which zones: the tool's first answer (the populated ones) */
	first = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, first);
	ASSERT_NE(NULL, jarr(first, "zones"));
	ASSERT_LT(0, json_object_array_length(jarr(first, "zones")));
	for (t = 0; t < PHYS_TRIES && miss; t++) {
		buddy_oracle(jarr(first, "zones"), a, pa, nord);
		doc = tool_json(_metadata, &self->r, json_args);
		buddy_oracle(jarr(first, "zones"), b, pb, nord2);
		ASSERT_NE(NULL, doc);
		ASSERT_EQ(0, memcmp(nord, nord2, sizeof(nord)));
		miss = buddy_miss(_metadata, t == PHYS_TRIES - 1, jarr(doc, "zones"), a, pa, b, pb,
				  nord, footprint(&self->r), &checked);
		json_object_put(doc);
	}
	tries_verdict(_metadata, miss, checked, t);

	/* text: a line per zone, then the per-type and index sections */
	ASSERT_EQ(0, tool_text(&self->r, text_args));
	for (l = strchr(self->r.out, '\n'); l && l[1] && l[1] != '#'; l = strchr(l + 1, '\n'))
		zlines++;
	EXPECT_EQ((int)json_object_array_length(jarr(first, "zones")), zlines);
	EXPECT_NE(NULL, strstr(self->r.out, " Movable "));
	EXPECT_NE(NULL, strstr(self->r.out, " fragmentation "));
	json_object_put(first);
}

/*
 * lru: the lists summed over every lruvec against /proc/vmstat, read after
 * stat_refresh before and after the tool, widened by the vmstat drift and
 * the tool's own pages (they are on the LRU while it reads); 64 MiB of
 * anonymous memory made between two readings arrives (so the bracket, a few
 * MiB wide, is narrow against what it holds); every memory cgroup named by
 * its path.
 */
#define LRU_LOAD	(64UL << 20)

static long long lru_anon(json_object *doc)
{
	json_object *total;

	if (!json_object_object_get_ex(doc, "total", &total))
		return -1;
	return (jint(total, "inactive_anon") + jint(total, "active_anon")) / 4096;
}

TEST_F(tool, lru_matches_vmstat)
{
	static const char *const json_args[] = { "--json", "lru", NULL };
	static const char *const text_args[] = { "lru", NULL };
	long long a[MMSCOPE_LRU_NR], b[MMSCOPE_LRU_NR], t[MMSCOPE_LRU_NR], tol = 0;
	int tr, l, miss = 1, checked = 0, root = 0;
	json_object *doc = NULL, *total, *v;
	long long anon0;
	const char *all;
	char *load;
	size_t i;

	doc = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, doc);
	anon0 = lru_anon(doc);
	load = mmap(NULL, LRU_LOAD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, load);
	madvise(load, LRU_LOAD, MADV_NOHUGEPAGE);
	for (i = 0; i < LRU_LOAD; i += 4096)
		load[i] = 1;
	for (tr = 0; tr < PHYS_TRIES && miss; tr++) {
		json_object_put(doc);
		read_lru_vmstat(a);
		doc = tool_json(_metadata, &self->r, json_args);
		read_lru_vmstat(b);
		ASSERT_NE(NULL, doc);
		ASSERT_TRUE(json_object_object_get_ex(doc, "total", &total));
		tol = total_drift() + footprint(&self->r);
		for (l = 0, miss = 0, checked = 0; l < MMSCOPE_LRU_NR; l++, checked++) {
			t[l] = jint(total, lru_vmstat[l] + 3) / 4096;	/* "nr_inactive_anon" */
			if (!in_bracket(a[l], t[l], b[l], tol)) {
				miss++;
				if (tr == PHYS_TRIES - 1)
					TH_LOG("%s: vmstat %lld, tool %lld, vmstat %lld pages (tolerance %lld)",
					       lru_vmstat[l], a[l], t[l], b[l], tol);
			}
		}
	}
	tries_verdict(_metadata, miss, checked, tr);
	EXPECT_LT(0, t[MMSCOPE_LRU_INACTIVE_FILE] + t[MMSCOPE_LRU_ACTIVE_FILE]);
	EXPECT_LE((long long)(LRU_LOAD / 4096) * 9 / 10, lru_anon(doc) - anon0) {
		TH_LOG("anon LRU pages %lld before 64 MiB were written, %lld after", anon0,
		       lru_anon(doc));
	}
	v = jarr(doc, "lruvecs");
	ASSERT_NE(NULL, v);
	for (i = 0; i < json_object_array_length(v); i++) {
		json_object *o = json_object_array_get_idx(v, i);

		if (!jint(o, "cgroup_id"))
			continue;	/* memory cgroups off: node lruvecs */
		EXPECT_NE(NULL, jstr(o, "cgroup")) {
			TH_LOG("cgroup id %lld has no path under /sys/fs/cgroup", jint(o, "cgroup_id"));
		}
		root += jint(o, "cgroup_id") == 1 && jstr(o, "cgroup") && !strcmp(jstr(o, "cgroup"), "/");
	}
	EXPECT_LT(0, root);
	json_object_put(doc);

	/* text: the "all" line in kB, within the same bracket as just measured */
	ASSERT_EQ(0, tool_text(&self->r, text_args));
	all = strstr(self->r.out, "\n all ");
	ASSERT_NE(NULL, all);
	for (l = 0, all += 5; l < MMSCOPE_LRU_NR; l++) {
		long long kb;
		int c;

		ASSERT_EQ(1, sscanf(all, "%lld%n", &kb, &c));
		all += c;
		EXPECT_TRUE(llabs(kb / 4 - t[l]) <= 2 * tol) {
			TH_LOG("%s: text %lld kB, JSON %lld pages", lru_vmstat[l], kb, t[l]);
		}
	}
	munmap(load, LRU_LOAD);
}

/* tmpfs inodes: objects of shmem_inode_cache, which the tool never makes */
#define SLAB_FILES	2048
#define SLAB_CACHE	"shmem_inode_cache"

static json_object *slab_find(json_object *doc, const char *name)
{
	json_object *a = jarr(doc, "caches");
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++)
		if (!strcmp(jstr(json_object_array_get_idx(a, i), "name"), name))
			return json_object_array_get_idx(a, i);
	return NULL;
}

TEST_F_TIMEOUT(tool, slab_matches_slabinfo, 180)
{
	static const char *const json_args[] = { "--json", "slab", "--sort", "name", NULL };
	static const char *const top[] = { "slab", "--sort", "objs", "-n", "5", NULL };
	static struct si a[MAXSI], b[MAXSI];
	long long before = -1, after = -1, prev = -1;
	int na, nb, i, t, ok = 0, geometry = 0, lines = 0;
	char dir[300], path[340];
	json_object *doc = NULL, *c;
	struct statfs sf;
	char *l;

	doc = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, doc);
	c = slab_find(doc, SLAB_CACHE);
	ASSERT_NE(NULL, c) {
		TH_LOG("no %s in the tool's list", SLAB_CACHE);
	}
	before = jint(c, "active_objs");
	json_object_put(doc);

	snprintf(dir, sizeof(dir), "%s/mmscope-tool-slab", mmscope_tmpdir());
	ASSERT_EQ(0, mkdir(dir, 0700));
	ASSERT_EQ(0, statfs(dir, &sf));
	ASSERT_EQ(0x01021994, sf.f_type) {	/* TMPFS_MAGIC */
		TH_LOG("%s is not on tmpfs", dir);
	}
	for (i = 0; i < SLAB_FILES; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		close(fd);
	}
	/* slabinfo, the tool, slabinfo: the cache's figures bracketed exactly */
	for (t = 0; t < PHYS_TRIES && !ok; t++) {
		const struct si *x, *y;

		na = read_slabinfo(a, MAXSI);
		doc = tool_json(_metadata, &self->r, json_args);
		nb = read_slabinfo(b, MAXSI);
		ASSERT_NE(NULL, doc);
		ASSERT_LT(0, na);
		c = slab_find(doc, SLAB_CACHE);
		x = find_si(a, na, SLAB_CACHE);
		y = find_si(b, nb, SLAB_CACHE);
		ASSERT_TRUE(c && x && y);
		after = jint(c, "active_objs");
		ok = in_bracket(x->active, after, y->active, 0) &&
		     in_bracket(x->num, jint(c, "num_objs"), y->num, 0) &&
		     in_bracket(x->nslabs, jint(c, "num_slabs"), y->nslabs, 0);
		if (!ok && t == PHYS_TRIES - 1)
			TH_LOG("%s active/num/slabs: slabinfo %lld/%lld/%lld, tool %lld/%lld/%lld, then %lld/%lld/%lld",
			       SLAB_CACHE, x->active, x->num, x->nslabs, after,
			       jint(c, "num_objs"), jint(c, "num_slabs"), y->active, y->num,
			       y->nslabs);
		if (!ok)
			json_object_put(doc);
	}
	EXPECT_TRUE(ok);
	/* the files made arrived */
	EXPECT_LE(before + SLAB_FILES * 9 / 10, after) {
		TH_LOG("%s active objects %lld before %d files, %lld after", SLAB_CACHE, before,
		       SLAB_FILES, after);
	}
	/* every cache: the same names, and each one's geometry exactly */
	for (i = 0; ok && i < na; i++) {
		c = slab_find(doc, a[i].name);
		if (!c && !find_si(b, nb, a[i].name))
			continue;	/* destroyed meanwhile */
		EXPECT_NE(NULL, c) {
			TH_LOG("slabinfo's %s not in the tool's list", a[i].name);
		}
		if (!c)
			continue;
		EXPECT_TRUE(jint(c, "objsize") == a[i].size && jint(c, "objs_per_slab") == a[i].perslab &&
			    jint(c, "pages_per_slab") == a[i].pages) {
			TH_LOG("%s size/objperslab/pagesperslab: slabinfo %lld/%lld/%lld, tool %lld/%lld/%lld",
			       a[i].name, a[i].size, a[i].perslab, a[i].pages, jint(c, "objsize"),
			       jint(c, "objs_per_slab"), jint(c, "pages_per_slab"));
		}
		geometry++;
	}
	EXPECT_LE(na * 9 / 10, geometry);
	if (ok)
		EXPECT_LE(na - 2, (int)json_object_array_length(jarr(doc, "caches")));
	json_object_put(doc);
	for (i = 0; i < SLAB_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	rmdir(dir);

	/* text: five lines, largest OBJS first */
	ASSERT_EQ(0, tool_text(&self->r, top));
	for (l = strchr(self->r.out, '\n'); l && l[1] && l[1] != '#'; l = strchr(l + 1, '\n')) {
		long long objs;

		ASSERT_EQ(1, sscanf(l + 1, "%lld", &objs));
		EXPECT_TRUE(prev < 0 || objs <= prev);
		prev = objs;
		lines++;
	}
	EXPECT_EQ(5, lines);
}

/* ---- faults ---------------------------------------------------------------- */

#define TOUCH_PAGES	2000

static long long jsub(json_object *o, const char *axis, const char *class)
{
	json_object *a = NULL;

	if (!json_object_object_get_ex(o, axis, &a))
		return -1;
	return jint(a, class);
}

/*
 * faults -- CMD: the command counted from its first fault; the tool prints
 * the module's counts beside the command's own (its zombie's /proc/PID/stat
 * minflt + majflt, read before it is reaped) and wait4()'s rusage (which
 * would add reaped descendants): module minor + major equal to its own, and
 * that at least what the command measured of itself just before it exited
 * and at most 4 more (it ran its report and exit code once before
 * measuring; the first run here faulted 17 times in stdio's exit path).  What the command did is
 * there: TOUCH_PAGES new anonymous pages.  And it is untracked afterwards.
 */
TEST_F_TIMEOUT(tool, faults_of_a_command, 120)
{
	char prog[512], n[16];
	const char *args[] = { "--json", "faults", "--", prog, "--touch", n, NULL };
	const char *text[] = { "faults", "--", prog, "--touch", n, NULL };
	long long self_min = -1, self_maj = -1, mod, own, ru;
	json_object *doc;
	int fd;

	beside(prog, sizeof(prog), "tool_holder");
	snprintf(n, sizeof(n), "%d", TOUCH_PAGES);
	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, args));
	ASSERT_EQ(0, self->r.status) {
		TH_LOG("exit %d: %s", self->r.status, self->r.err);
	}
	ASSERT_EQ(2, sscanf(self->r.err, "self %lld %lld", &self_min, &self_maj)) {
		TH_LOG("the command's stderr: %s", self->r.err);
	}
	doc = json_tokener_parse(self->r.out);
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(json_object_get_boolean(json_object_object_get(doc, "exited")));
	EXPECT_EQ(0, jint(doc, "exit_status"));
	mod = jsub(doc, "result", "minor") + jsub(doc, "result", "major");
	own = jsub(doc, "own", "minflt") + jsub(doc, "own", "majflt");
	ru = jsub(doc, "rusage", "minflt") + jsub(doc, "rusage", "majflt");
	EXPECT_EQ(own, mod) {
		TH_LOG("module minor+major %lld, the zombie's /proc stat %lld", mod, own);
	}
	EXPECT_LE(own, ru);	/* wait4() adds what it reaped: nothing here */
	EXPECT_LE(self_min + self_maj, own);
	EXPECT_GE(self_min + self_maj + 4, own) {	/* write() and _exit(), warmed up */
		TH_LOG("/proc stat %lld at exit, %lld measured by the command before", own,
		       self_min + self_maj);
	}
	EXPECT_LE(TOUCH_PAGES, jsub(doc, "cause", "anon_new"));
	EXPECT_LE(TOUCH_PAGES, jsub(doc, "memory", "anon"));
	EXPECT_LE(TOUCH_PAGES, jsub(doc, "access", "write"));
	/* the tool has exited: its file is closed, nothing of it is tracked */
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	if (1) {
		struct mmscope_fault_stats s;

		EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, jint(doc, "pid"), &s));
	}
	close(fd);
	json_object_put(doc);

	/* text: the cause line with the pages made */
	ASSERT_EQ(0, tool_text(&self->r, text));
	if (1) {
		const char *l = strstr(self->r.out, "\ncause   anon_new");
		long long v = -1;

		ASSERT_NE(NULL, l);
		ASSERT_EQ(1, sscanf(l, "\ncause anon_new %lld", &v));
		EXPECT_LE(TOUCH_PAGES, v);
	}
}

/*
 * faults PID tracks PID while it runs (ON_CLOSE): killed with SIGKILL, it
 * leaves nothing tracked; a PID tracked already is shown and left tracked.
 */
TEST_F_TIMEOUT(tool, faults_tracks_while_it_runs, 120)
{
	char path[512], pidstr[16];
	const char *once[] = { "--json", "faults", pidstr, NULL };
	struct mmscope_fault_stats s;
	json_object *doc;
	pid_t tool;
	int fd, i, ret = -1;

	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	snprintf(pidstr, sizeof(pidstr), "%d", self->h.pid);
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	beside(path, sizeof(path), "mmscope");
	tool = fork();
	ASSERT_LE(0, tool);
	if (tool == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(path, "mmscope", "faults", "--watch", "0.5", pidstr, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 * mmscope_timeout_scale() &&
		    (ret = mmscope_fault_stats(fd, self->h.pid, &s)); i++)
		usleep(100000);
	EXPECT_EQ(0, ret) {
		TH_LOG("the tool did not track %d", self->h.pid);
	}
	kill(tool, SIGKILL);
	ASSERT_EQ(tool, waitpid(tool, NULL, 0));
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, self->h.pid, &s));

	/* tracked by someone else: shown once, left tracked */
	ASSERT_EQ(0, mmscope_track_ioc(fd, self->h.pid, 0));
	doc = tool_json(_metadata, &self->r, once);
	EXPECT_NE(NULL, doc);
	if (doc)
		EXPECT_EQ(self->h.pid, jint(doc, "pid"));
	json_object_put(doc);
	EXPECT_EQ(0, mmscope_fault_stats(fd, self->h.pid, &s));
	EXPECT_EQ(0, mmscope_track_ioc(fd, self->h.pid, MMSCOPE_TRACK_REMOVE));
	close(fd);
}

/* ---- help and the man page ----------------------------------------------- */

/* Words after "\n  " in --help's "commands:" part, each followed by ' '. */
static void help_commands(const char *help, char *out, size_t len)
{
	const char *p = strstr(help, "\ncommands:\n"), *end = strstr(help, "\noptions:");
	size_t n = 0;

	out[0] = 0;
	for (; p && (p = strstr(p + 1, "\n  ")) && (!end || p < end);)
		n += snprintf(out + n, len - n, "%.*s ", (int)strcspn(p + 3, " \n"), p + 3);
}

/* The tag of each .TP in the man page's COMMANDS section, the same way. */
static void man_commands(const char *man, char *out, size_t len)
{
	const char *p = strstr(man, "\n.SH COMMANDS\n"), *end = p ? strstr(p + 1, "\n.SH ") : NULL;
	size_t n = 0;

	out[0] = 0;
	for (; p && (p = strstr(p + 1, "\n.TP\n")) && (!end || p < end);) {
		const char *t = p + 5;

		if (!strncmp(t, ".B ", 3) || !strncmp(t, ".BI ", 4) || !strncmp(t, ".BR ", 4))
			t = strchr(t, ' ') + 1;
		else if (!strncmp(t, "\\fB", 3))
			t += 3;
		n += snprintf(out + n, len - n, "%.*s ", (int)strcspn(t, " \\\n"), t);
	}
}

TEST_F(tool, help_and_man_list_the_same_commands)
{
	static const char *const help[] = { "--help", NULL };
	char path[512], from_help[512], from_man[512], *man = malloc(1 << 16);
	ssize_t n;

	ASSERT_NE(NULL, man);
	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, help));
	ASSERT_EQ(0, self->r.status);
	help_commands(self->r.out, from_help, sizeof(from_help));
	beside(path, sizeof(path), "mmscope.8");
	n = mmscope_slurp_file(path, man, 1 << 16);
	ASSERT_LT(0, n) {
		TH_LOG("%s: %s", path, strerror(-n));
	}
	man_commands(man, from_man, sizeof(from_man));
	EXPECT_STREQ(from_help, from_man);
	EXPECT_STREQ("info ps vmas pt faults zones buddy lru slab map snapshot diff ", from_help);
	free(man);
}

/* ---- errors -------------------------------------------------------------- */

static void expect_exit(struct __test_metadata *_metadata, struct run *r, const char *dev,
			int nocap, const char *const *argv, int status, const char *says)
{
	ASSERT_EQ(0, tool_run(r, dev, nocap, argv));
	EXPECT_EQ(status, r->status) {
		TH_LOG("mmscope %s %s: exit %d (want %d): %s", argv[0], argv[1] ? argv[1] : "",
		       r->status, status, r->err);
	}
	EXPECT_NE(NULL, strstr(r->err, says)) {
		TH_LOG("mmscope %s: stderr '%s' lacks '%s'", argv[0], r->err, says);
	}
	EXPECT_EQ(0, r->out_len) {
		TH_LOG("mmscope %s: stdout '%s'", argv[0], r->out);
	}
}

/* ---- pt -------------------------------------------------------------------- */

/* Lines in @s. */
static long count_lines(const char *s)
{
	long n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The holder's mapping of @len bytes whose path contains @path ("" anonymous). */
static int holder_region(pid_t pid, unsigned long len, const char *path, unsigned long *start)
{
	static struct mmscope_vma v[MAX_VMAS];
	int n = mmscope_read_vmas(pid, v, MAX_VMAS), i;

	for (i = 0; i < n; i++)
		if (v[i].end - v[i].start == len &&
		    (*path ? strstr(v[i].path, path) != NULL : !v[i].path[0])) {
			*start = v[i].start;
			return 0;
		}
	return -ENOENT;
}

static long long jidx_int(json_object *a, size_t i, const char *key)
{
	return jint(json_object_array_get_idx(a, i), key);
}

static const char *jidx_str(json_object *a, size_t i, const char *key)
{
	return jstr(json_object_array_get_idx(a, i), key);
}

/* Whether the comma list @list (pt's hw/sw) holds @name. */
static int has_bit(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p && (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/*
 * Check pt's answer for [start, start + pages) against pagemap entries @pm:
 * runs (or dense pages) cover exactly the range, in order; each page's
 * present and swap bits; the first PFN of a run (every PFN, dense); the
 * soft-dirty bit where pagemap's is the entry's own (@sd_exact); the
 * exclusive bit (mapcount 1, dense: not shared).  Returns the mismatches.
 */
static int pt_vs_pagemap(struct __test_metadata *_metadata, json_object *doc, int dense,
			 unsigned long start, size_t pages, const __u64 *pm, int sd_exact)
{
	json_object *a = jarr(doc, dense ? "pages" : "runs");
	unsigned long at = start;
	size_t i, k, miss = 0;

	if (!a) {
		TH_LOG("no %s array", dense ? "pages" : "runs");
		return 1;
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		unsigned long s = jidx_int(a, i, "start"), e = jidx_int(a, i, "end");
		const char *type = jidx_str(a, i, "type"), *sw = jidx_str(a, i, "sw");
		size_t first = (s - start) / 4096;

		if (s != at || e <= s || e > start + pages * 4096 ||
		    (unsigned long long)jidx_int(a, i, "pages") != (e - s) / 4096) {
			if (miss++ < 5)
				TH_LOG("record %zu: %lx-%lx after %lx", i, s, e, at);
			at = e;
			continue;
		}
		at = e;
		for (k = first; k < first + (e - s) / 4096; k++) {
			int present = !!(pm[k] & MMSCOPE_PM_PRESENT), swap = !!(pm[k] & MMSCOPE_PM_SWAP);
			int excl = !!(pm[k] & MMSCOPE_PM_EXCLUSIVE);
			int sd = !!(pm[k] & MMSCOPE_PM_SOFT_DIRTY);
			int ok = present == !strcmp(type, "present") && swap == !strcmp(type, "swap");

			if (present && (k == first || dense))
				ok &= (pm[k] & MMSCOPE_PM_PFN_MASK) ==
				      (unsigned long long)jidx_int(a, i, "pfn") + (dense ? 0 : k - first);
			if (present && k == first)
				ok &= excl == (dense ? !json_object_get_boolean(
							json_object_object_get(json_object_array_get_idx(a, i), "shared")) :
						       jidx_int(a, i, "mapcount") == 1);
			if (sd_exact)
				ok &= sd == has_bit(sw, "sd");
			if (!ok && miss++ < 5)
				TH_LOG("page %lx: pagemap %llx, record %zu %s sw %s pfn %llx", start + k * 4096,
				       (unsigned long long)pm[k], i, type, sw, jidx_int(a, i, "pfn"));
		}
	}
	if (at != start + pages * 4096 && miss++ < 5)
		TH_LOG("the records end at %lx, the range at %lx", at, start + pages * 4096);
	return miss;
}

/*
 * pt of the holder's anonymous, file and shmem regions, runs and dense,
 * against /proc/PID/pagemap; soft-dirty compared where pagemap's bit is
 * the entry's: in the written regions, and everywhere after clear_refs 4.
 */
TEST_F_TIMEOUT(tool, pt_matches_pagemap, 180)
{
	static const struct {
		unsigned long len;
		const char *path;	/* "" anonymous, NULL the holder's file */
		int written;
	} reg[] = { { ANON_LEN, "", 1 }, { FILE_LEN, NULL, 0 }, { SHMEM_LEN, "memfd:mmscope-tool", 1 } };
	char pidstr[16], range[64], path[300];
	const char *args[] = { "--json", "pt", pidstr, "--range", range, NULL, NULL };
	const char *text[] = { "pt", pidstr, "--range", range, NULL };
	unsigned long start;
	size_t r, pages, lines = 0;
	__u64 *pm = malloc(ANON_LEN / 4096 * sizeof(*pm));
	json_object *doc;
	int pass, dense;

	ASSERT_NE(NULL, pm);
	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	snprintf(pidstr, sizeof(pidstr), "%d", self->h.pid);
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			snprintf(path, sizeof(path), "/proc/%d/clear_refs", self->h.pid);
			ASSERT_EQ(0, mmscope_write_file(path, "4"));
		}
		for (r = 0; r < ARRAY_SIZE(reg); r++) {
			ASSERT_EQ(0, holder_region(self->h.pid, reg[r].len,
						   reg[r].path ? reg[r].path : self->h.file, &start)) {
				TH_LOG("no region of %lu bytes (%s)", reg[r].len, reg[r].path);
			}
			pages = reg[r].len / 4096;
			snprintf(range, sizeof(range), "%lx-%lx", start, start + reg[r].len);
			for (dense = 0; dense < 2; dense++) {
				args[5] = dense ? "--dense" : NULL;
				doc = tool_json(_metadata, &self->r, args);
				ASSERT_NE(NULL, doc);
				ASSERT_EQ(0, mmscope_pagemap(self->h.pid, start, pages, pm));
				EXPECT_EQ(0, pt_vs_pagemap(_metadata, doc, dense, start, pages, pm,
							   pass || reg[r].written)) {
					TH_LOG("region %zu, %s, pass %d", r, dense ? "dense" : "runs", pass);
				}
				if (dense) {
					EXPECT_EQ(pages, json_object_array_length(jarr(doc, "pages")));
				} else {
					lines = json_object_array_length(jarr(doc, "runs"));
				}
				json_object_put(doc);
			}
			/* text: a header, a line a run, a # line */
			ASSERT_EQ(0, tool_text(&self->r, text));
			EXPECT_EQ(lines + 2, (size_t)count_lines(self->r.out));
			EXPECT_EQ(0, strncmp(self->r.out, "START", 5));
		}
	}
	free(pm);
}

/* --dense: a line a page, holes included; a bad --range: status 2, and why. */
TEST_F_TIMEOUT(tool, pt_dense_pages_and_bad_range, 120)
{
	char pidstr[16], range[64], gap[64];
	const char *dense[] = { "pt", pidstr, "--dense", "--range", range, NULL };
	const char *hole[] = { "--json", "pt", pidstr, "--range", gap, "--dense", NULL };
	const char *back[] = { "pt", pidstr, "--range", "2000-1000", NULL };
	const char *odd[] = { "pt", pidstr, "--range", "1000-2001", NULL };
	const char *junk[] = { "pt", pidstr, "--range", "12x", NULL };
	const char *high[] = { "pt", pidstr, "--range", "1000-ffffffffffff000", NULL };
	unsigned long start;
	json_object *doc, *a;
	size_t i, empty = 0;

	ASSERT_EQ(0, holder_start(_metadata, &self->h));
	snprintf(pidstr, sizeof(pidstr), "%d", self->h.pid);
	ASSERT_EQ(0, holder_region(self->h.pid, ANON_LEN, "", &start));
	snprintf(range, sizeof(range), "%lx-%lx", start, start + ANON_LEN);
	ASSERT_EQ(0, tool_text(&self->r, dense));
	EXPECT_EQ(ANON_LEN / 4096 + 2, count_lines(self->r.out));

	/* 16 pages before the region (unmapped or not) and its first 16 */
	snprintf(gap, sizeof(gap), "%lx-%lx", start - 16 * 4096, start + 16 * 4096);
	doc = tool_json(_metadata, &self->r, hole);
	ASSERT_NE(NULL, doc);
	a = jarr(doc, "pages");
	ASSERT_NE(NULL, a);
	EXPECT_EQ(32, json_object_array_length(a));
	for (i = 16; i < json_object_array_length(a); i++)
		EXPECT_STREQ("present", jidx_str(a, i, "type"));
	for (i = 0; i < 16 && i < json_object_array_length(a); i++)
		empty += !strcmp(jidx_str(a, i, "type"), "none");
	TH_LOG("%zu of the 16 pages before the region are empty", empty);
	json_object_put(doc);

	expect_exit(_metadata, &self->r, NULL, 0, back, 2, "START must be below END");
	expect_exit(_metadata, &self->r, NULL, 0, odd, 2, "multiples of the page size");
	expect_exit(_metadata, &self->r, NULL, 0, junk, 2, "START-END expected");
	expect_exit(_metadata, &self->r, NULL, 0, high, 2, "above the user address space");
}

/* ---- faults: follow, children, watch --------------------------------------- */

/* tool_holder --serve N: its pid, stdin and stdout. */
struct server {
	pid_t pid;
	int in, out;
};

static int server_start(struct server *s, unsigned long n)
{
	int in[2], out[2];
	char prog[512], num[32], c[2];

	beside(prog, sizeof(prog), "tool_holder");
	snprintf(num, sizeof(num), "%lu", n);
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(prog, "tool_holder", "--serve", num, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in = in[1];
	s->out = out[0];
	return read(s->out, c, 2) == 2 && c[0] == 'r' ? 0 : -EPIPE;
}

/* One line from @fd (a byte at a time: nothing read past it), or -1 after @secs (scaled). */
static int line_from(int fd, char *buf, size_t len, double secs)
{
	double end = mmscope_now() + secs * mmscope_timeout_scale();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < len) {
		if (poll(&p, 1, 100) <= 0) {
			if (mmscope_now() > end)
				return -1;
			continue;
		}
		if (read(fd, buf + n, 1) != 1)
			return n ? (buf[n] = 0, 0) : -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return 0;
}

/* Ask the server @c; its answer line in @buf. */
static int server_ask(struct server *s, char c, char *buf, size_t len)
{
	if (write(s->in, &c, 1) != 1)
		return -1;
	return line_from(s->out, buf, len, 60);
}

static void server_stop(struct server *s)
{
	if (s->pid > 0) {
		close(s->in);
		close(s->out);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* The tool in the background, stdout a pipe (*@out), stderr discarded. */
static pid_t tool_start(const char *const *argv, int *out)
{
	const char *args[32] = { "mmscope" };
	char path[512];
	int p[2], i;
	pid_t pid;

	beside(path, sizeof(path), "mmscope");
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		execv(path, (char *const *)args);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Everything left on @fd up to EOF into @buf (NUL-terminated); its length. */
static size_t drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t got;

	while (n + 1 < len && ((got = read(fd, buf + n, len - 1 - n)) > 0 ||
			       (got < 0 && errno == EINTR)))
		if (got > 0)
			n += got;
	buf[n] = 0;
	return n;
}

static int exit_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define FOLLOW_PAGES	64

/*
 * faults --follow: N fresh pages written once the stream is up are N events
 * in the region, anon_new writes; all the holder's completed faults in the
 * stream are what getrusage() says it took; the end line counts them.
 */
TEST_F_TIMEOUT(tool, faults_follow_streams_each_fault, 120)
{
	char pidstr[16], line[256];
	const char *args[] = { "--json", "faults", "--follow", pidstr, NULL };
	struct server s = { 0 };
	struct mmscope_fault_stats st;
	unsigned long addr = 0;
	long own = -1, in_region = 0, anon_new = 0, done = 0, events = 0, end_events = -1;
	char *out = malloc(OUT_MAX), *l, *save = NULL;
	int fd, outfd;
	pid_t tool;

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, server_start(&s, FOLLOW_PAGES));
	snprintf(pidstr, sizeof(pidstr), "%d", s.pid);
	tool = tool_start(args, &outfd);
	ASSERT_LT(0, tool);
	/* the first line, a document head, says the stream is up */
	ASSERT_EQ(0, line_from(outfd, line, sizeof(line), 60));
	EXPECT_NE(NULL, strstr(line, "\"follow\":true")) {
		TH_LOG("head: %s", line);
	}
	ASSERT_EQ(0, server_ask(&s, 't', line, sizeof(line)));
	ASSERT_EQ(2, sscanf(line, "t %lx %ld", &addr, &own));
	kill(tool, SIGINT);
	drain(outfd, out, OUT_MAX);
	close(outfd);
	EXPECT_EQ(0, exit_status(tool));
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(l);
		unsigned long a;

		ASSERT_NE(NULL, o) {
			TH_LOG("not JSON: %s", l);
		}
		if (json_object_object_get(o, "end")) {
			end_events = jint(o, "events");
		} else {
			events++;
			EXPECT_EQ(s.pid, jint(o, "pid"));
			a = jint(o, "address");
			done += !strcmp(jstr(o, "result"), "minor") || !strcmp(jstr(o, "result"), "major");
			if (a < addr || a >= addr + FOLLOW_PAGES * 4096)
				TH_LOG("outside the region: %s", l);
			if (a >= addr && a < addr + FOLLOW_PAGES * 4096) {
				in_region++;
				json_object *v = json_object_object_get(o, "vma");

				anon_new += !strcmp(jstr(o, "cause"), "anon_new") &&
					    !strcmp(jstr(o, "access"), "write") && v &&
					    jint(v, "start") <= (long long)addr &&
					    jint(v, "end") >= (long long)(addr + FOLLOW_PAGES * 4096);
			}
		}
		json_object_put(o);
	}
	EXPECT_EQ(FOLLOW_PAGES, in_region);
	EXPECT_EQ(FOLLOW_PAGES, anon_new);
	EXPECT_EQ(own, done) {
		TH_LOG("getrusage %ld faults, %ld completed events", own, done);
	}
	EXPECT_EQ(events, end_events);
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, s.pid, &st));
	close(fd);
	server_stop(&s);
	free(out);
}

#define CHILD_PAGES	300

/*
 * faults --children: the child's faults, apart, equal to its wait4()
 * rusage; the parent's own equal to its own getrusage() growth, without the
 * child's; nothing tracked once the tool is gone.
 */
TEST_F_TIMEOUT(tool, faults_children_counted_apart, 120)
{
	char pidstr[16], line[256];
	const char *args[] = { "--json", "faults", "--children", pidstr, NULL };
	struct server s = { 0 };
	struct mmscope_fault_stats st;
	long own = -1, own2 = -1, cmin = -1, cmaj = -1;
	char *out = malloc(OUT_MAX);
	json_object *doc, *kids, *tot;
	int fd, outfd, i, ret = -1, child = 0;
	pid_t tool;
	size_t k, found = 0;

	ASSERT_NE(NULL, out);
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, server_start(&s, CHILD_PAGES));
	snprintf(pidstr, sizeof(pidstr), "%d", s.pid);
	tool = tool_start(args, &outfd);
	ASSERT_LT(0, tool);
	for (i = 0; i < 100 * mmscope_timeout_scale() &&
		    (ret = mmscope_fault_stats(fd, s.pid, &st)); i++)
		usleep(100000);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, server_ask(&s, 'f', line, sizeof(line)));
	ASSERT_EQ(2, sscanf(line, "f %d %ld", &child, &own));
	/*
	 * reaped before the tool's last look: gone from /proc, still in the
	 * module's list (TRACKED, by its parent), so still counted
	 */
	ASSERT_EQ(0, server_ask(&s, 'w', line, sizeof(line)));
	ASSERT_EQ(3, sscanf(line, "w %ld %ld %ld", &cmin, &cmaj, &own2));
	kill(tool, SIGINT);
	drain(outfd, out, OUT_MAX);
	close(outfd);
	EXPECT_EQ(0, exit_status(tool));
	doc = json_tokener_parse(out);
	ASSERT_NE(NULL, doc) {
		TH_LOG("not JSON: %.300s", out);
	}
	kids = jarr(doc, "children");
	ASSERT_NE(NULL, kids);
	for (k = 0; k < json_object_array_length(kids); k++)
		found += jidx_int(kids, k, "pid") == child;
	EXPECT_EQ(1, found);
	tot = json_object_object_get(doc, "children_total");
	ASSERT_NE(NULL, tot);
	EXPECT_EQ(cmin + cmaj, jsub(tot, "result", "minor") + jsub(tot, "result", "major")) {
		TH_LOG("child's wait4 rusage %ld + %ld", cmin, cmaj);
	}
	EXPECT_LE(CHILD_PAGES, jsub(tot, "cause", "anon_new"));
	EXPECT_EQ(own + own2, jsub(doc, "result", "minor") + jsub(doc, "result", "major")) {
		TH_LOG("the parent's own getrusage growth %ld + %ld", own, own2);
	}
	EXPECT_GT(CHILD_PAGES, jsub(doc, "cause", "anon_new"));
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, s.pid, &st));
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, child, &st));
	json_object_put(doc);
	close(fd);
	server_stop(&s);
	free(out);
}

/* ---- faults --watch on a terminal (tmux) --------------------------------- */

/* Run a shell command line; its stdout in @buf (may be NULL); exit status. */
static int sh_out(const char *cmd, char *buf, size_t len)
{
	FILE *f = popen(cmd, "re");
	size_t n = 0;
	int st;

	if (!f)
		return -1;
	if (buf) {
		n = fread(buf, 1, len - 1, f);
		buf[n] = 0;
	} else {
		while (fgetc(f) != EOF)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The pane's lines that start with @prefix; the last one's number after it. */
static int pane_count(const char *pane, const char *prefix, long long *last)
{
	const char *p;
	int n = 0;

	for (p = pane; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix))) {
			n++;
			sscanf(p + strlen(prefix), "%lld", last);
		}
	return n;
}

/*
 * faults --watch in tmux: the screen refreshes in place (one header, its
 * count grows once the holder faults), q quits with status 0 and the
 * terminal restored, and the holder is no longer tracked.
 */
TEST_F_TIMEOUT(tool, faults_watch_in_a_terminal, 180)
{
	char tool[512], sock[300], cmd[2048], dir[256], pane[16384], line[256], prefix[64];
	char status[64] = "", stty[4096] = "", path[320];
	struct server s = { 0 };
	struct mmscope_fault_stats st;
	long long first = -1, later = -1;
	int fd, i, heads = 0;

	if (sh_out("command -v tmux", NULL, 0))
		SKIP(return, "tmux is not installed (scripts/setup installs it)");
	beside(tool, sizeof(tool), "mmscope");
	snprintf(dir, sizeof(dir), "%s/tool-watch.%d", mmscope_tmpdir(), getpid());
	ASSERT_EQ(0, mkdir(dir, 0700));
	snprintf(sock, sizeof(sock), "%s/tmux", dir);
	ASSERT_EQ(0, server_start(&s, 500));
	snprintf(prefix, sizeof(prefix), "# pid %d: ", s.pid);
	snprintf(cmd, sizeof(cmd),
		 "TERM=xterm tmux -S %s new-session -d -x 120 -y 40 -s w \"%s faults --watch 0.3 %d; echo \\$? > %s/status; stty -a > %s/stty\"",
		 sock, tool, s.pid, dir, dir);
	ASSERT_EQ(0, sh_out(cmd, NULL, 0));
	snprintf(cmd, sizeof(cmd), "tmux -S %s capture-pane -p -t w", sock);
	for (i = 0; i < 300 * mmscope_timeout_scale() &&
		    !(sh_out(cmd, pane, sizeof(pane)), heads = pane_count(pane, prefix, &first)); i++)
		usleep(100000);
	ASSERT_EQ(1, heads) {
		TH_LOG("screen:\n%s", pane);
	}
	ASSERT_EQ(0, server_ask(&s, 't', line, sizeof(line)));
	for (i = 0; i < 300 * mmscope_timeout_scale(); i++) {
		sh_out(cmd, pane, sizeof(pane));
		heads = pane_count(pane, prefix, &later);
		if (heads != 1 || later >= first + 500)
			break;
		usleep(100000);
	}
	EXPECT_EQ(1, heads) {
		TH_LOG("screen:\n%s", pane);
	}
	EXPECT_LE(first + 500, later) {
		TH_LOG("the count went from %lld to %lld; screen:\n%s", first, later, pane);
	}
	snprintf(cmd, sizeof(cmd), "tmux -S %s send-keys -t w q", sock);
	EXPECT_EQ(0, sh_out(cmd, NULL, 0));
	snprintf(path, sizeof(path), "%s/stty", dir);
	for (i = 0; i < 300 * mmscope_timeout_scale() &&
		    mmscope_slurp_file(path, stty, sizeof(stty)) <= 0; i++)
		usleep(100000);
	snprintf(path, sizeof(path), "%s/status", dir);
	mmscope_slurp_file(path, status, sizeof(status));
	EXPECT_STREQ("0\n", status);
	/* the terminal as it was: canonical input, echo */
	EXPECT_NE(NULL, strstr(stty, " icanon")) {
		TH_LOG("stty -a after the tool:\n%s", stty);
	}
	EXPECT_NE(NULL, strstr(stty, " echo "));
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, s.pid, &st));
	EXPECT_EQ(-ENOENT, mmscope_track_ioc(fd, s.pid, MMSCOPE_TRACK_REMOVE));
	close(fd);
	snprintf(cmd, sizeof(cmd), "tmux -S %s kill-server 2>/dev/null; rm -rf %s", sock, dir);
	sh_out(cmd, NULL, 0);
	server_stop(&s);
}

/* ---- map ----------------------------------------------------------------- */

struct map_zone {		/* a populated zone of /proc/zoneinfo, and its cells */
	int node;
	char name[16];
	long long start, spanned;
	long long cells, text_cells, svg_cells, online, mt[MMSCOPE_MT_NR];
	long long first, end;	/* the first cell's PFN, the last cell's end */
};

/* The populated zones' start_pfn and spanned, from /proc/zoneinfo. */
static int map_zones(struct map_zone *z)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[512], name[16];
	long long v, present = 0;
	int n = 0, node;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			if (n && !present)	/* the previous one was empty */
				n--;
			if (n >= MAXZ)
				break;
			memset(&z[n], 0, sizeof(z[n]));
			z[n].node = node;
			strcpy(z[n].name, name);
			present = 0;
			n++;
		} else if (n && sscanf(line, " spanned %lld", &v) == 1) {
			z[n - 1].spanned = v;
		} else if (n && sscanf(line, " present %lld", &v) == 1) {
			present = v;
		} else if (n && sscanf(line, " start_pfn: %lld", &v) == 1) {
			z[n - 1].start = v;
		}
	}
	fclose(f);
	if (n && !present)
		n--;
	return n;
}

static struct map_zone *map_find(struct map_zone *z, int n, int node, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (z[i].node == node && !strcmp(z[i].name, name))
			return &z[i];
	return NULL;
}

/* The JSON's cells into @z: counts, cells with memory, migratetypes, extent. */
static int map_cells(struct __test_metadata *_metadata, json_object *doc, struct map_zone *z,
		     int nz)
{
	json_object *a = jarr(doc, "pageblocks");
	size_t i, n = a ? json_object_array_length(a) : 0;
	int j, bad = 0;

	for (j = 0; j < nz; j++) {
		z[j].cells = z[j].online = 0;
		memset(z[j].mt, 0, sizeof(z[j].mt));
	}
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(a, i), *p = NULL;
		struct map_zone *m = map_find(z, nz, jint(c, "node"), jstr(c, "zone") ?: "");
		long long pfn = jint(c, "start_pfn"), nr = jint(c, "nr_pages");
		int mt = mt_index(jstr(c, "migratetype") ?: "");

		if (!m) {
			TH_LOG("a cell of node %lld zone %s: no such populated zone in /proc/zoneinfo",
			       jint(c, "node"), jstr(c, "zone"));
			bad++;
			continue;
		}
		if (m->cells && pfn != m->end) {
			TH_LOG("%s: the cell at PFN %lld does not follow the one ending at %lld",
			       m->name, pfn, m->end);
			bad++;
		}
		if (!m->cells++)
			m->first = pfn;
		m->end = pfn + nr;
		json_object_object_get_ex(c, "pages", &p);
		if (jint(p, "hole") < nr) {	/* pagetypeinfo counts the blocks with memory */
			m->online++;
			if (mt >= 0)
				m->mt[mt]++;
		}
	}
	return bad;
}

#define SVG_MAX		(64UL << 20)

/* Count "<rect class=\"pb\"" per "<g class=\"zone\">" of the SVG at @path. */
static int map_svg_cells(const char *path, struct map_zone *z, int nz, long long *w, long long *h)
{
	char *svg = malloc(SVG_MAX), *p, *g;
	ssize_t n;
	int k = -1;

	if (!svg)
		return -ENOMEM;
	n = mmscope_slurp_file(path, svg, SVG_MAX);
	if (n < 0) {
		free(svg);
		return n;
	}
	*w = *h = -1;
	p = strstr(svg, "<svg ");
	if (p) {
		sscanf(strstr(p, " width=\"") ?: "", " width=\"%lld\"", w);
		sscanf(strstr(p, " height=\"") ?: "", " height=\"%lld\"", h);
	}
	for (g = svg; (g = strstr(g, "<")); g++) {
		if (!strncmp(g, "<g class=\"zone\">", 16))
			k++;
		else if (!strncmp(g, "<rect class=\"pb\"", 16) && k >= 0 && k < nz)
			z[k].svg_cells++;
	}
	free(svg);
	return k + 1;
}

/*
 * map: one cell per pageblock, in the JSON, the text and the SVG.  Oracles:
 * /proc/pagetypeinfo's "Number of blocks" per zone and migratetype (the
 * cells with memory; read before and after the tool, and the verdict taken
 * when both readings agree), /proc/zoneinfo's start_pfn and spanned (the
 * cells follow each other and cover the zone).  The SVG is well-formed
 * (xmllint) and draws (rsvg-convert: a PNG of the size the SVG says).
 */
TEST_F_TIMEOUT(tool, map_draws_every_pageblock, 180)
{
	static const char *const json_args[] = { "--json", "map", NULL };
	static const char *const text_args[] = { "map", "--width", "32", NULL };
	static struct pti pa[MAXZ], pb[MAXZ];
	struct map_zone z[MAXZ];
	char dir[300], svg[400], png[400], cmd[1200], out[4096], hdr[25];
	const char *svg_args[] = { "map", "--svg", svg, NULL };
	int nz, i, t, mt, settled = 0, fd;
	long long w, h, pngw, pngh, total = 0;
	struct mmscope_api api;
	json_object *doc;
	char *l;

	fd = mmscope_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmscope_api_of(fd, &api));
	close(fd);
	if (!(api.features & MMSCOPE_FEATURE_PAGEBLOCKS) ||
	    !(api.ioctls & (1ULL << _MMSCOPE_IOC_PHYS_PAGEBLOCKS)))
		SKIP(return, "the module has no PHYS_PAGEBLOCKS");
	nz = map_zones(z);
	ASSERT_LT(0, nz);

	/* JSON: cells per zone and migratetype against pagetypeinfo */
	for (t = 0; t < PHYS_TRIES && !settled; t++) {
		for (i = 0; i < nz; i++)
			ASSERT_EQ(0, read_pagetypeinfo(z[i].node, z[i].name, &pa[i]));
		doc = tool_json(_metadata, &self->r, json_args);
		ASSERT_NE(NULL, doc);
		for (i = 0; i < nz; i++)
			ASSERT_EQ(0, read_pagetypeinfo(z[i].node, z[i].name, &pb[i]));
		EXPECT_EQ(0, map_cells(_metadata, doc, z, nz));
		json_object_put(doc);
		settled = 1;
		for (i = 0; i < nz; i++)
			if (memcmp(pa[i].blocks, pb[i].blocks, sizeof(pa[i].blocks)))
				settled = 0;	/* a block changed type: read again */
	}
	ASSERT_TRUE(settled) {
		TH_LOG("pagetypeinfo's block counts changed in every one of %d tries", t);
	}
	for (i = 0; i < nz; i++) {
		long long blocks = 0;

		for (mt = 0; mt < MMSCOPE_MT_NR; mt++) {
			blocks += pa[i].blocks[mt];
			EXPECT_EQ(pa[i].blocks[mt], z[i].mt[mt]) {
				TH_LOG("node %d %s: %s blocks: pagetypeinfo %lld, map %lld", z[i].node,
				       z[i].name, mt_names[mt], pa[i].blocks[mt], z[i].mt[mt]);
			}
		}
		EXPECT_EQ(blocks, z[i].online) {
			TH_LOG("node %d %s: pagetypeinfo has %lld blocks, the map %lld with memory (%lld cells)",
			       z[i].node, z[i].name, blocks, z[i].online, z[i].cells);
		}
		/* the cells cover the zone, and no block beyond it */
		EXPECT_LT(0, z[i].cells);
		EXPECT_LE(z[i].first, z[i].start);
		EXPECT_GT(z[i].first + 4096, z[i].start);	/* within a block */
		EXPECT_GE(z[i].end, z[i].start + z[i].spanned) {
			TH_LOG("node %d %s: cells %lld-%lld, zone %lld+%lld", z[i].node, z[i].name,
			       z[i].first, z[i].end, z[i].start, z[i].spanned);
		}
		EXPECT_LT(z[i].end - 4096, z[i].start + z[i].spanned);
		total += z[i].cells;
	}

	/* text: one character per cell, rows of 32 between '|'s under the zone's title */
	ASSERT_EQ(0, tool_text(&self->r, text_args)) {
		TH_LOG("map: %s", self->r.err);
	}
	EXPECT_EQ(NULL, strchr(self->r.out, '\033'));	/* no colour into a pipe */
	for (i = -1, l = self->r.out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char name[16], *bar = strchr(l, '|');
		unsigned long long pfn;
		int node, len;

		if (sscanf(l, "node %d %15[^:]:", &node, name) == 2) {
			struct map_zone *m = map_find(z, nz, node, name);

			i = m ? (int)(m - z) : -1;
			EXPECT_NE(NULL, m);
			continue;
		}
		if (i < 0 || !bar || sscanf(l, " %llu |", &pfn) != 1)
			continue;
		len = (int)(strchr(bar + 1, '|') ? strchr(bar + 1, '|') - bar - 1 : -1);
		EXPECT_LT(0, len);
		EXPECT_GE(32, len);
		z[i].text_cells += len;
	}
	for (i = 0; i < nz; i++)
		EXPECT_EQ(z[i].cells, z[i].text_cells) {
			TH_LOG("node %d %s: %lld characters in the text map, %lld cells in the JSON",
			       z[i].node, z[i].name, z[i].text_cells, z[i].cells);
		}
	EXPECT_NE(NULL, strstr(self->r.out, "UPPERCASE"));	/* the legend */
	EXPECT_NE(NULL, strstr(self->r.out, "\ntotal "));

	/* SVG: well-formed, a rect per cell and zone, and it draws */
	snprintf(dir, sizeof(dir), "%s/map-XXXXXX", mmscope_tmpdir());
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(svg, sizeof(svg), "%s/map.svg", dir);
	snprintf(png, sizeof(png), "%s/map.png", dir);
	ASSERT_EQ(0, tool_text(&self->r, svg_args)) {
		TH_LOG("map --svg: %s", self->r.err);
	}
	EXPECT_NE(NULL, strstr(self->r.out, "pageblocks of")) {
		TH_LOG("map --svg says: %s", self->r.out);
	}
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>&1", svg);
	EXPECT_EQ(0, sh_out(cmd, out, sizeof(out))) {
		TH_LOG("xmllint (libxml2-utils, scripts/setup): %s", out);
	}
	EXPECT_EQ(nz, map_svg_cells(svg, z, nz, &w, &h));
	for (i = 0; i < nz; i++)
		EXPECT_EQ(z[i].cells, z[i].svg_cells) {
			TH_LOG("node %d %s: %lld <rect class=\"pb\"> in the SVG, %lld cells in the JSON",
			       z[i].node, z[i].name, z[i].svg_cells, z[i].cells);
		}
	snprintf(cmd, sizeof(cmd), "rsvg-convert -o '%s' '%s' 2>&1", png, svg);
	EXPECT_EQ(0, sh_out(cmd, out, sizeof(out))) {
		TH_LOG("rsvg-convert (librsvg2-bin, scripts/setup): %s", out);
	}
	ASSERT_EQ(24, mmscope_slurp_file(png, hdr, sizeof(hdr)));
	EXPECT_EQ(0, memcmp(hdr, "\x89PNG\r\n\x1a\n", 8));
	pngw = (unsigned char)hdr[16] << 24 | (unsigned char)hdr[17] << 16 |
	       (unsigned char)hdr[18] << 8 | (unsigned char)hdr[19];
	pngh = (unsigned char)hdr[20] << 24 | (unsigned char)hdr[21] << 16 |
	       (unsigned char)hdr[22] << 8 | (unsigned char)hdr[23];
	EXPECT_EQ(w, pngw);
	EXPECT_EQ(h, pngh);
	EXPECT_LT(0, total);
	unlink(svg);
	unlink(png);
	rmdir(dir);
}

TEST_F_TIMEOUT(tool, errors_say_what_to_do, 120)
{
	static const char *const info[] = { "info", NULL };
	static const char *const bogus[] = { "bogus", NULL };
	static const char *const badpid[] = { "vmas", "12x", NULL };
	static const char *const badsort[] = { "ps", "--sort", "size", NULL };
	static const char *const kthread[] = { "vmas", "2", NULL };
	char gone_s[16];
	const char *gone[] = { "ps", gone_s, NULL };
	pid_t gone_pid = fork();

	ASSERT_LE(0, gone_pid);
	if (gone_pid == 0)
		_exit(0);
	ASSERT_EQ(gone_pid, waitpid(gone_pid, NULL, 0));
	snprintf(gone_s, sizeof(gone_s), "%d", gone_pid);

	expect_exit(_metadata, &self->r, "/nonexistent/mmscope", 0, info, 3,
		    "module is not loaded");
	expect_exit(_metadata, &self->r, NULL, 1, info, 4, "needs root");
	expect_exit(_metadata, &self->r, NULL, 0, bogus, 2, "not a command");
	expect_exit(_metadata, &self->r, NULL, 0, badpid, 2, "not a process id");
	expect_exit(_metadata, &self->r, NULL, 0, badsort, 2, "one of pid, rss");
	expect_exit(_metadata, &self->r, NULL, 0, kthread, 5, "no such process 2");
	expect_exit(_metadata, &self->r, NULL, 0, gone, 5, "no such process");
}

/* ---- JSON schemas ------------------------------------------------------------ */

/*
 * Every schema in Documentation/schema/ is one (against the metaschema), and
 * the check can fail: a document with a key its schema does not name, a
 * string where an integer belongs, or a count written 3.0, is rejected with
 * the JSON path said.  What the tool prints is checked in tool_json(); the
 * snapshot file, which no command prints, here.
 */
TEST_F_TIMEOUT(tool, json_schemas_are_valid, 120)
{
	static const char *const info[] = { "--json", "info", NULL };
	static const char *const bad_keys[] = { "no_such_key", "time", "features_mask" };
	char dir[512], why[4096], file[] = "/tmp/mmscope-schema-XXXXXX";
	const char *schemas[] = { "--schemas", dir, NULL };
	const char *check_info[] = { dir, "info", NULL };
	const char *check_snap[] = { dir, "snapshot", file, NULL };
	const char *save[] = { "snapshot", "save", file, NULL };
	json_object *doc;
	const char *text;
	size_t i;
	int fd;

	beside(dir, sizeof(dir), "schema");
	EXPECT_EQ(0, json_check(schemas, "", 0, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	doc = tool_json(_metadata, &self->r, info);	/* valid: checked there */
	ASSERT_NE(NULL, doc);
	json_object_put(doc);
	for (i = 0; i < ARRAY_SIZE(bad_keys); i++) {
		doc = json_tokener_parse(self->r.out);
		ASSERT_NE(NULL, doc);
		json_object_object_add(doc, bad_keys[i],
				       i == 0 ? json_object_new_int(1) :
				       i == 1 ? json_object_new_string("1") :
						json_object_new_double(3));
		text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		EXPECT_EQ(1, json_check(check_info, text, strlen(text), why, sizeof(why))) {
			TH_LOG("not rejected: %s", text);
		}
		EXPECT_NE(NULL, strstr(why, bad_keys[i])) {
			TH_LOG("the message does not name %s: %s", bad_keys[i], why);
		}
		json_object_put(doc);
	}

	fd = mkstemp(file);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tool_run(&self->r, NULL, 0, save));
	EXPECT_EQ(0, self->r.status) {
		TH_LOG("snapshot save: %s", self->r.err);
	}
	if (!self->r.status)
		EXPECT_EQ(0, json_check(check_snap, "", 0, why, sizeof(why))) {
			TH_LOG("%s", why);
		}
	unlink(file);
}

/* ---- snapshot and diff ------------------------------------------------------ */

#define DIFF_PAGES	1000

/* The changes of section @sec in a diff document whose "what" starts with @what. */
static long long diff_sum(json_object *doc, const char *sec, const char *what,
			  const char *field, int *found)
{
	json_object *a = jarr(doc, sec);
	long long sum = 0;
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *c = json_object_array_get_idx(a, i);

		if (strncmp(jstr(c, "what") ?: "", what, strlen(what)) ||
		    strcmp(jstr(c, "field") ?: "", field))
			continue;
		sum += !strcmp(field, "new") ? jint(c, "rss") :
		       !strcmp(field, "gone") ? -jint(c, "rss") : jint(c, "delta");
		(*found)++;
	}
	return sum;
}

TEST_F_TIMEOUT(tool, snapshot_diff_reports_an_allocation, 600)
{
	char a[300], b[300], dir[300], path[340], line[128], who[64], boot[64] = "";
	const char *save_a[] = { "snapshot", "save", a, NULL };
	const char *save_b[] = { "snapshot", "save", b, NULL };
	const char *diff[] = { "--json", "diff", a, b, NULL };
	const char *text[] = { "diff", a, b, NULL };
	const char *one[] = { "diff", a, NULL };
	const char *junk[] = { "diff", a, "/proc/self/status", NULL };
	const char *bad[] = { "snapshot", "save", "/proc/mmscope-no/x", NULL };
	static struct si si_a0[MAXSI], si_a1[MAXSI], si_b0[MAXSI], si_b1[MAXSI];
	long long vma = 0, thr = -1, own = -1;
	int i, found = 0, vfound = 0, fd, na0, na1, nb0, nb1;
	struct server srv = {};
	json_object *doc, *snap, *c;
	unsigned long addr;
	struct utsname u;
	char expect[96];
	FILE *f;

	snprintf(a, sizeof(a), "%s/mmscope-a.json", mmscope_tmpdir());
	snprintf(b, sizeof(b), "%s/mmscope-b.json", mmscope_tmpdir());
	snprintf(dir, sizeof(dir), "%s/mmscope-tool-diff", mmscope_tmpdir());
	ASSERT_EQ(0, server_start(&srv, DIFF_PAGES));
	na0 = read_slabinfo(si_a0, MAXSI);
	ASSERT_EQ(0, tool_text(&self->r, save_a)) {
		TH_LOG("snapshot save: exit %d: %s", self->r.status, self->r.err);
	}
	na1 = read_slabinfo(si_a1, MAXSI);
	/* the allocation: DIFF_PAGES anonymous pages, SLAB_FILES tmpfs inodes */
	ASSERT_EQ(0, server_ask(&srv, 't', line, sizeof(line)));
	ASSERT_EQ(2, sscanf(line, "t %lx %lld", &addr, &own));
	ASSERT_EQ(0, mkdir(dir, 0700));
	for (i = 0; i < SLAB_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		ASSERT_LE(0, fd);
		close(fd);
	}
	nb0 = read_slabinfo(si_b0, MAXSI);
	ASSERT_EQ(0, tool_text(&self->r, save_b)) {
		TH_LOG("snapshot save: exit %d: %s", self->r.status, self->r.err);
	}
	nb1 = read_slabinfo(si_b1, MAXSI);
	ASSERT_TRUE(na0 > 0 && na1 > 0 && nb0 > 0 && nb1 > 0);

	/* the snapshot says where it was taken */
	snap = json_object_from_file(b);
	ASSERT_NE(NULL, snap);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(boot, sizeof(boot), f));
	fclose(f);
	boot[strcspn(boot, "\n")] = 0;
	uname(&u);
	EXPECT_STREQ(boot, jstr(snap, "boot_id"));
	EXPECT_STREQ(u.release, jstr(snap, "kernel"));
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_CONF), jint(snap, "cpus"));
	c = json_object_object_get(snap, "views");
	EXPECT_TRUE(json_object_object_get(c, "zones") && json_object_object_get(c, "buddy") &&
		    json_object_object_get(c, "lru") && json_object_object_get(c, "ps") &&
		    json_object_object_get(c, "vmas"));
	json_object_put(snap);

	doc = tool_json(_metadata, &self->r, diff);
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(json_object_get_boolean(json_object_object_get(doc, "same_boot")));
	/* the process: exactly the pages it wrote (walked: no threshold) */
	EXPECT_EQ(DIFF_PAGES, own);
	snprintf(who, sizeof(who), "%d:", srv.pid);
	EXPECT_EQ(DIFF_PAGES * 4096LL, diff_sum(doc, "process", who, "rss_anon", &found));
	EXPECT_EQ(DIFF_PAGES * 4096LL, diff_sum(doc, "process", who, "rss", &found));
	EXPECT_EQ(2, found);
	/*
	 * its VMAs: a new one, or one that grew; when the kernel merged the
	 * new mapping with its neighbour below, that one is "gone" and the
	 * merged one "new" at the lower start
	 */
	vma = diff_sum(doc, "vma", who, "new", &vfound) + diff_sum(doc, "vma", who, "rss", &vfound) +
	      diff_sum(doc, "vma", who, "gone", &vfound);
	EXPECT_EQ(DIFF_PAGES * 4096LL, vma) {
		TH_LOG("VMAs of %d: %d changes, %lld bytes", srv.pid, vfound, vma);
	}
	/*
	 * the cache: the change slabinfo saw (read beside each snapshot: the
	 * change lies between the inner and the outer pair), and the inodes
	 * made, less the free objects the CPUs held (which slabinfo counts
	 * as active already)
	 */
	found = 0;
	{
		const struct si *x0 = find_si(si_a0, na0, SLAB_CACHE), *x1 = find_si(si_a1, na1, SLAB_CACHE);
		const struct si *y0 = find_si(si_b0, nb0, SLAB_CACHE), *y1 = find_si(si_b1, nb1, SLAB_CACHE);
		json_object *arr = jarr(doc, "slab");
		long long d = 0;

		for (i = 0; arr && i < (int)json_object_array_length(arr); i++) {
			c = json_object_array_get_idx(arr, i);
			if (!strncmp(jstr(c, "what"), SLAB_CACHE "/", strlen(SLAB_CACHE) + 1) &&
			    !strcmp(jstr(c, "field"), "active_objs")) {
				d = jint(c, "delta");
				thr = jint(c, "threshold");
				found++;
			}
		}
		EXPECT_EQ(1, found);
		EXPECT_LT(0, thr);
		ASSERT_TRUE(x0 && x1 && y0 && y1);
		EXPECT_TRUE(in_bracket(y0->active - x1->active, d, y1->active - x0->active, 0)) {
			TH_LOG("%s active objects: diff %+lld, slabinfo %+lld..%+lld", SLAB_CACHE, d,
			       y0->active - x1->active, y1->active - x0->active);
		}
		EXPECT_TRUE(d >= SLAB_FILES - thr && d <= SLAB_FILES + thr) {
			TH_LOG("%s active objects %+lld for %d files (threshold %lld)",
			       SLAB_CACHE, d, SLAB_FILES, thr);
		}
	}
	json_object_put(doc);

	/* the text says the same */
	ASSERT_EQ(0, tool_text(&self->r, text));
	snprintf(expect, sizeof(expect), "+%d kB", DIFF_PAGES * 4);
	EXPECT_NE(NULL, strstr(self->r.out, expect)) {
		TH_LOG("no '%s' in: %.2000s", expect, self->r.out);
	}
	EXPECT_NE(NULL, strstr(self->r.out, "same boot"));

	/* bad input: a clear message and exit 2 (1 for what the system refuses) */
	expect_exit(_metadata, &self->r, NULL, 0, one, 2, "two snapshots expected");
	expect_exit(_metadata, &self->r, NULL, 0, junk, 2, "not JSON");
	expect_exit(_metadata, &self->r, NULL, 0, bad, 1, "snapshot save");

	server_stop(&srv);
	for (i = 0; i < SLAB_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	rmdir(dir);
	unlink(a);
	unlink(b);
}

/* ---- info: what the module tracks and holds -------------------------------- */

/* The "tracked" entry of @pid in an info document, or NULL. */
static json_object *info_tracked(json_object *doc, pid_t pid)
{
	json_object *a = jarr(doc, "tracked");
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++)
		if (jint(json_object_array_get_idx(a, i), "pid") == pid)
			return json_object_array_get_idx(a, i);
	return NULL;
}

/* Module memory of @what in an info document: bytes, objects in *@objects. */
static long long info_mem(json_object *doc, const char *what, long long *objects)
{
	json_object *a = jarr(doc, "module_memory");
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(jstr(e, "what") ?: "", what)) {
			*objects = jint(e, "objects");
			return jint(e, "bytes");
		}
	}
	*objects = -1;
	return -1;
}

TEST_F_TIMEOUT(tool, info_lists_tracked_and_module_memory, 120)
{
	static const char *const json_args[] = { "--json", "info", NULL };
	static const char *const text_args[] = { "info", NULL };
	long long objs0, objs1, bytes0, bytes1, total, tobjs, sum = 0, sumo = 0, o, own = -1;
	struct server srv = {};
	json_object *doc, *e, *a;
	char line[128], want[64];
	unsigned long addr;
	size_t i;
	int fd;

	fd = mmscope_open();
	ASSERT_LE(0, fd);
	if (!mmscope_has_introspect(fd)) {
		close(fd);
		SKIP(return, "the module has no TRACKED/MODULE_MEMORY");
	}
	ASSERT_EQ(0, server_start(&srv, 10));
	doc = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(NULL, info_tracked(doc, srv.pid));
	bytes0 = info_mem(doc, "tracked", &objs0);
	json_object_put(doc);

	/* tracked by this test's file, until it closes */
	ASSERT_EQ(0, mmscope_track_ioc(fd, srv.pid, MMSCOPE_TRACK_ON_CLOSE));
	ASSERT_EQ(0, server_ask(&srv, 't', line, sizeof(line)));
	ASSERT_EQ(2, sscanf(line, "t %lx %lld", &addr, &own));
	doc = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, doc);
	e = info_tracked(doc, srv.pid);
	ASSERT_NE(NULL, e);
	a = json_object_object_get(e, "flags");
	ASSERT_EQ(1, json_object_array_length(a));
	EXPECT_STREQ("on_close", json_object_get_string(json_object_array_get_idx(a, 0)));
	/* its faults: exactly what it counted itself (getrusage) */
	EXPECT_EQ(own, jint(e, "faults_total"));
	/* one more entry held; the total is the sum of the kinds */
	bytes1 = info_mem(doc, "tracked", &objs1);
	EXPECT_EQ(objs0 + 1, objs1);
	EXPECT_LT(bytes0, bytes1);
	a = jarr(doc, "module_memory");
	ASSERT_NE(NULL, a);
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (strcmp(jstr(e, "what"), "total")) {
			sum += jint(e, "bytes");
			sumo += jint(e, "objects");
		}
	}
	total = info_mem(doc, "total", &tobjs);
	EXPECT_EQ(sum, total);
	EXPECT_EQ(sumo, tobjs);
	json_object_put(doc);

	/* the text says it too */
	ASSERT_EQ(0, tool_text(&self->r, text_args));
	snprintf(want, sizeof(want), "%d (on_close,%lld faults)", srv.pid, own);
	EXPECT_NE(NULL, strstr(self->r.out, want)) {
		TH_LOG("no '%s' in: %s", want, self->r.out);
	}
	EXPECT_NE(NULL, strstr(self->r.out, "module_memory   total"));

	/* the file closed, the entry went with it */
	close(fd);
	doc = tool_json(_metadata, &self->r, json_args);
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(NULL, info_tracked(doc, srv.pid));
	EXPECT_EQ(bytes0, info_mem(doc, "tracked", &o));
	EXPECT_EQ(objs0, o);
	json_object_put(doc);
	server_stop(&srv);
}

TEST_HARNESS_MAIN
