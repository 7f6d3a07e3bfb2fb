// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed, deterministic memory layout, walked with MMSCOPE_IOC_PT_WALK; the
 * program prints a digest of the records (PFNs left out).  Run under 4-level
 * and 5-level paging, the digests must be equal: scripts/check compares the
 * "layout-digest:" lines of the 6.1 and 6.1-4level runs.
 *
 * The child maps everything MAP_FIXED below 2^47 and touches it in one
 * order, then blocks; the parent walks it.  Regions: written anon, zero-page
 * reads, a read-only slice, shared memfd, THP (if it appears), hugetlb (if
 * reserved).
 */
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

int main(void)
{
	struct mmscope_pt_rec recs[512];
	struct mmscope_pt_walk w;
	int to_child[2], from_child[2], fd, i;
	uint64_t h = 0xcbf29ce484222325ULL, nrecs = 0;
	pid_t pid;
	char c;

	ksft_print_header();
	ksft_set_plan(1);
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
		if (ioctl(fd, MMSCOPE_IOC_PT_WALK, &w))
			ksft_exit_fail_msg("PT_WALK: %s\n", strerror(errno));
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

	close(to_child[1]);	/* child exits */
	waitpid(pid, NULL, 0);
	ksft_print_msg("layout-digest: %016llx records %llu\n",
		       (unsigned long long)h, (unsigned long long)nrecs);
	if (nrecs < 4)
		ksft_test_result_fail("layout walked: only %llu records\n",
				      (unsigned long long)nrecs);
	else
		ksft_test_result_pass("layout walked\n");
	ksft_finished();
}
