// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test - what the module holds is bounded, accounted and given back.
 *
 * The debugfs stats file ends with "held what bytes objects" lines
 * (Documentation/physical-memory.md).  The oracle for each figure is the
 * test's own doing: how many processes it tracked, how many stream files it
 * opened with how many records, how many children it forked.  Every test
 * ends with the held memory back where it started.
 */
#include "kselftest_harness.h"
#include "mmscope_test.h"

#define STATS		MMSCOPE_DEBUGFS "/stats"
#define TRACK_FILE	MMSCOPE_DEBUGFS "/track"
#define RING_MAX	65536
#define RINGS_MAX_BYTES	(64L << 20)
#define EVENT_SIZE	64

struct held {
	long bytes, objects;
};

/* "held @what BYTES OBJECTS" from the stats file; 0 or -errno. */
static int read_held(const char *what, struct held *h)
{
	char line[256], w[64];
	FILE *f = fopen(STATS, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "held %63s %ld %ld", w, &h->bytes, &h->objects) == 3 &&
		    !strcmp(w, what)) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* Pids listed in the debugfs track file. */
static int tracked_count(void)
{
	return mmscope_count_lines(TRACK_FILE, "#");
}

static void untrack_listed(int fd)
{
	char line[128];
	FILE *f = fopen(TRACK_FILE, "re");
	int pid;

	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%d", &pid) == 1)
			mmscope_track_ioc(fd, pid, MMSCOPE_TRACK_REMOVE);
	if (f)
		fclose(f);
}

static int sleeper(void *arg, void *out)
{
	return 0;
}

FIXTURE(limits) {
	int fd;
	struct held total0;
};

FIXTURE_SETUP(limits)
{
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(mmscope_has_faults(self->fd)) TH_LOG("no fault tracking in this module");
	/* entries an earlier program left (exited processes stay listed) */
	if (tracked_count() > 0) {
		TH_LOG("untracking %d processes left tracked", tracked_count());
		untrack_listed(self->fd);
	}
	ASSERT_EQ(0, tracked_count());
	ASSERT_EQ(0, read_held("total", &self->total0));
}

FIXTURE_TEARDOWN(limits)
{
	struct held t;

	untrack_listed(self->fd);
	/* every test gives back all it took: the fixture's own file only */
	if (!read_held("total", &t)) {
		EXPECT_EQ(self->total0.bytes, t.bytes);
		EXPECT_EQ(self->total0.objects, t.objects);
	}
	close(self->fd);
}

/* 64 tracked at most: the 65th is -ENOSPC; each entry is accounted, then returned. */
TEST_F(limits, tracking_table_is_bounded_and_accounted)
{
	struct mmscope_holder h[MMSCOPE_TRACK_MAX + 1];
	struct held h0, h1, h2;
	int i, out, err;

	ASSERT_EQ(0, read_held("tracked", &h0));
	for (i = 0; i <= MMSCOPE_TRACK_MAX; i++)
		ASSERT_EQ(0, mmscope_holder_start(&h[i], sleeper, NULL, &out, sizeof(out)));
	for (i = 0; i < MMSCOPE_TRACK_MAX; i++)
		ASSERT_EQ(0, mmscope_track_ioc(self->fd, h[i].pid, 0));
	EXPECT_EQ(-ENOSPC, mmscope_track_ioc(self->fd, h[MMSCOPE_TRACK_MAX].pid, 0));
	EXPECT_EQ(-EINVAL, mmscope_write_file(TRACK_FILE, "0"));
	err = mmscope_write_file(TRACK_FILE, "1");	/* init: full before anything else */
	EXPECT_EQ(-ENOSPC, err);
	EXPECT_EQ(MMSCOPE_TRACK_MAX, tracked_count());

	ASSERT_EQ(0, read_held("tracked", &h1));
	EXPECT_EQ(h0.objects + MMSCOPE_TRACK_MAX, h1.objects);
	EXPECT_LT(h0.bytes, h1.bytes);
	EXPECT_EQ(0, (h1.bytes - h0.bytes) % MMSCOPE_TRACK_MAX);
	TH_LOG("64 tracked processes hold %ld bytes (%ld each)", h1.bytes - h0.bytes,
	       (h1.bytes - h0.bytes) / MMSCOPE_TRACK_MAX);

	for (i = 0; i < MMSCOPE_TRACK_MAX; i++)
		EXPECT_EQ(0, mmscope_track_ioc(self->fd, h[i].pid, MMSCOPE_TRACK_REMOVE));
	ASSERT_EQ(0, read_held("tracked", &h2));
	EXPECT_EQ(h0.bytes, h2.bytes);
	EXPECT_EQ(h0.objects, h2.objects);
	for (i = 0; i <= MMSCOPE_TRACK_MAX; i++)
		mmscope_holder_stop(&h[i]);
}

