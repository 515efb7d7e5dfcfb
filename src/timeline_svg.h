/* timeline_svg.h - a timeline as an SVG step chart (cmd_timeline.c). */
#ifndef LEVY_TIMELINE_SVG_H
#define LEVY_TIMELINE_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "levy.h"

/* timeline_svg_write: the rate of each origin's timeline over the period
 * of the first, one line each, titled title; false when there is nothing
 * to draw or writing failed. */
bool timeline_svg_write(FILE *f, const char *title, char *const *origins,
                        levy_timeline *const *tls, size_t n);

#endif
