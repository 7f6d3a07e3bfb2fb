// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed, deterministic memory layout in a child process, seen two ways.
 *
 * Test 1 walks it with MMSCOPE_IOC_PT_WALK and prints a digest of the
 * records (PFNs left out).  Run under 4-level and 5-level paging, the
 * digests must be equal: scripts/check compares the "layout-digest:" lines
 * of the 6.1 and 6.1-4level runs.
 *
 * Test 2 (the golden test) tracks the child and holds the debugfs text of
 * its tasks/PID/ files to a golden file, byte for byte, so a change of the
 * module's sources that changes what a reader sees shows as a diff.  Kept:
 * every "#" line (header, legend, "# truncated", "# process exited") of
 * pagetable, vmas, summary and faults; the pagetable and vmas lines that
 * start in [BASE, END); the lines of summary and faults with every number
 * as "N": their keys and units, not their figures, which depend on the
 * whole process (libc, the loader, the kernel).  Lines are split at each
 * space and joined again, so spacing and a missing last newline show.
 * Masked, because they vary:
 *   - pagetable: the pfn column, "PFN" where it is not 0 (physical pages
 *     differ from run to run);
 *   - pagetable: the hardware D bit of a PTE without RW (the read-only
 *     slice of written pages): 6.1 keeps Dirty=1 in a write-protected PTE,
 *     6.12 moves it to the software bit _PAGE_SAVED_DIRTY when mprotect()
 *     write-protects (x86's rule since the shadow-stack work of 6.6: no
 *     Write=0,Dirty=1 PTE), with or without shadow stacks in the CPU;
 *   - pagetable: the sw name pd (folio dirty) of a hugetlb page: a huge
 *     page comes back to the pool dirty when its last user unmaps it dirty
 *     (the unmap moves the PTE's Dirty to the folio) and the pool does not
 *     clean it, so pd says whether an earlier process of this boot wrote
 *     to that huge page (two runs in one 6.1 guest: clean, then pd);
 *   - vmas: dev and inode of a VMA backed by a file, "DEV INODE" (the memfd
 *     and the hugetlb mapping live on internal mounts whose device and
 *     inode numbers differ between runs and kernels);
 *   - faults: "vma start end ..." lines, whole (which VMAs took faults
 *     depends on the whole process).
 * The same golden holds for 4- and 5-level paging, 6.1, 6.12 (two NUMA
 * nodes) and the debug kernel.  If no THP appeared in the THP region (by
 * pagemap and kpageflags, before and after the reads) the lines starting in
 * that region are left out on both sides, and the test says so.  The
 * hugetlb region needs reserved huge pages: the matrix boots with
 * hugepages=16.
 *
 * The golden is selftests/golden/pt_layout.txt, installed as
 * golden/pt_layout.txt beside this program ($MMSCOPE_GOLDEN overrides the
 * path).  MMSCOPE_GOLDEN_WRITE=PATH writes the text of this run to PATH
 * instead of comparing (Documentation/testing.md, "The golden test").
 *
 * The child maps everything MAP_FIXED below 2^47 and touches it in one
 * order, then blocks; the parent walks it.  Regions: written anon, zero-page
 * reads, a read-only slice, shared memfd, THP (if it appears), hugetlb (if
 * reserved).
 */
#include <limits.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "mmscope_test.h"

#define BASE		0x200000000000UL	/* 32 TiB: below 2^47 */
#define ANON		(BASE)
#define ANON_LEN	(256UL << 12)
#define THP		(BASE + (64UL << 20))
#define THP_LEN		(4UL << 20)
#define SHM		(BASE + (128UL << 20))
#define SHM_LEN		(64UL << 12)
#define HTLB		(BASE + (256UL << 20))
#define HTLB_LEN	(2UL << 20)
#define END		(BASE + (512UL << 20))

static void child(int ready, int wait)
{
	char *p;
	int i, fd;
	char c;

	p = mmap((void *)ANON, ANON_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	madvise(p, ANON_LEN, MADV_NOHUGEPAGE);
	for (i = 0; i < 128; i++)
		p[i << 12] = i;
	for (i = 128; i < 192; i++)
		c = *(volatile char *)(p + ((unsigned long)i << 12));
	mprotect(p + (64UL << 12), 32UL << 12, PROT_READ);

	p = mmap((void *)THP, THP_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != MAP_FAILED) {
		madvise(p, THP_LEN, MADV_HUGEPAGE);
		p[0] = 1;
	}

	fd = memfd_create("layout", 0);
	if (fd >= 0 && !ftruncate(fd, SHM_LEN)) {
		p = mmap((void *)SHM, SHM_LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (p != MAP_FAILED)
			for (i = 0; i < 32; i++)
				p[i << 13] = 1;
	}

	p = mmap((void *)HTLB, HTLB_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0);
	if (p != MAP_FAILED)
		p[0] = 1;

	(void)c;
	if (write(ready, "r", 1) != 1 || read(wait, &c, 1) < 0)
		_exit(2);
	_exit(0);
}

/* FNV-1a over the fields that must not depend on the paging depth. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/*
 * Test 2: the debugfs text of the layout, byte for byte against a golden
 * file (selftests/golden/pt_layout.txt, installed beside this program).
 * See the comment at the top of the file for what is masked and why.
 */
#define GOLDEN_NAME	"golden/pt_layout.txt"
#define GOLDEN_MAX	(64UL << 10)
#define FILE_MAX	(1UL << 20)
#define DIFF_CONTEXT	3
#define DIFF_LINES	20

/*
 * The columns of a line, split at each space, in place: two spaces in a row
 * give an empty column, so join() gives back the line byte for byte.
 */
static int split(char *line, char **tok, int max)
{
	int n = 0;

	while (line && n < max)
		tok[n++] = strsep(&line, " ");
	return n;
}

static void join(FILE *out, char **tok, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", tok[i]);
	fputc('\n', out);
}

/*
 * @list ("a,b,c" or "-") without the name @name, in place; "-" if nothing is
 * left.
 */
static void drop_name(char *list, const char *name)
{
	char *save, *t, *w = list, copy[128];

	snprintf(copy, sizeof(copy), "%s", list);
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, name) || !strcmp(t, "-"))
			continue;
		w += sprintf(w, "%s%s", w == list ? "" : ",", t);
	}
	if (w == list)
		strcpy(list, "-");
}

