// SPDX-License-Identifier: GPL-2.0
/*
 * perm_test - who may use mmscope, and what it gives away.
 *
 * Every entry point - /dev/mmscope and every debugfs file, including a
 * tracked process's tasks/PID/ files - is tried by three callers that must be
 * refused: a user other than root (EACCES: the modes), root without
 * CAP_SYS_ADMIN and root in a user namespace with its uid mapped to root
 * (EPERM: the module's own check at open).  The modes are the narrowest, a
 * descriptor keeps its opener's rights (pagemap's rule), and nothing the
 * module returns - text, records, module parameters, its kernel log lines -
 * holds a kernel address.
 */
#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <stdint.h>
#include <grp.h>
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

#define MAX_PATHS	64
#define PATH_LEN	160

struct entry {
	char path[PATH_LEN];
	int flags;		/* how it is opened: O_RDONLY, O_WRONLY, O_RDWR */
};

/* /dev/mmscope, then every debugfs file, writable ones also for writing. */
static int list_entries(struct entry *e, int max)
{
	char dirs[16][PATH_LEN];
	int nd = 1, n = 0, i;

	snprintf(e[n].path, PATH_LEN, "%s", MMSCOPE_DEV);
	e[n++].flags = O_RDWR;
	snprintf(dirs[0], PATH_LEN, "%s", MMSCOPE_DEBUGFS);
	for (i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			return -errno;
		while ((de = readdir(d))) {
			char p[PATH_LEN];
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%.100s/%.50s", dirs[i], de->d_name);
			if (stat(p, &st))
				continue;
			if (S_ISDIR(st.st_mode) && nd < 16) {
				snprintf(dirs[nd++], PATH_LEN, "%s", p);
			} else if (S_ISREG(st.st_mode) && n + 2 <= max) {
				snprintf(e[n].path, PATH_LEN, "%s", p);
				e[n++].flags = O_RDONLY;
				if (st.st_mode & 0200) {
					snprintf(e[n].path, PATH_LEN, "%s", p);
					e[n++].flags = O_WRONLY;
				}
			}
		}
		closedir(d);
	}
	return n;
}

static int has_entry(const struct entry *e, int n, const char *suffix)
{
	size_t ls = strlen(suffix);
	int i;

	for (i = 0; i < n; i++) {
		size_t lp = strlen(e[i].path);

		if (lp >= ls && !strcmp(e[i].path + lp - ls, suffix))
			return 1;
	}
	return 0;
}

/* ---- the three callers that must be refused ------------------------------ */

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

static int become_root_without_cap_sys_admin(void)
{
	return mmscope_drop_cap_sys_admin();
}

/* Root of a new user namespace whose uid and gid 0 map to the host's 0. */
static int become_mapped_root_in_user_namespace(void)
{
	if (unshare(CLONE_NEWUSER))
		return -errno;
	if (mmscope_write_file("/proc/self/setgroups", "deny") ||
	    mmscope_write_file("/proc/self/uid_map", "0 0 1") ||
	    mmscope_write_file("/proc/self/gid_map", "0 0 1"))
		return -EIO;
	return 0;
}

/*
 * In a child that became @become, open every entry; out[i] is 0 or the errno.
 * Returns 0, or the (positive) errno of @become.
 */
static int try_entries(int (*become)(void), const struct entry *e, int n, int *out)
{
	int pipefd[2], status, err = 0, i;
	pid_t pid;

	if (pipe(pipefd))
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (!pid) {
		close(pipefd[0]);
		err = become();
		for (i = 0; i < n; i++) {
			int fd = err ? -1 : open(e[i].path, e[i].flags | O_CLOEXEC);

			out[i] = err ? 0 : fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
		}
		if (write(pipefd[1], &err, sizeof(err)) != sizeof(err) ||
		    write(pipefd[1], out, n * sizeof(*out)) != (ssize_t)(n * sizeof(*out)))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err) ||
	    read(pipefd[0], out, n * sizeof(*out)) != (ssize_t)(n * sizeof(*out)))
		err = EPIPE;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return err < 0 ? -err : err;
}

