/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by the build's copy of kselftest_harness.h (see Makefile):
 * every test's time limit is multiplied by $MMSCOPE_TIMEOUT_SCALE (a whole
 * number, default 1), which scripts/check sets for the slow debug kernel.
 */
#ifndef _MMSCOPE_TIMEOUT_H
#define _MMSCOPE_TIMEOUT_H

#include <stdlib.h>

static inline unsigned int mmscope_timeout_scale(void)
{
	const char *s = getenv("MMSCOPE_TIMEOUT_SCALE");
	int k = s ? atoi(s) : 1;

	return k > 0 && k <= 100 ? k : 1;
}

#endif /* _MMSCOPE_TIMEOUT_H */
