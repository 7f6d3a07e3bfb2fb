// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope map - a picture of physical memory: one cell per pageblock
 * (PHYS_PAGEBLOCKS), coloured by the class most of its pages are in and
 * marked with its migratetype.  Text on stdout (a character a cell, ANSI
 * colour on a terminal), --svg FILE a drawing, --json the records.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <json-c/json.h>
#include <linux/mmscope.h>

#include "mmscope.h"

#define PAGE_SIZE	4096ULL
#define MIB(pages)	((double)(pages) * PAGE_SIZE / (1 << 20))

static const char *const pb_names[MMSCOPE_PB_NR] = { MMSCOPE_PB_NAMES };

/* How each class is drawn: text character, ANSI colour (256), SVG fill, meaning. */
static const struct pb_look {
	char ch;
	int ansi;
	const char *fill;
	const char *what;
} pb_look[MMSCOPE_PB_NR] = {
	[MMSCOPE_PB_HOLE]     = { ' ', 0,   "#ffffff", "no memory: outside the zone, offline" },
	[MMSCOPE_PB_FREE]     = { '.', 34,  "#2e9d4a", "free (buddy allocator)" },
	[MMSCOPE_PB_RESERVED] = { 'r', 244, "#7f7f7f", "firmware, memblock, kernel image" },
	[MMSCOPE_PB_HUGETLB]  = { 'h', 213, "#e377c2", "hugetlbfs pages" },
	[MMSCOPE_PB_SLAB]     = { 's', 208, "#ff7f0e", "slab caches" },
	[MMSCOPE_PB_PGTABLE]  = { 'p', 51,  "#17becf", "page tables" },
	[MMSCOPE_PB_ANON]     = { 'a', 196, "#d62728", "anonymous: process heap, stack" },
	[MMSCOPE_PB_SHMEM]    = { 'm', 141, "#9467bd", "shmem, tmpfs, memfd" },
	[MMSCOPE_PB_FILE]     = { 'f', 33,  "#1f77b4", "file page cache" },
	[MMSCOPE_PB_UNREF]    = { 'u', 142, "#bcbd22", "unreferenced: per-CPU lists, being freed" },
	[MMSCOPE_PB_KERNEL]   = { 'k', 137, "#8c564b", "other kernel: stacks, vmalloc, drivers" },
};

/* Migratetype marks: a corner triangle (SVG), a background (terminal). */
static const struct mt_look {
	int ansi_bg;		/* 0: none */
	const char *mark;	/* NULL: no mark */
	const char *edge;
} mt_look[MMSCOPE_MT_NR] = {
	[MMSCOPE_MT_UNMOVABLE]   = { 52,  "#000000", "#000000" },
	[MMSCOPE_MT_MOVABLE]     = { 0,   NULL,      NULL },
	[MMSCOPE_MT_RECLAIMABLE] = { 17,  "#ffffff", "#000000" },
	[MMSCOPE_MT_HIGHATOMIC]  = { 58,  "#ffd700", "#000000" },
	[MMSCOPE_MT_CMA]         = { 23,  "#00e5ff", "#000000" },
	[MMSCOPE_MT_ISOLATE]     = { 240, "#ff00ff", "#000000" },
};

/* Free cells: darker green for a small largest free block, bright for a large one. */
static const char *const free_shade[] = {
	"#3b5e3f", "#3f6e45", "#417f4a", "#42904f", "#43a154",
	"#4cb05e", "#63bd72", "#7ccb88", "#97d89f", "#b3e5b8", "#d0f2d3",
};

struct zone_span {		/* a run of records of one (node, zone) */
	size_t first, n;
	unsigned long long start, end;	/* PFNs: first cell's start, last cell's end */
	unsigned long long mt_blocks[MMSCOPE_MT_NR + 1];	/* + unknown */
};

static const char *mt_name_of(unsigned int mt)
{
	return mt < MMSCOPE_MT_NR ? mt_names[mt] : "?";
}

static const char *pb_name_of(unsigned int c)
{
	return c < MMSCOPE_PB_NR ? pb_names[c] : "?";
}