static int hold_memory(void *arg, void *out)
{
	char *p = mmap(NULL, 64 * MMSCOPE_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	memset(p, 1, 64 * MMSCOPE_PAGE);
	*(unsigned long *)out = (unsigned long)p;
	return 0;
}

FIXTURE(perm) {
	int fd;
	struct mmscope_holder h;
	unsigned long addr;
	struct entry e[MAX_PATHS];
	int n;
};

FIXTURE_SETUP(perm)
{
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mmscope_holder_start(&self->h, hold_memory, NULL,
					  &self->addr, sizeof(self->addr)));
	/* tracked, so its tasks/PID/ files exist and are tried as well */
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->h.pid, 0));
	self->n = list_entries(self->e, MAX_PATHS);
	ASSERT_LT(0, self->n);
}

FIXTURE_TEARDOWN(perm)
{
	mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE);	/* if a test tracked itself */
	if (self->h.pid > 0)
		mmscope_track_ioc(self->fd, self->h.pid, MMSCOPE_TRACK_REMOVE);
	mmscope_holder_stop(&self->h);
	close(self->fd);
}

/* The walk found every entry point there is: a new file cannot slip by. */
TEST_F(perm, every_entry_point_is_listed)
{
	const char *const expect[] = {
		"/dev/mmscope", "/version", "/track", "/zones", "/buddy", "/lru",
		"/slab", "/stats", "/memory", "/summary", "/vmas", "/pagetable", "/faults",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		EXPECT_TRUE(has_entry(self->e, self->n, expect[i])) {
			TH_LOG("no entry point ending in %s", expect[i]);
		}
	}
	TH_LOG("%d entry points (opens) tried per caller", self->n);
}

static void expect_refused(struct __test_metadata *_metadata, FIXTURE_DATA(perm) *self,
			   int (*become)(void), int want, const char *who)
{
	int out[MAX_PATHS], err, i;

	err = try_entries(become, self->e, self->n, out);
	ASSERT_EQ(0, err) {
		TH_LOG("could not become %s: %s", who, strerror(err));
	}
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ(want, out[i]) {
			TH_LOG("%s opening %s (flags %d): %s, want %s", who, self->e[i].path,
			       self->e[i].flags, out[i] ? strerror(out[i]) : "allowed",
			       strerror(want));
		}
	}
}

TEST_F(perm, nobody_is_eacces_everywhere)
{
	expect_refused(_metadata, self, become_nobody, EACCES, "uid 65534");
}

TEST_F(perm, root_without_cap_sys_admin_is_eperm_everywhere)
{
	expect_refused(_metadata, self, become_root_without_cap_sys_admin, EPERM,
		       "root without CAP_SYS_ADMIN");
}

TEST_F(perm, root_in_user_namespace_is_eperm_everywhere)
{
	int out[MAX_PATHS];
	int err = try_entries(become_mapped_root_in_user_namespace, self->e, 0, out);

	if (err == EPERM || err == EINVAL || err == ENOSPC)
		SKIP(return, "user namespaces unavailable: %s", strerror(err));
	expect_refused(_metadata, self, become_mapped_root_in_user_namespace, EPERM,
		       "root in a user namespace");
}

/* debugfs files 0400 (track 0600), the node 0600 root:root. */
TEST_F(perm, modes_are_the_narrowest)
{
	struct stat st;
	int i;

	for (i = 0; i < self->n; i++) {
		const char *p = self->e[i].path;
		mode_t want = strstr(p, "/dev/") == p ? 0600 :
			      has_entry(&self->e[i], 1, "/track") ? 0600 : 0400;

		ASSERT_EQ(0, stat(p, &st));
		EXPECT_EQ(want, st.st_mode & 07777) {
			TH_LOG("%s: mode %o, want %o", p, st.st_mode & 07777, want);
		}
		EXPECT_EQ(0, st.st_uid);
		EXPECT_EQ(0, st.st_gid);
	}
}

/* Rights are judged at open: a descriptor handed on keeps them (pagemap). */
TEST_F(perm, descriptor_keeps_its_openers_rights)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		struct mmscope_pt_rec rec;
		struct mmscope_pt_walk w;

		if (mmscope_drop_cap_sys_admin() || mmscope_open() != -EPERM)
			_exit(1);
		mmscope_walk_init(&w, self->h.pid, 0, self->addr,
				  self->addr + MMSCOPE_PAGE, &rec, sizeof(rec));
		if (ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &w) || w.nr_recs != 1)
			_exit(2);
		_exit(rec.type == MMSCOPE_ENTRY_PRESENT && rec.pfn ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("child status %#x (1 setup, 2 walk, 3 no PFN)", status);
	}
}

