/* suggest.h - how far apart two words are, for "did you mean".
 *
 * The parser (a misspelt keyword) and the checker (a misspelt name) both
 * rank candidates by this one distance.
 */
#ifndef LEVY_SUGGEST_H
#define LEVY_SUGGEST_H

#include <stddef.h>

/* edit_distance: the optimal-string-alignment distance (Levenshtein plus
 * transpositions of neighbours) between a[0..na) and b[0..nb), or
 * limit + 1 when it is over limit (or a word is over 63 letters). */
int edit_distance(const char *a, size_t na, const char *b, size_t nb, int limit);

#endif