/* Split the records into zones (they come in node and zone order). */
static size_t zone_spans(const struct mmscope_pageblock_rec *r, size_t n, struct zone_span **out)
{
	struct zone_span *z = calloc(n ? n : 1, sizeof(*z));
	size_t nz = 0, i;

	if (!z)
		die(EX_FAIL, "out of memory");
	for (i = 0; i < n; i++) {
		if (!nz || r[i].node != r[z[nz - 1].first].node ||
		    strncmp(r[i].zone, r[z[nz - 1].first].zone, sizeof(r[i].zone))) {
			z[nz].first = i;
			z[nz].start = r[i].start_pfn;
			nz++;
		}
		z[nz - 1].n++;
		z[nz - 1].end = r[i].start_pfn + r[i].nr_pages;
		z[nz - 1].mt_blocks[r[i].migratetype < MMSCOPE_MT_NR ? r[i].migratetype :
								      MMSCOPE_MT_NR]++;
	}
	*out = z;
	return nz;
}

static void zone_name(const struct mmscope_pageblock_rec *r, char *buf)
{
	memcpy(buf, r->zone, sizeof(r->zone));
	buf[sizeof(r->zone)] = 0;
}

/* The text character of a cell: the class, or the free order; case by migratetype. */
static char cell_char(const struct mmscope_pageblock_rec *r)
{
	char c;

	if (r->dominant >= MMSCOPE_PB_NR)
		return '?';
	if (r->dominant == MMSCOPE_PB_FREE) {
		if (r->free_max_order == MMSCOPE_PB_NO_FREE)
			return '.';
		return r->free_max_order <= 9 ? '0' + r->free_max_order : '*';
	}
	c = pb_look[r->dominant].ch;
	if (c >= 'a' && c <= 'z' && r->migratetype != MMSCOPE_MT_MOVABLE)
		c += 'A' - 'a';
	return c;
}

static unsigned long long totals_of(const struct mmscope_pageblock_rec *r, size_t n,
				    unsigned long long *pages, unsigned long long *blocks)
{
	unsigned long long all = 0;
	size_t i, c;

	for (i = 0; i < n; i++) {
		for (c = 0; c < MMSCOPE_PB_NR; c++) {
			pages[c] += r[i].pages[c];
			all += r[i].pages[c];
		}
		if (r[i].dominant < MMSCOPE_PB_NR)
			blocks[r[i].dominant]++;
	}
	return all;
}

/* ---- text ---------------------------------------------------------------- */

static void map_text(const struct mmscope_pageblock_rec *r, size_t n,
		     const struct zone_span *z, size_t nz, unsigned int width, int colour)
{
	unsigned long long pages[MMSCOPE_PB_NR] = { 0 }, blocks[MMSCOPE_PB_NR] = { 0 }, all;
	unsigned int nr_pages = n ? r[0].nr_pages : 0;
	char name[16];
	size_t i, j, c, mt;

	for (i = 0; i < nz; i++) {
		zone_name(&r[z[i].first], name);
		printf("node %u %s: pfn %llu-%llu, %zu pageblocks (%.0f MiB):", r[z[i].first].node,
		       name, z[i].start, z[i].end - 1, z[i].n, MIB(z[i].end - z[i].start));
		for (mt = 0; mt <= MMSCOPE_MT_NR; mt++)
			if (z[i].mt_blocks[mt])
				printf(" %s %llu", mt < MMSCOPE_MT_NR ? mt_names[mt] : "?",
				       z[i].mt_blocks[mt]);
		putchar('\n');
		for (j = 0; j < z[i].n; j++) {
			const struct mmscope_pageblock_rec *b = &r[z[i].first + j];

			if (j % width == 0)
				printf("%s%12llu |", j ? "|\n" : "", b->start_pfn);
			if (colour && b->dominant < MMSCOPE_PB_NR) {
				int bg = b->migratetype < MMSCOPE_MT_NR ?
					 mt_look[b->migratetype].ansi_bg : 0;

				printf("\033[38;5;%dm", pb_look[b->dominant].ansi);
				if (bg)
					printf("\033[48;5;%dm", bg);
				printf("%c\033[0m", cell_char(b));
			} else {
				putchar(cell_char(b));
			}
		}
		printf("|\n\n");
	}
	printf("a character is a pageblock (%u pages, %.0f MiB), by what most of its pages are:\n",
	       nr_pages, MIB(nr_pages));
	for (c = 0; c < MMSCOPE_PB_NR; c++) {
		if (c == MMSCOPE_PB_FREE)
			printf("  0-9 * .  free: the order of the largest free block starting in it\n"
			       "           (0: 4 KiB ... 9: 2 MiB, * larger; '.' inside a larger one)\n");
		else if (colour && c != MMSCOPE_PB_HOLE)
			printf("  \033[38;5;%dm%c\033[0m          %s\n", pb_look[c].ansi, pb_look[c].ch,
			       pb_look[c].what);
		else
			printf("  '%c'        %s\n", pb_look[c].ch, pb_look[c].what);
	}
	printf("letters: lowercase in a Movable pageblock, UPPERCASE in any other migratetype");
	if (colour) {
		printf(";\nbackground:");
		for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
			if (mt_look[mt].ansi_bg)
				printf(" \033[48;5;%dm %s \033[0m", mt_look[mt].ansi_bg, mt_names[mt]);
		printf(" (none: Movable)");
	}
	printf("\n\n%-10s %12s %10s %8s\n", "CLASS", "PAGES", "MIB", "BLOCKS");
	all = totals_of(r, n, pages, blocks);
	for (c = 0; c < MMSCOPE_PB_NR; c++)
		printf("%-10s %12llu %10.1f %8llu\n", pb_names[c], pages[c], MIB(pages[c]),
		       blocks[c]);
	printf("%-10s %12llu %10.1f %8zu\n", "total", all, MIB(all), n);
	printf("# BLOCKS: pageblocks where the class is the largest\n");
}

