// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope foundation tests: the module is loaded and says who it is, the
 * MMSCOPE_IOC_GET_API handshake round-trips, every malformed argument gets
 * its own documented errno, and unprivileged openers are refused.
 */
#include <grp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/version.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

#define VERSION_FILE MMSCOPE_DEBUGFS "/version"

/* The layout the ABI documentation promises. */
_Static_assert(sizeof(struct mmscope_api) == MMSCOPE_API_SIZE_VER0, "api size");
_Static_assert(offsetof(struct mmscope_api, features) == 16, "features offset");
_Static_assert(offsetof(struct mmscope_api, kernel_version) == 32, "kver offset");

/*
 * The running kernel's version as LINUX_VERSION_CODE encodes it.  Debian's
 * release string ("6.1.0-56-amd64") lacks the sublevel; its build string
 * ("... Debian 6.1.192-2 ...") has it.
 */
static unsigned int running_version_code(void)
{
	struct utsname u;
	unsigned int a = 0, b = 0, c = 0;
	const char *deb;

	if (uname(&u))
		return 0;
	deb = strstr(u.version, "Debian ");
	if (!deb || sscanf(deb, "Debian %u.%u.%u", &a, &b, &c) != 3)
		sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	return KERNEL_VERSION(a, b, c > 255 ? 255 : c);
}

TEST(version_file_matches_kernel_and_module)
{
	char val[256], sysfs[256];
	struct utsname u;
	int levels = mmscope_oracle_pgtable_levels();

	ASSERT_EQ(0, uname(&u));
	ASSERT_EQ(0, mmscope_read_line(VERSION_FILE, val, sizeof(val))) {
		TH_LOG("cannot read %s: is the module loaded and debugfs mounted?", VERSION_FILE);
	}
	EXPECT_STREQ("# mmscope version format 1", val);

	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "kernel_running", val, sizeof(val)));
	EXPECT_STREQ(u.release, val);
	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "kernel_built", val, sizeof(val)));
	EXPECT_STREQ(u.release, val);

	ASSERT_EQ(0, mmscope_read_line("/sys/module/mmscope/version", sysfs, sizeof(sysfs)));
	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "module_version", val, sizeof(val)));
	EXPECT_STREQ(sysfs, val);

	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "abi_version", val, sizeof(val)));
	EXPECT_EQ(MMSCOPE_API_VERSION, atoi(val));

	ASSERT_GT(levels, 0);
	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "pgtable_levels", val, sizeof(val)));
	EXPECT_EQ(levels, atoi(val));
}

TEST(device_node_is_root_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(MMSCOPE_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

FIXTURE(dev)
{
	int fd;
	struct mmscope_api api;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(errno));
	}
	memset(&self->api, 0, sizeof(self->api));
	self->api.size = sizeof(self->api);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, get_api_round_trip)
{
	char val[64];
	int levels = mmscope_oracle_pgtable_levels();

	memset(&self->api, 0xa5, sizeof(self->api));	/* output fields are not input */
	self->api.size = sizeof(self->api);
	self->api.flags = 0;
	self->api.__reserved0 = 0;
	self->api.__reserved[0] = self->api.__reserved[1] = 0;
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));

	EXPECT_EQ(sizeof(self->api), self->api.size);
	EXPECT_EQ(MMSCOPE_API_VERSION, self->api.api_version);
	EXPECT_EQ(levels, self->api.pgtable_levels);
	EXPECT_EQ(0, self->api.features & ~MMSCOPE_FEATURES_ALL);
	EXPECT_TRUE(self->api.ioctls & (1ULL << _IOC_NR(MMSCOPE_IOC_GET_API)));
	EXPECT_EQ(running_version_code(), self->api.kernel_version);
	EXPECT_EQ(0, self->api.flags);
	EXPECT_EQ(0, self->api.__reserved0);

	/* Both presenters agree. */
	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "pgtable_levels", val, sizeof(val)));
	EXPECT_EQ(atoi(val), (int)self->api.pgtable_levels);
	ASSERT_EQ(0, mmscope_file_key(VERSION_FILE, "abi_version", val, sizeof(val)));
	EXPECT_EQ(atoi(val), (int)self->api.api_version);
}

/* The module's own state: both commands, with the feature bit that names them. */
TEST_F(dev, get_api_announces_introspect)
{
	const __u64 cmds = (1ULL << _MMSCOPE_IOC_TRACKED) | (1ULL << _MMSCOPE_IOC_MODULE_MEMORY);

	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_TRUE(self->api.features & MMSCOPE_FEATURE_INTROSPECT);
	EXPECT_EQ(cmds, self->api.ioctls & cmds);
	EXPECT_EQ(1, MMSCOPE_API_VERSION);	/* additive: the version stays */
}