/* ---- no kernel address in anything the module returns -------------------- */

/*
 * A kernel address: top byte 0xff, the upper half with 4-level (from
 * 0xffff800000000000) and 5-level paging (from 0xff00000000000000).  Not
 * addresses: all-ones; two adjacent small negative 32-bit fields (-1000, -1:
 * both halves in [-4096, -1], which no kernel address has, since the direct
 * map, vmalloc, text and modules all have a half below that); the vsyscall
 * page, a fixed user-visible address.
 */
static int is_kernel_address(uint64_t v)
{
	int32_t hi = v >> 32, lo = (uint32_t)v;

	if ((v >> 56) != 0xff || (hi >= -4096 && lo >= -4096))
		return 0;
	return (v & ~0xfffULL) != 0xffffffffff600000ULL;
}

struct leak_scan {
	long words, tokens, hits;
	char first[200];
};

static void scan_binary(struct leak_scan *ls, const char *what, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		ls->words++;
		if (is_kernel_address(v) && !ls->hits++)
			snprintf(ls->first, sizeof(ls->first), "%s: word at %zu: %#llx",
				 what, i, (unsigned long long)v);
	}
}

/* Every run of letters and digits that reads as a long hex or decimal number. */
static void scan_text(struct leak_scan *ls, const char *what, const char *s)
{
	while (*s) {
		char tok[64], *t = tok;
		size_t n = strspn(s, "0123456789abcdefABCDEFxX");
		uint64_t v;

		if (!isalnum((unsigned char)*s)) {
			s++;
			continue;
		}
		if (!n || isalnum((unsigned char)s[n])) {	/* a word, not a number */
			while (isalnum((unsigned char)*s))
				s++;
			continue;
		}
		snprintf(tok, sizeof(tok), "%.*s", (int)(n < 63 ? n : 63), s);
		s += n;
		if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
			t += 2;
		if (strlen(t) < 12 || strspn(t, "0123456789abcdefABCDEF") != strlen(t))
			continue;
		ls->tokens++;
		v = strlen(t) <= 16 ? strtoull(t, NULL, 16) : 0;
		if (is_kernel_address(v) && !ls->hits++)
			snprintf(ls->first, sizeof(ls->first), "%s: hex token %s", what, tok);
		if (strspn(t, "0123456789") == strlen(t)) {
			v = strtoull(t, NULL, 10);
			if (is_kernel_address(v) && !ls->hits++)
				snprintf(ls->first, sizeof(ls->first), "%s: decimal token %s",
					 what, tok);
		}
	}
}