/* ---- JSON ---------------------------------------------------------------- */

static void map_json(const struct mmscope_pageblock_rec *r, size_t n)
{
	unsigned long long pages[MMSCOPE_PB_NR] = { 0 }, blocks[MMSCOPE_PB_NR] = { 0 };
	json_object *doc = json_doc("map"), *a = json_object_new_array();
	json_object *tp = json_object_new_object(), *tb = json_object_new_object();
	char name[16];
	size_t i, c;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *p = json_object_new_object();

		zone_name(&r[i], name);
		json_put(o, "node", r[i].node);
		json_object_object_add(o, "zone", json_object_new_string(name));
		json_put(o, "start_pfn", r[i].start_pfn);
		json_put(o, "nr_pages", r[i].nr_pages);
		json_object_object_add(o, "migratetype",
				       json_object_new_string(mt_name_of(r[i].migratetype)));
		json_object_object_add(o, "dominant",
				       json_object_new_string(pb_name_of(r[i].dominant)));
		json_object_object_add(o, "free_max_order",
				       r[i].free_max_order == MMSCOPE_PB_NO_FREE ? NULL :
				       json_object_new_int(r[i].free_max_order));
		for (c = 0; c < MMSCOPE_PB_NR; c++)
			json_put(p, pb_names[c], r[i].pages[c]);
		json_object_object_add(o, "pages", p);
		json_object_array_add(a, o);
	}
	totals_of(r, n, pages, blocks);
	for (c = 0; c < MMSCOPE_PB_NR; c++) {
		json_put(tp, pb_names[c], pages[c]);
		json_put(tb, pb_names[c], blocks[c]);
	}
	json_put(doc, "page_size", PAGE_SIZE);
	json_object_object_add(doc, "pageblocks", a);
	json_object_object_add(doc, "total_pages", tp);
	json_object_object_add(doc, "dominant_blocks", tb);
	json_print(doc);
}

/* ---- SVG ----------------------------------------------------------------- */

#define CELL		12	/* px a cell, 1 of it the gap */
#define LEFT		96	/* the row labels */
#define MARGIN		16
#define TITLE_H		44
#define ROW_GAP		28	/* between zones */
#define LEGEND_LINE	18

/* @s with &, <, >, " escaped, for text and attributes. */
static void xml_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, f);
			else
				fputc('?', f);	/* no control bytes; ASCII only */
		}
	}
}

static const char *cell_fill(const struct mmscope_pageblock_rec *r)
{
	if (r->dominant >= MMSCOPE_PB_NR)
		return "#000000";
	if (r->dominant != MMSCOPE_PB_FREE)
		return pb_look[r->dominant].fill;
	if (r->free_max_order == MMSCOPE_PB_NO_FREE || r->free_max_order >= ARRAY_SIZE(free_shade))
		return free_shade[ARRAY_SIZE(free_shade) - 1];
	return free_shade[r->free_max_order];
}

static void svg_mark(FILE *f, unsigned int mt, int x, int y)
{
	if (mt >= MMSCOPE_MT_NR || !mt_look[mt].mark)
		return;
	fprintf(f, "<path class=\"mt\" d=\"M%d %dh6l-6 6z\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.6\"/>\n",
		x, y, mt_look[mt].mark, mt_look[mt].edge);
}

