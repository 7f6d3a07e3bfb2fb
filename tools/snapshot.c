// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope snapshot and diff (in progress).
 */
#include "mmscope.h"

int cmd_snapshot(int argc, char **argv)
{
	die(EX_USAGE, "snapshot: not yet");
}

int cmd_diff(int argc, char **argv)
{
	die(EX_USAGE, "diff: not yet");
}