static char *read_file_all(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (!buf || fd < 0) {
		int err = buf ? errno : ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = err;
		return NULL;
	}
	while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
		len += r;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

static long phys_snap_scan(struct leak_scan *ls, int fd, unsigned long cmd,
			   __u32 rec_size, const char *what)
{
	static char buf[1 << 20];
	struct mmscope_phys_snap a;
	int ret = mmscope_phys_ioc(fd, cmd, rec_size, buf, sizeof(buf), &a);

	if (ret)
		return ret;
	scan_binary(ls, what, buf, a.nr_recs * rec_size);
	scan_binary(ls, what, &a, sizeof(a));
	return a.nr_recs;
}

TEST_F(perm, no_kernel_address_in_any_output)
{
	static struct mmscope_pt_rec recs[4096];
	struct mmscope_fault_stream fs;
	struct mmscope_fault_event ev[64];
	struct mmscope_fault_stats st;
	struct mmscope_mm_summary sum;
	struct mmscope_api api;
	struct leak_scan ls = {};
	struct mmscope_pt_walk w;
	char path[PATH_LEN], *text, *p;
	int i, sfd, files = 0;
	ssize_t n;
	DIR *d;
	struct dirent *de;

	/* a stream with events in it: the holder's pages, touched again */
	sfd = mmscope_open();
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, 0));
	ASSERT_EQ(0, mmscope_fault_stream(sfd, 0, 64, &fs));
	p = mmap(NULL, 16 * MMSCOPE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 16 * MMSCOPE_PAGE);
	munmap(p, 16 * MMSCOPE_PAGE);

	/* debugfs text, every file (list_entries saw them all) */
	self->n = list_entries(self->e, MAX_PATHS);
	for (i = 0; i < self->n; i++) {
		if (self->e[i].flags != O_RDONLY || !strncmp(self->e[i].path, "/dev/", 5))
			continue;
		text = read_file_all(self->e[i].path);
		if (!text && errno == ESRCH)
			continue;	/* a tracked process that exited: no page tables */
		ASSERT_NE(NULL, text) {
			TH_LOG("cannot read %s: %s", self->e[i].path, strerror(errno));
		}
		scan_text(&ls, self->e[i].path, text);
		free(text);
		files++;
	}

	/* the binary interface */
	memset(&api, 0, sizeof(api));
	api.size = sizeof(api);
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_GET_API, &api));
	scan_binary(&ls, "GET_API", &api, sizeof(api));
	ASSERT_EQ(0, mmscope_summary(self->fd, self->h.pid, &sum));
	scan_binary(&ls, "MM_SUMMARY", &sum, sizeof(sum));
	mmscope_walk_init(&w, 0, 0, 0, 1ULL << 47, recs, sizeof(recs));
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &w));
	scan_binary(&ls, "PT_WALK records", recs, w.nr_recs * sizeof(recs[0]));
	scan_binary(&ls, "PT_WALK", &w, sizeof(w));
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, 0, &st));
	scan_binary(&ls, "FAULT_STATS", &st, sizeof(st));
	n = read(sfd, ev, sizeof(ev));
	ASSERT_LT(0, n);
	scan_binary(&ls, "stream events", ev, n);
	EXPECT_LE(0, phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_ZONES,
				    sizeof(struct mmscope_zone_rec), "PHYS_ZONES"));
	EXPECT_LE(0, phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_BUDDY,
				    sizeof(struct mmscope_buddy_rec), "PHYS_BUDDY"));
	EXPECT_LE(0, phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_LRU,
				    sizeof(struct mmscope_lru_rec), "PHYS_LRU"));
	EXPECT_LE(0, phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_STATS,
				    sizeof(struct mmscope_phys_stat_rec), "PHYS_STATS"));
	EXPECT_LE(0, phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_PAGEBLOCKS,
				    sizeof(struct mmscope_pageblock_rec), "PHYS_PAGEBLOCKS"));
	/* -ENODATA without the slab layout */
	phys_snap_scan(&ls, self->fd, MMSCOPE_IOC_PHYS_SLAB,
		       sizeof(struct mmscope_slab_rec), "PHYS_SLAB");

	/* module parameters as sysfs shows them */
	d = opendir("/sys/module/mmscope/parameters");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/module/mmscope/parameters/%.100s", de->d_name);
		text = read_file_all(path);
		if (text)
			scan_text(&ls, path, text);
		free(text);
	}
	if (d)
		closedir(d);

	/* the module's own kernel log lines */
	{
		int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
		char *log = len > 0 ? malloc(len + 1) : NULL, *line, *save;

		if (log && (len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len)) > 0) {
			log[len] = 0;
			for (line = strtok_r(log, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				if (strstr(line, "mmscope"))
					scan_text(&ls, "kernel log", line);
		}
		free(log);
	}

	close(sfd);
	TH_LOG("scanned %d debugfs files (%ld numeric tokens) and %ld binary words",
	       files, ls.tokens, ls.words);
	EXPECT_LT(10, files);
	EXPECT_EQ(0, ls.hits) {
		TH_LOG("%ld kernel addresses; first: %s", ls.hits, ls.first);
	}
	EXPECT_LT(100, ls.tokens);	/* the scanner did read numbers */

	/* and it does see addresses, 4- and 5-level, hex and decimal */
	memset(&ls, 0, sizeof(ls));
	scan_text(&ls, "probe", "a ffff888012345678 0xff11000012345678 18446612682070163456 b");
	scan_binary(&ls, "probe", &(uint64_t){ 0xffffffffc0123456ULL }, 8);
	EXPECT_EQ(4, ls.hits);
}

TEST_HARNESS_MAIN