/* PHYS_PAGEBLOCKS: its feature bit, its command bit, and a command that answers. */
TEST_F(dev, get_api_announces_pageblocks)
{
	struct mmscope_phys_snap s;

	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_TRUE(self->api.features & MMSCOPE_FEATURE_PAGEBLOCKS);
	EXPECT_TRUE(self->api.ioctls & (1ULL << _MMSCOPE_IOC_PHYS_PAGEBLOCKS));
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.rec_size = MMSCOPE_PAGEBLOCK_REC_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PHYS_PAGEBLOCKS, &s));
	EXPECT_EQ(0, s.nr_recs);
	EXPECT_LT(0, s.nr_total);
}

/* A newer caller's larger struct is fine while the bytes we do not know are 0. */
TEST_F(dev, get_api_larger_struct_with_zero_tail)
{
	struct { struct mmscope_api api; __u64 future[3]; } big;

	memset(&big, 0, sizeof(big));
	big.api.size = sizeof(big);
	big.future[2] = 0;
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_GET_API, &big));
	EXPECT_EQ(sizeof(struct mmscope_api), big.api.size);
	EXPECT_EQ(MMSCOPE_API_VERSION, big.api.api_version);
	EXPECT_EQ(0, big.future[0] | big.future[1] | big.future[2]);
}

TEST_F(dev, get_api_larger_struct_with_nonzero_tail)
{
	struct { struct mmscope_api api; __u64 future; } big;

	memset(&big, 0, sizeof(big));
	big.api.size = sizeof(big);
	big.future = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &big));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(dev, get_api_size_zero)
{
	self->api.size = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_size_below_ver0)
{
	self->api.size = MMSCOPE_API_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_size_not_multiple_of_8)
{
	struct { struct mmscope_api api; __u64 pad; } big;

	memset(&big, 0, sizeof(big));
	big.api.size = sizeof(big.api) + 4;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &big));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_size_above_page)
{
	size_t len = 2 * getpagesize();
	struct mmscope_api *api = calloc(1, len);

	ASSERT_NE(NULL, api);
	api->size = len;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, api));
	EXPECT_EQ(E2BIG, errno);
	free(api);
}

TEST_F(dev, get_api_unknown_flags)
{
	self->api.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
	self->api.flags = 1u << 31;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_reserved0_nonzero)
{
	self->api.__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_reserved_nonzero)
{
	self->api.__reserved[1] = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, &self->api));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_api_null_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* The struct ends where the mapping ends: the kernel must not read past it. */
TEST_F(dev, get_api_struct_runs_off_the_mapping)
{
	long pg = getpagesize();
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mmscope_api *api;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + pg, pg));
	api = (struct mmscope_api *)(p + pg - 16);
	memset(api, 0, 16);
	api->size = sizeof(*api);
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, api));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, pg);
}

TEST_F(dev, get_api_read_only_argument)
{
	long pg = getpagesize();
	struct mmscope_api *api = mmap(NULL, pg, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, api);
	api->size = sizeof(*api);
	ASSERT_EQ(0, mprotect(api, pg, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_GET_API, api));
	EXPECT_EQ(EFAULT, errno);
	munmap(api, pg);
}

TEST_F(dev, unknown_command_number)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x7f, struct mmscope_api), &self->api));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, foreign_magic)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR('T', _MMSCOPE_IOC_GET_API, struct mmscope_api), &self->api));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, get_api_number_with_other_size)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_GET_API, __u64), &self->api));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, get_api_number_with_other_direction)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_GET_API, struct mmscope_api), &self->api));
	EXPECT_EQ(ENOTTY, errno);
}

/* Run @fn in a child and return the errno its open() of the device got. */
static int child_open_errno(int (*prepare)(void))
{
	int status, pipefd[2], err = -1;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int e = prepare();
		int fd;

		if (!e) {
			fd = open(MMSCOPE_DEV, O_RDWR);
			e = fd < 0 ? errno : 0;
		} else {
			e = 1000 - e;	/* prepare failed: report it distinctly */
		}
		if (write(pipefd[1], &e, sizeof(e)) != sizeof(e))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return err;
}

static int become_root_without_cap_sys_admin(void)
{
	return mmscope_drop_cap_sys_admin();
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

static int become_root_in_user_namespace(void)
{
	if (unshare(CLONE_NEWUSER))
		return -errno;
	return 0;
}

TEST(open_as_root_without_cap_sys_admin_is_eperm)
{
	EXPECT_EQ(EPERM, child_open_errno(become_root_without_cap_sys_admin));
}

TEST(open_as_nobody_is_eacces)
{
	EXPECT_EQ(EACCES, child_open_errno(become_nobody));
}

/* Full capabilities, but in a user namespace: not the initial one. */
TEST(open_in_user_namespace_is_refused)
{
	int err = child_open_errno(become_root_in_user_namespace);

	if (err >= 900)
		SKIP(return, "user namespaces unavailable (%s)", strerror(1000 - err));
	/* Unmapped ids in the new namespace fail DAC first (EACCES); with
	 * DAC passed, the capability check says EPERM. Either refuses. */
	EXPECT_TRUE(err == EACCES || err == EPERM) {
		TH_LOG("open in a user namespace: errno %d", err);
	}
}

TEST_HARNESS_MAIN
