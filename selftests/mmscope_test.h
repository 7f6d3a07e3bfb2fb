/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mmscope selftests: the device, debugfs "key value"
 * files, and oracles that do not go through the module.
 */
#ifndef _MMSCOPE_TEST_H
#define _MMSCOPE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <linux/mmscope.h>

#define MMSCOPE_DEV	"/dev/mmscope"
#define MMSCOPE_DEBUGFS	"/sys/kernel/debug/mmscope"

/*
 * Value of "key" in a debugfs file of "key value" lines (header lines start
 * with '#').  Returns 0 and fills @val, or -ENOENT / -errno.
 */
static inline int mmscope_file_key(const char *path, const char *key,
				   char *val, size_t len)
{
	char line[512], k[256], v[256];
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%255s %255s", k, v) != 2)
			continue;
		if (!strcmp(k, key)) {
			snprintf(val, len, "%s", v);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* First line of a file, newline stripped; 0 or -errno. */
static inline int mmscope_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return ret;
}

/*
 * Paging depth seen from user space, without the module: only with 5-level
 * paging does the kernel honour an mmap hint above the 47-bit boundary.
 */
static inline int mmscope_oracle_pgtable_levels(void)
{
	void *hint = (void *)(1UL << 50);
	void *p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int levels;

	if (p == MAP_FAILED)
		return -errno;
	levels = (unsigned long)p >= (1UL << 47) ? 5 : 4;
	munmap(p, 4096);
	return levels;
}

/* Clear CAP_SYS_ADMIN from all of this process's capability sets. */
static inline int mmscope_drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

#endif /* _MMSCOPE_TEST_H */