/* Whether the comma-separated @list names @name. */
static int has_name(const char *list, const char *name)
{
	char copy[128], *save, *t;

	snprintf(copy, sizeof(copy), "%s", list);
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, name))
			return 1;
	return 0;
}

static int in_layout(const char *line)
{
	unsigned long long start = strtoull(line, NULL, 16);

	return start >= BASE && start < END;
}

/*
 * One line of tasks/PID/@name, as the golden file has it, or nothing.
 * Lines starting with "#" (header, legend, "# truncated", "# process
 * exited") are kept whole, in every file.
 */
static void golden_line(FILE *out, const char *name, char *line)
{
	char *tok[16];
	int i, n;

	if (line[0] == '#') {
		fprintf(out, "%s\n", line);
		return;
	}
	if (!strcmp(name, "pagetable")) {
		/* start end pages level type kind hw sw mapcount pfn swap_type */
		if (!in_layout(line))
			return;
		n = split(line, tok, 16);
		if (n == 11 && strcmp(tok[9], "0"))
			tok[9] = "PFN";
		if (n == 11 && !has_name(tok[6], "RW"))
			drop_name(tok[6], "D");
		if (n == 11 && !strcmp(tok[5], "hugetlb"))
			drop_name(tok[7], "pd");
		join(out, tok, n);
	} else if (!strcmp(name, "vmas")) {
		/* start end perms flags kind offset dev inode rss_kB swap_kB path */
		if (!in_layout(line))
			return;
		n = split(line, tok, 16);
		if (n == 11 && (strcmp(tok[6], "00:00") || strcmp(tok[7], "0"))) {
			tok[6] = "DEV";
			tok[7] = "INODE";
		}
		join(out, tok, n);
	} else {
		/*
		 * summary "Key: value [kB]", faults "key value" and "axis class
		 * count": the keys, each number as "N"; the faults file's "vma
		 * start end ..." lines not at all (they depend on libc)
		 */
		if (!strcmp(name, "faults") && !strncmp(line, "vma ", 4))
			return;
		n = split(line, tok, 16);
		for (i = 0; i < n; i++)
			if (tok[i][0] && strspn(tok[i], "0123456789") == strlen(tok[i]))
				tok[i] = "N";
		join(out, tok, n);
	}
}