/*
 * Stream rings: 64 MiB for all of them.  Sixteen rings of 65536 records fill
 * it; then even the smallest ring is -ENOSPC until one file is closed.
 */
TEST_F(limits, stream_rings_are_bounded_and_accounted)
{
	int fds[RINGS_MAX_BYTES / (RING_MAX * EVENT_SIZE) + 1], n = 0, i, extra;
	struct held r0, f0, r1, f1, r2;
	long room;

	ASSERT_EQ(0, read_held("rings", &r0));
	ASSERT_EQ(0, read_held("files", &f0));
	room = (RINGS_MAX_BYTES - r0.bytes) / (RING_MAX * EVENT_SIZE);
	ASSERT_EQ(16, room) {
		TH_LOG("rings held before the test: %ld bytes", r0.bytes);
	}
	EXPECT_EQ(-E2BIG, mmscope_fault_stream(self->fd, 0, 2 * RING_MAX, NULL));
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		fds[i] = mmscope_open();
		ASSERT_LE(0, fds[i]);
		if (mmscope_fault_stream(fds[i], 0, RING_MAX, NULL))
			break;
		n++;
	}
	ASSERT_LT(i, ARRAY_SIZE(fds));
	EXPECT_EQ(room, n);
	EXPECT_EQ(-ENOSPC, mmscope_fault_stream(fds[n], 0, RING_MAX, NULL));
	EXPECT_EQ(-ENOSPC, mmscope_fault_stream(fds[n], 0, 16, NULL));

	ASSERT_EQ(0, read_held("rings", &r1));
	ASSERT_EQ(0, read_held("files", &f1));
	EXPECT_EQ(r0.bytes + (long)n * RING_MAX * EVENT_SIZE, r1.bytes);
	EXPECT_EQ(r0.objects + n, r1.objects);
	EXPECT_EQ(f0.objects + n + 1, f1.objects);

	/* one closed, one more fits */
	close(fds[0]);
	extra = mmscope_fault_stream(fds[n], 0, RING_MAX, NULL);
	EXPECT_EQ(0, extra);
	for (i = 1; i <= n; i++)
		close(fds[i]);
	ASSERT_EQ(0, read_held("rings", &r2));
	EXPECT_EQ(r0.bytes, r2.bytes);
	EXPECT_EQ(r0.objects, r2.objects);
	ASSERT_EQ(0, read_held("files", &f1));
	EXPECT_EQ(f0.objects, f1.objects);
	EXPECT_EQ(f0.bytes, f1.bytes);
}

/*
 * A tracked process with MMSCOPE_TRACK_CHILDREN forks 200 children that stay
 * alive: at most 64 are listed, the rest counted as dropped, and at no time
 * more than 128 entries exist (the table plus children waiting to be listed).
 */
TEST_F(limits, tracked_children_are_bounded)
{
	struct held t0, t1, t2;
	int cmd[2], rep[2], status, listed, i;
	char c;
	pid_t pid;

	ASSERT_EQ(0, read_held("tracked", &t0));
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(cmd[1]);
		close(rep[0]);
		if (read(cmd[0], &c, 1) != 1)	/* wait to be tracked */
			_exit(1);
		for (i = 0; i < 200; i++) {
			pid_t k = fork();

			if (k < 0)
				_exit(2);
			if (!k) {	/* stay until the test closes the pipe */
				close(rep[1]);
				while (read(cmd[0], &c, 1) > 0)
					;
				_exit(0);
			}
		}
		if (write(rep[1], "r", 1) != 1)
			_exit(3);
		while (read(cmd[0], &c, 1) > 0)
			;
		while (wait(NULL) > 0)
			;
		_exit(0);
	}
	close(cmd[0]);
	close(rep[1]);
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, pid, MMSCOPE_TRACK_CHILDREN));
	ASSERT_EQ(1, write(cmd[1], "g", 1));
	ASSERT_EQ(1, read(rep[0], &c, 1));
	/* the children are listed by a work item: let it run */
	for (i = 0; i < 50 * mmscope_timeout_scale() && tracked_count() < MMSCOPE_TRACK_MAX; i++)
		usleep(100000);
	ASSERT_EQ(0, read_held("tracked", &t1));
	listed = tracked_count();
	EXPECT_EQ(MMSCOPE_TRACK_MAX, listed);
	EXPECT_GE(t0.objects + 2 * MMSCOPE_TRACK_MAX, t1.objects);
	TH_LOG("200 children: %d processes listed, %ld entries held (%ld bytes)", listed,
	       t1.objects - t0.objects, t1.bytes - t0.bytes);

	close(cmd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(rep[0]);
	untrack_listed(self->fd);
	EXPECT_EQ(0, tracked_count());
	ASSERT_EQ(0, read_held("tracked", &t2));
	EXPECT_EQ(t0.bytes, t2.bytes);
	EXPECT_EQ(t0.objects, t2.objects);
}

TEST_HARNESS_MAIN
