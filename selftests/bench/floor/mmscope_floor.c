// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope_floor - the benchmark's floors for the fault path (issue 13).
 *
 * Not part of mmscope: scripts/bench builds it beside the module and the
 * benchmark loads it for one phase at a time, to show in the same boot what
 * the hook alone costs on handle_mm_fault(), below any work mmscope does:
 *
 *   mode=kretprobe  a kretprobe whose entry and return handlers do nothing
 *                   (the floor of tracking with a return probe);
 *   mode=decline    its entry handler declines every return probe (the
 *                   floor of an armed probe that finds no tracked task);
 *   mode=fprobe     an fprobe, entry and exit, with empty handlers (kernels
 *                   with CONFIG_FPROBE: 6.12 here); -EOPNOTSUPP elsewhere.
 */
#include <linux/fprobe.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>

static char *mode = "kretprobe";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "kretprobe, decline or fprobe");

static int empty_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}

static int decline_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 1;
}

static int empty_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}

static struct kretprobe krp = {
	.kp.symbol_name	= "handle_mm_fault",
	.handler	= empty_return,
	.maxactive	= 1024,		/* as mmscope's */
};

#if IS_ENABLED(CONFIG_FPROBE)
static int fp_entry(struct fprobe *fp, unsigned long entry_ip,
		    unsigned long ret_ip, struct pt_regs *regs, void *data)
{
	return 0;
}

static void fp_exit(struct fprobe *fp, unsigned long entry_ip,
		    unsigned long ret_ip, struct pt_regs *regs, void *data)
{
}

static struct fprobe fp = {
	.entry_handler	= fp_entry,
	.exit_handler	= fp_exit,
};

static bool use_fprobe;
#endif

static int __init floor_init(void)
{
	if (!strcmp(mode, "fprobe")) {
#if IS_ENABLED(CONFIG_FPROBE)
		use_fprobe = true;
		return register_fprobe(&fp, "handle_mm_fault", NULL);
#else
		return -EOPNOTSUPP;
#endif
	}
	if (!strcmp(mode, "kretprobe"))
		krp.entry_handler = empty_entry;
	else if (!strcmp(mode, "decline"))
		krp.entry_handler = decline_entry;
	else
		return -EINVAL;
	return register_kretprobe(&krp);
}

static void __exit floor_exit(void)
{
#if IS_ENABLED(CONFIG_FPROBE)
	if (use_fprobe) {
		unregister_fprobe(&fp);
		return;
	}
#endif
	unregister_kretprobe(&krp);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mmscope benchmark: empty probes on handle_mm_fault()");