static int golden_file(FILE *out, pid_t pid, const char *name, char *buf)
{
	char path[128], *line, *next;
	ssize_t len;

	snprintf(path, sizeof(path), MMSCOPE_DEBUGFS "/tasks/%d/%s", pid, name);
	len = mmscope_slurp_file(path, buf, FILE_MAX);
	if (len < 0) {
		ksft_print_msg("golden: read %s: %s\n", path, strerror(-len));
		return -1;
	}
	if ((size_t)len == FILE_MAX - 1) {
		ksft_print_msg("golden: %s longer than %lu bytes\n", path, FILE_MAX);
		return -1;
	}
	fprintf(out, "== %s\n", name);
	for (line = buf; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		golden_line(out, name, line);
		if (!next) {
			fprintf(out, "# (no newline at the end of %s)\n", name);
			break;
		}
	}
	return 0;
}

/* The next line of @s (NUL-terminated, no newline) into @line; NULL at the end. */
static const char *next_line(const char *s, char *line, size_t len)
{
	size_t n;

	if (!*s)
		return NULL;
	n = strcspn(s, "\n");
	snprintf(line, len, "%.*s", (int)n, s);
	return s[n] ? s + n + 1 : s + n;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Line @i (0-based) of @s, for the diff's messages. */
static void nth_line(const char *s, int i, char *line, size_t len)
{
	while (i-- > 0 && (s = strchr(s, '\n')))
		s++;
	if (!s || !next_line(s, line, len))
		line[0] = 0;
}

/*
 * A unified-diff-like message: the lines between the common head and the
 * common tail, with DIFF_CONTEXT lines of context, at most DIFF_LINES each.
 */
static void print_diff(const char *path, const char *want, const char *got)
{
	int nw = count_lines(want), ng = count_lines(got), head = 0, tail = 0;
	int from, i;
	char a[512], b[512];

	for (;; head++) {
		nth_line(want, head, a, sizeof(a));
		nth_line(got, head, b, sizeof(b));
		if (head >= nw || head >= ng || strcmp(a, b))
			break;
	}
	while (tail < nw - head && tail < ng - head) {
		nth_line(want, nw - 1 - tail, a, sizeof(a));
		nth_line(got, ng - 1 - tail, b, sizeof(b));
		if (strcmp(a, b))
			break;
		tail++;
	}
	from = head > DIFF_CONTEXT ? head - DIFF_CONTEXT : 0;
	ksft_print_msg("--- %s\n", path);
	ksft_print_msg("+++ debugfs (this run)\n");
	ksft_print_msg("@@ -%d,%d +%d,%d @@\n", from + 1, nw - tail - from,
		       from + 1, ng - tail - from);
	for (i = from; i < head; i++) {
		nth_line(want, i, a, sizeof(a));
		ksft_print_msg(" %s\n", a);
	}
	for (i = head; i < nw - tail && i < head + DIFF_LINES; i++) {
		nth_line(want, i, a, sizeof(a));
		ksft_print_msg("-%s\n", a);
	}
	if (nw - tail - head > DIFF_LINES)
		ksft_print_msg("-... %d more\n", nw - tail - head - DIFF_LINES);
	for (i = head; i < ng - tail && i < head + DIFF_LINES; i++) {
		nth_line(got, i, b, sizeof(b));
		ksft_print_msg("+%s\n", b);
	}
	if (ng - tail - head > DIFF_LINES)
		ksft_print_msg("+... %d more\n", ng - tail - head - DIFF_LINES);
}

/*
 * Whether the THP region's first page is mapped by a THP, from pagemap and
 * kpageflags (not the module).
 */
static int thp_present(pid_t pid)
{
	__u64 pm, kpf;

	if (mmscope_pagemap(pid, THP, 1, &pm) || !(pm & MMSCOPE_PM_PRESENT))
		return 0;
	return !mmscope_kpageflags(pm & MMSCOPE_PM_PFN_MASK, &kpf) &&
	       (kpf & (1ULL << MMSCOPE_KPF_THP));
}

/*
 * Remove, in place, the pagetable and vmas lines that start in the THP
 * region; returns how many.  For a run where no THP appeared.
 */
static int drop_thp_lines(char *text)
{
	char *r = text, *w = text;
	int dropped = 0, ranged = 0;
	unsigned long long start;
	size_t n;

	while (*r) {
		n = strcspn(r, "\n") + (r[strcspn(r, "\n")] == '\n');
		if (!strncmp(r, "== ", 3))
			ranged = !strncmp(r, "== pagetable\n", 13) ||
				 !strncmp(r, "== vmas\n", 8);
		start = strtoull(r, NULL, 16);
		if (ranged && r[0] != '#' && r[0] != '=' &&
		    start >= THP && start < THP + THP_LEN) {
			dropped++;
		} else {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = 0;
	return dropped;
}

/* The golden file: $MMSCOPE_GOLDEN, else golden/ beside this program. */
static void golden_path(char *path, size_t len)
{
	const char *env = getenv("MMSCOPE_GOLDEN");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = 0;
	snprintf(path, len, "%s/%s", n > 0 ? exe : ".", GOLDEN_NAME);
}

static void test_golden(pid_t pid)
{
	static const char *const files[] = { "pagetable", "vmas", "summary", "faults" };
	const char *write_to = getenv("MMSCOPE_GOLDEN_WRITE");
	char path[PATH_MAX + 32], pidstr[32], nr[32], *buf, *got = NULL, *want = NULL;
	size_t got_len = 0;
	ssize_t len;
	FILE *out;
	int i, ret, thp, err = 0;

	thp = thp_present(pid);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	ret = mmscope_write_file(MMSCOPE_DEBUGFS "/track", pidstr);
	if (ret) {
		ksft_test_result_fail("debugfs text golden: track %d: %s\n", pid,
				      strerror(-ret));
		return;
	}
	buf = malloc(FILE_MAX);
	out = open_memstream(&got, &got_len);
	for (i = 0; buf && out && !err && i < (int)MMSCOPE_ARRAY_LEN(files); i++)
		err = golden_file(out, pid, files[i], buf);
	if (out)
		fclose(out);
	snprintf(pidstr, sizeof(pidstr), "-%d", pid);
	ret = mmscope_write_file(MMSCOPE_DEBUGFS "/track", pidstr);
	if (ret) {
		ksft_print_msg("golden: untrack %d: %s\n", pid, strerror(-ret));
		err = -1;
	}
	if (!buf || !out || !got || err) {
		ksft_test_result_fail("debugfs text golden: reading the files failed\n");
		goto out;
	}
	/* khugepaged may collapse the region meanwhile: a THP before and after */
	thp = thp && thp_present(pid);

	if (write_to && *write_to) {
		if (!thp) {
			ksft_test_result_fail("debugfs text golden: no THP at %lx: not writing a golden without it\n",
					      THP);
			goto out;
		}
		out = fopen(write_to, "we");
		if (!out || fputs(got, out) == EOF || fclose(out)) {
			ksft_test_result_fail("debugfs text golden: write %s: %s\n",
					      write_to, strerror(errno));
			goto out;
		}
		ksft_print_msg("golden: %d lines written to %s\n",
			       count_lines(got), write_to);
		ksft_test_result_pass("debugfs text golden (written, not compared)\n");
		goto out;
	}

	golden_path(path, sizeof(path));
	want = malloc(GOLDEN_MAX);
	len = want ? mmscope_slurp_file(path, want, GOLDEN_MAX) : -ENOMEM;
	if (len < 0 || (size_t)len == GOLDEN_MAX - 1) {
		ksft_test_result_fail("debugfs text golden: read %s: %s\n", path,
				      len < 0 ? strerror(-len) : "too long");
		goto out;
	}
	if (!thp)
		ksft_print_msg("golden: no THP at %lx (pagemap, kpageflags): its lines not compared, %d here, %d in the golden\n",
			       THP, drop_thp_lines(got), drop_thp_lines(want));
	if (!strcmp(want, got)) {
		ksft_print_msg("golden: %d lines equal to %s\n", count_lines(got), path);
		ksft_test_result_pass("debugfs text golden\n");
		goto out;
	}
	print_diff(path, want, got);
	if (!mmscope_read_line("/proc/sys/vm/nr_hugepages", nr, sizeof(nr)) &&
	    !strcmp(nr, "0"))
		ksft_print_msg("golden: no huge pages reserved, so no hugetlb region: boot with hugepages=16 as the matrix does\n");
	ksft_test_result_fail("debugfs text golden: differs from %s\n", path);
out:
	free(buf);
	free(got);
	free(want);
}

/*
 * Test 1: the layout's records through MMSCOPE_IOC_PT_WALK, as a digest that
 * scripts/check compares between 4- and 5-level paging.
 */
static void test_digest(int fd, pid_t pid)
{
	struct mmscope_pt_rec recs[512];
	struct mmscope_pt_walk w;
	uint64_t h = 0xcbf29ce484222325ULL, nrecs = 0;
	int i;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = MMSCOPE_WALK_RUNS;
	w.pid = pid;
	w.rec_size = sizeof(recs[0]);
	w.start = BASE;
	w.end = END;
	w.buf = (uintptr_t)recs;
	w.buf_len = sizeof(recs);
	do {
		if (ioctl(fd, MMSCOPE_IOC_PT_WALK, &w)) {
			ksft_test_result_fail("layout walked: PT_WALK: %s\n",
					      strerror(errno));
			return;
		}
		for (i = 0; i < (int)w.nr_recs; i++) {
			struct mmscope_pt_rec *r = &recs[i];

			ksft_print_msg("%llx %llu L%u T%u K%u hw=%x sw=%x map=%u\n",
				       (unsigned long long)r->addr,
				       (unsigned long long)r->nr_pages, r->level,
				       r->type, r->kind, r->hw, r->sw, r->mapcount);
			r->pfn = 0;
			h = fnv(h, r, sizeof(*r));
		}
		nrecs += w.nr_recs;
		w.start = w.walk_end;
	} while (w.walk_end < END);

	ksft_print_msg("layout-digest: %016llx records %llu\n",
		       (unsigned long long)h, (unsigned long long)nrecs);
	if (nrecs < 4)
		ksft_test_result_fail("layout walked: only %llu records\n",
				      (unsigned long long)nrecs);
	else
		ksft_test_result_pass("layout walked\n");
}

int main(void)
{
	int to_child[2], from_child[2], fd;
	pid_t pid;
	char c;

	ksft_print_header();
	ksft_set_plan(2);
	fd = open(MMSCOPE_DEV, O_RDWR);
	if (fd < 0)
		ksft_exit_fail_msg("open %s: %s\n", MMSCOPE_DEV, strerror(errno));
	if (pipe(to_child) || pipe(from_child))
		ksft_exit_fail_msg("pipe\n");
	pid = fork();
	if (!pid) {
		close(to_child[1]);
		child(from_child[1], to_child[0]);
	}
	close(to_child[0]);
	if (read(from_child[0], &c, 1) != 1)
		ksft_exit_fail_msg("child did not set up its layout\n");

	test_digest(fd, pid);
	test_golden(pid);

	close(to_child[1]);	/* child exits */
	waitpid(pid, NULL, 0);
	ksft_finished();
}