static int svg_height(const struct zone_span *z, size_t nz, unsigned int width)
{
	int h = MARGIN + 30, i;

	for (i = 0; i < (int)nz; i++)
		h += TITLE_H + (int)((z[i].n + width - 1) / width) * CELL + ROW_GAP;
	return h + 16 * LEGEND_LINE + MARGIN;
}

static void map_svg(const char *path, const struct mmscope_pageblock_rec *r, size_t n,
		    const struct zone_span *z, size_t nz, unsigned int width)
{
	unsigned long long pages[MMSCOPE_PB_NR] = { 0 }, blocks[MMSCOPE_PB_NR] = { 0 }, all;
	int w = LEFT + (int)width * CELL + MARGIN, h = svg_height(z, nz, width), y, x, lx;
	unsigned int nr_pages = n ? r[0].nr_pages : 0;
	char tmp[4096], name[16];
	size_t i, j, c, mt;
	FILE *f;

	if (w < 860)
		w = 860;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		die(EX_USAGE, "map: --svg %s: the name is too long", path);
	f = fopen(tmp, "we");
	if (!f)
		die(EX_FAIL, "map: %s: %s", tmp, strerror(errno));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n",
		w, h, w, h);
	fprintf(f, "<title>mmscope map: %zu pageblocks of %zu zones</title>\n", n, nz);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n");
	y = MARGIN + 14;
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"16\" font-weight=\"bold\">Physical memory: one cell per pageblock (%u pages, %.0f MiB), by what most of its pages are</text>\n",
		MARGIN, y, nr_pages, MIB(nr_pages));
	y += 16;
	for (i = 0; i < nz; i++) {
		const struct mmscope_pageblock_rec *b0 = &r[z[i].first];

		zone_name(b0, name);
		y += 26;
		fprintf(f, "<g class=\"zone\">\n<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">node %u, zone ",
			MARGIN, y, b0->node);
		xml_put(f, name);
		fprintf(f, ": PFN %llu-%llu (%.0f MiB), %zu pageblocks</text>\n", z[i].start,
			z[i].end - 1, MIB(z[i].end - z[i].start), z[i].n);
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#444\">", MARGIN, y + 15);
		for (mt = 0, c = 0; mt <= MMSCOPE_MT_NR; mt++)
			if (z[i].mt_blocks[mt])
				fprintf(f, "%s%s %llu", c++ ? ", " : "pageblocks by migratetype: ",
					mt < MMSCOPE_MT_NR ? mt_names[mt] : "?", z[i].mt_blocks[mt]);
		fprintf(f, "</text>\n");
		y += TITLE_H - 26;
		for (j = 0; j < z[i].n; j++) {
			const struct mmscope_pageblock_rec *b = &r[z[i].first + j];

			x = LEFT + (int)(j % width) * CELL;
			if (j % width == 0) {
				if (j)
					y += CELL;
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"9\" fill=\"#666\">%llu</text>\n",
					LEFT - 6, y + 9, b->start_pfn);
			}
			fprintf(f, "<rect class=\"pb\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s><title>PFN %llu-%llu, ",
				x, y, CELL - 1, CELL - 1, cell_fill(b),
				b->dominant == MMSCOPE_PB_HOLE ? " stroke=\"#dddddd\" stroke-width=\"0.5\"" : "",
				b->start_pfn, b->start_pfn + b->nr_pages - 1);
			fprintf(f, "%s, mostly %s", mt_name_of(b->migratetype), pb_name_of(b->dominant));
			if (b->free_max_order != MMSCOPE_PB_NO_FREE)
				fprintf(f, ", largest free block order %u", b->free_max_order);
			fprintf(f, "; pages:");
			for (c = 0; c < MMSCOPE_PB_NR; c++)
				if (b->pages[c])
					fprintf(f, " %s %u", pb_names[c], b->pages[c]);
			fprintf(f, "</title></rect>\n");
			svg_mark(f, b->migratetype, x, y);
		}
		y += CELL;
		fprintf(f, "</g>\n");
		y += ROW_GAP - 26;
	}

	/* the legend: classes with their totals, free shades, migratetype marks */
	all = totals_of(r, n, pages, blocks);
	y += 30;
	fprintf(f, "<g class=\"legend\">\n<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">Colour: the class with the most pages in the block (pages and MiB over all blocks)</text>\n",
		MARGIN, y);
	y += 8;
	for (c = 0; c < MMSCOPE_PB_NR; c++) {
		int col = (int)(c % 2), row = (int)(c / 2);

		lx = MARGIN + col * 430;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"11\" fill=\"%s\" stroke=\"#999\" stroke-width=\"0.5\"/>\n",
			lx, y + row * LEGEND_LINE, c == MMSCOPE_PB_FREE ? free_shade[6] : pb_look[c].fill);
		fprintf(f, "<text x=\"%d\" y=\"%d\"><tspan font-weight=\"bold\">%s</tspan> %s: %.0f MiB</text>\n",
			lx + 16, y + row * LEGEND_LINE + 10, pb_names[c], pb_look[c].what,
			MIB(pages[c]));
	}
	y += ((MMSCOPE_PB_NR + 1) / 2) * LEGEND_LINE + 10;
	fprintf(f, "<text x=\"%d\" y=\"%d\">Free cells by the largest free block starting in them: order</text>\n",
		MARGIN, y + 10);
	for (c = 0; c < ARRAY_SIZE(free_shade); c++) {
		lx = MARGIN + 360 + (int)c * 30;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"11\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%zu%s</text>\n",
			lx, y, free_shade[c], lx + 13, y + 10, c,
			c == ARRAY_SIZE(free_shade) - 1 ? "+" : "");
	}
	y += LEGEND_LINE;
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#444\">(order 0: 4 KiB, 9: the whole 2 MiB block free, 10+: part of a larger free block)</text>\n",
		MARGIN, y + 10);
	y += LEGEND_LINE + 6;
	fprintf(f, "<text x=\"%d\" y=\"%d\">Migratetype, a corner mark:</text>\n", MARGIN, y + 10);
	lx = MARGIN + 180;
	for (mt = 0; mt < MMSCOPE_MT_NR; mt++) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"11\" fill=\"%s\"/>\n", lx, y,
			pb_look[MMSCOPE_PB_FILE].fill);
		svg_mark(f, (unsigned int)mt, lx, y);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s%s</text>\n", lx + 15, y + 10, mt_names[mt],
			mt_look[mt].mark ? "" : " (none)");
		lx += 15 + 8 * (int)strlen(mt_names[mt]) + (mt_look[mt].mark ? 14 : 56);
	}
	y += LEGEND_LINE + 6;
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#444\">%zu pageblocks, %.0f MiB; hover a cell for its PFNs, migratetype and pages per class. mmscope map --svg</text>\n</g>\n",
		MARGIN, y + 10, n, MIB(all));
	fprintf(f, "</svg>\n");
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		int e = errno;

		fclose(f);
		unlink(tmp);
		die(EX_FAIL, "map: %s: %s", tmp, strerror(e));
	}
	fclose(f);
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		die(EX_FAIL, "map: %s: %s", path, strerror(e));
	}
}

