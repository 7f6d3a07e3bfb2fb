// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaves on purpose at load time, as told by "mode":
 *   warn - one WARN_ON(): the runner must fail the run on the report;
 *   hang - spins forever in init: the runner's time limit must fire;
 *   leak - loses a kmalloc()ed object: kmemleak (debug kernel) must find it;
 *   oob  - reads one byte past a kmalloc()ed object: KASAN (debug kernel)
 *          must report it.
 * Used only by scripts/runner-selftest, never loaded with mmscope.
 */
#include <linux/module.h>
#include <linux/processor.h>
#include <linux/slab.h>

static char *mode = "warn";
module_param(mode, charp, 0444);

static void *sink;
static int past = 64;		/* a variable, so the compiler cannot see the overflow */

static int __init probe_init(void)
{
	char *p;

	if (!strcmp(mode, "warn")) {
		WARN_ON(1);
	} else if (!strcmp(mode, "hang")) {
		for (;;)
			cpu_relax();
	} else if (!strcmp(mode, "leak")) {
		WRITE_ONCE(sink, kmalloc(200, GFP_KERNEL));
		WRITE_ONCE(sink, NULL);		/* the only reference, gone */
	} else if (!strcmp(mode, "oob")) {
		p = kmalloc(64, GFP_KERNEL);
		if (p)
			pr_info("byte past the object: %d\n", READ_ONCE(p[READ_ONCE(past)]));
		kfree(p);
	}
	return 0;
}

static void __exit probe_exit(void)
{
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mmscope VM runner self-test: misbehaves on purpose");
