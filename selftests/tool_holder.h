/* SPDX-License-Identifier: GPL-2.0 */
/* What tool_holder maps (tool_holder.c), for it and tool_test. */
#ifndef MMSCOPE_TOOL_HOLDER_H
#define MMSCOPE_TOOL_HOLDER_H

#define HOLDER_ANON_LEN		(8UL << 20)
#define HOLDER_FILE_LEN		(4UL << 20)
#define HOLDER_SHMEM_LEN	(2UL << 20)
#define HOLDER_COMM		"mmscope-holder"

#endif