/* ---- the command --------------------------------------------------------- */

static unsigned int term_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_col < 32)
		return 64;
	/* the row label (12 + " |") and the closing '|', in sixteens */
	return (ws.ws_col - 16) / 16 * 16;
}

int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "width", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *svg = NULL;
	struct mmscope_pageblock_rec *r;
	struct zone_span *z;
	unsigned int width = 0;
	size_t n, nz;
	struct dev d;
	char *end;
	long v;
	int c, tty = isatty(STDOUT_FILENO);

	while ((c = getopt_long(argc, argv, "+s:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg)
				die(EX_USAGE, "map: --svg needs a file name");
			svg = optarg;
			break;
		case 'w':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 4096)
				die(EX_USAGE, "map: --width '%s': a number of cells a row, 1 to 4096",
				    optarg);
			width = v;
			break;
		case 'h':
			usage_of("map");
		default:
			die(EX_USAGE, "map: see 'mmscope map --help'");
		}
	}
	if (optind < argc)
		die(EX_USAGE, "map: no arguments expected ('%s')", argv[optind]);
	if (!width)
		width = tty && !svg ? term_width() : 64;
	dev_open(&d);
	r = phys_snap(&d, MMSCOPE_IOC_PHYS_PAGEBLOCKS, _MMSCOPE_IOC_PHYS_PAGEBLOCKS,
		      "PHYS_PAGEBLOCKS", sizeof(*r), &n);
	nz = zone_spans(r, n, &z);
	if (svg)
		map_svg(svg, r, n, z, nz, width);
	if (opt_json)
		map_json(r, n);
	else if (svg)
		printf("map: %zu pageblocks of %zu zones -> %s\n", n, nz, svg);
	else
		map_text(r, n, z, nz, width, tty && !getenv("NO_COLOR"));
	free(z);
	free(r);
	return EX_OK;
}
