/* suggest.c - how far apart two words are, for "did you mean". */
#include "suggest.h"

int edit_distance(const char *a, size_t na, const char *b, size_t nb, int limit)
{
    size_t n = na, m = nb;
    if (n > 63 || m > 63)
        return limit + 1;
    if ((n > m ? n - m : m - n) > (size_t)limit)
        return limit + 1;
    int d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m] > limit ? limit + 1 : d[n][m];
}
