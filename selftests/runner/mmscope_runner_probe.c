// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaves on purpose at load time, as told by "mode":
 *   warn - one WARN_ON(): the runner must fail the run on the report;
 *   hang - spins forever in init: the runner's time limit must fire.
 * Used only by scripts/runner-selftest, never loaded with mmscope.
 */
#include <linux/module.h>
#include <linux/processor.h>

static char *mode = "warn";
module_param(mode, charp, 0444);

static int __init probe_init(void)
{
	if (!strcmp(mode, "warn"))
		WARN_ON(1);
	else if (!strcmp(mode, "hang"))
		for (;;)
			cpu_relax();
	return 0;
}

static void __exit probe_exit(void)
{
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mmscope VM runner self-test: misbehaves on purpose");
