/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - what the command's files share: exit codes, errors, JSON output,
 * progress, and the subcommands (mmscope.c) that snapshot.c runs in-process.
 */
#ifndef MMSCOPE_TOOL_H
#define MMSCOPE_TOOL_H

#include <setjmp.h>
#include <stdint.h>

#include <json-c/json.h>
#include <linux/mmscope.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define JSON_FORMAT		1	/* "format" of every JSON document */

enum {
	EX_OK, EX_FAIL, EX_USAGE, EX_NOMODULE, EX_PERM, EX_NOPROC, EX_FEATURE,
};

extern int opt_json, opt_pretty;

/*
 * Print "mmscope: MESSAGE" and exit with @code; with die_jump set, keep the
 * message in die_msg and longjmp there with @code instead.
 */
void __attribute__((format(printf, 2, 3), noreturn)) die(int code, const char *fmt, ...);
extern jmp_buf *die_jump;
extern char die_msg[512];

/* /dev/mmscope, opened and asked GET_API (dev_open exits saying what is wrong). */
struct dev {
	int fd;
	struct mmscope_api api;
};
void dev_open(struct dev *d);
/*
 * One snapshot of a mmscope_phys_snap view (@nr_ioc the ioctl's number, for
 * the module-too-old message): its records, malloc'd, and their number in @nr.
 */
void *phys_snap(const struct dev *d, unsigned long cmd, unsigned int nr_ioc,
		const char *what, size_t rec_size, size_t *nr);
/* Print the usage of subcommand @name and exit 0. */
void __attribute__((noreturn)) usage_of(const char *name);
/* Migratetype names as /proc/pagetypeinfo has them. */
extern const char *const mt_names[MMSCOPE_MT_NR];

/* Close every /dev/mmscope descriptor the subcommands run so far opened. */
void dev_close_opened(void);

/* A JSON document: format, command, kernel, time; printed and freed. */
json_object *json_doc(const char *command);
void json_put(json_object *o, const char *key, uint64_t v);
void json_print(json_object *o);
/* With json_capture set, json_print keeps the document in json_captured. */
extern int json_capture;
extern json_object *json_captured;

/* Seconds on the monotonic clock. */
double now_s(void);

/* Progress on a terminal for anything longer than a second. */
struct progress {
	double t0;
	int shown;
};
void progress(struct progress *p, const char *what, long done, long total);
void progress_end(struct progress *p);

int cmd_info(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_vmas(int argc, char **argv);
int cmd_faults(int argc, char **argv);
int cmd_zones(int argc, char **argv);
int cmd_buddy(int argc, char **argv);
int cmd_lru(int argc, char **argv);
int cmd_slab(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif /* MMSCOPE_TOOL_H */
