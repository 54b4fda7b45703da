/* Plain C reference for the walking-access benchmark: the "hardware limit" column.
 *
 * Bounded Dijkstra over a CSR graph (int64 indptr, int32 indices, float64 metres) with a
 * 4-ary heap and lazy deletion, parallel over categories with OpenMP. Built by
 * benchmarks/native.py with `gcc -O3 -march=native -fopenmp -shared -fPIC` and called
 * through ctypes; every array is owned by the Python caller unless noted.
 *
 *   w1_nearest  for every node, metres to the nearest seed of each group (inf beyond)
 *   w2_counts   for every node, how many seeds of each group lie within the limit
 *   w3_batch    places within the limit of each query node, with per-query seconds
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double *key;
    int32_t *val;
    int64_t size;
} heap_t;

static inline void heap_push(heap_t *h, double key, int32_t val) {
    int64_t i = h->size++;
    while (i > 0) {
        int64_t parent = (i - 1) >> 2;
        if (h->key[parent] <= key) break;
        h->key[i] = h->key[parent];
        h->val[i] = h->val[parent];
        i = parent;
    }
    h->key[i] = key;
    h->val[i] = val;
}

/* Remove the root (the caller reads it first). */
static inline void heap_pop(heap_t *h) {
    int64_t size = --h->size;
    if (size == 0) return;
    double key = h->key[size];
    int32_t val = h->val[size];
    int64_t i = 0;
    for (;;) {
        int64_t child = 4 * i + 1;
        if (child >= size) break;
        int64_t best = child;
        double best_key = h->key[child];
        int64_t stop = child + 4 < size ? child + 4 : size;
        for (int64_t c = child + 1; c < stop; c++) {
            if (h->key[c] < best_key) {
                best_key = h->key[c];
                best = c;
            }
        }
        if (best_key >= key) break;
        h->key[i] = best_key;
        h->val[i] = h->val[best];
        i = best;
    }
    h->key[i] = key;
    h->val[i] = val;
}

int c_threads(void) { return omp_get_max_threads(); }

/* Start the OpenMP thread pool, so the first timed call does not pay for it. */
int c_warm_up(void) {
    int total = 0;
#pragma omp parallel reduction(+ : total)
    total += 1;
    return total;
}

/* Multi-source search writing final metres into out (pre-filled with inf). */
static void fill_nearest(const int64_t *indptr, const int32_t *indices, const double *w,
                         const int32_t *seeds, int64_t n_seeds, double limit, double *out,
                         heap_t *h) {
    h->size = 0;
    for (int64_t k = 0; k < n_seeds; k++) {
        int32_t s = seeds[k];
        if (0.0 < out[s]) {
            out[s] = 0.0;
            heap_push(h, 0.0, s);
        }
    }
    while (h->size > 0) {
        double d = h->key[0];
        int32_t v = h->val[0];
        heap_pop(h);
        if (d > out[v]) continue;
        for (int64_t e = indptr[v]; e < indptr[v + 1]; e++) {
            int32_t u = indices[e];
            double nd = d + w[e];
            if (nd <= limit && nd < out[u]) {
                out[u] = nd;
                heap_push(h, nd, u);
            }
        }
    }
}

void w1_nearest(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
                int32_t n_groups, const int64_t *group_ptr, const int32_t *seeds,
                double limit, const int32_t *group_order, double *out) {
    int64_t cap = indptr[n] + group_ptr[n_groups] + 1;
#pragma omp parallel
    {
        heap_t h = {malloc(cap * sizeof(double)), malloc(cap * sizeof(int32_t)), 0};
#pragma omp for schedule(dynamic, 1)
        for (int32_t j = 0; j < n_groups; j++) {
            int32_t g = group_order[j];
            double *row = out + (int64_t)g * n;
            for (int64_t i = 0; i < n; i++) row[i] = INFINITY;
            fill_nearest(indptr, indices, w, seeds + group_ptr[g],
                         group_ptr[g + 1] - group_ptr[g], limit, row, &h);
        }
        free(h.key);
        free(h.val);
    }
}

/* Bounded search from one node; returns the number of settled nodes (in order). */
static int64_t bounded(const int64_t *indptr, const int32_t *indices, const double *w,
                       int32_t source, double limit, double *dist, int32_t *stamp, int32_t gen,
                       int32_t *settled, heap_t *h) {
    int64_t m = 0;
    h->size = 0;
    stamp[source] = gen;
    dist[source] = 0.0;
    heap_push(h, 0.0, source);
    while (h->size > 0) {
        double d = h->key[0];
        int32_t v = h->val[0];
        heap_pop(h);
        if (d > dist[v]) continue;
        settled[m++] = v;
        for (int64_t e = indptr[v]; e < indptr[v + 1]; e++) {
            int32_t u = indices[e];
            double nd = d + w[e];
            if (nd > limit) continue;
            if (stamp[u] != gen || nd < dist[u]) {
                stamp[u] = gen;
                dist[u] = nd;
                heap_push(h, nd, u);
            }
        }
    }
    return m;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

void w2_counts(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
               int32_t n_groups, const int64_t *group_ptr, const int32_t *seeds, double limit,
               const int32_t *group_order, int32_t *out) {
    int64_t cap = indptr[n] + 2;
    int64_t max_group = 1;
    for (int32_t g = 0; g < n_groups; g++) {
        int64_t size = group_ptr[g + 1] - group_ptr[g];
        if (size > max_group) max_group = size;
    }
    memset(out, 0, (size_t)n_groups * (size_t)n * sizeof(int32_t));
#pragma omp parallel
    {
        heap_t h = {malloc(cap * sizeof(double)), malloc(cap * sizeof(int32_t)), 0};
        double *dist = malloc(n * sizeof(double));
        int32_t *stamp = calloc(n, sizeof(int32_t));
        int32_t *settled = malloc(n * sizeof(int32_t));
        int32_t *sorted = malloc(max_group * sizeof(int32_t));
        int32_t gen = 0;
#pragma omp for schedule(dynamic, 1)
        for (int32_t j = 0; j < n_groups; j++) {
            int32_t g = group_order[j];
            int32_t *row = out + (int64_t)g * n;
            int64_t size = group_ptr[g + 1] - group_ptr[g];
            /* places sharing a node need one search: sort, then run-length */
            memcpy(sorted, seeds + group_ptr[g], size * sizeof(int32_t));
            qsort(sorted, size, sizeof(int32_t), cmp_i32);
            for (int64_t k = 0; k < size;) {
                int64_t r = k + 1;
                while (r < size && sorted[r] == sorted[k]) r++;
                int32_t mult = (int32_t)(r - k);
                int64_t m = bounded(indptr, indices, w, sorted[k], limit, dist, stamp, ++gen,
                                    settled, &h);
                for (int64_t i = 0; i < m; i++) row[settled[i]] += mult;
                k = r;
            }
        }
        free(h.key);
        free(h.val);
        free(dist);
        free(stamp);
        free(settled);
        free(sorted);
    }
}

/* Places within the limit of each query node, in distance order; returns the number of
 * places written, or -1 when out_place (capacity cap) is too small. */
int64_t w3_batch(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
                 const int64_t *place_ptr, const int32_t *place_of_node, int32_t n_queries,
                 const int32_t *queries, double limit, int64_t *out_ptr, int32_t *out_place,
                 int64_t cap, double *seconds) {
    heap_t h = {malloc((indptr[n] + 2) * sizeof(double)),
                malloc((indptr[n] + 2) * sizeof(int32_t)), 0};
    double *dist = malloc(n * sizeof(double));
    int32_t *stamp = calloc(n, sizeof(int32_t));
    int32_t *settled = malloc(n * sizeof(int32_t));
    int64_t total = 0;
    out_ptr[0] = 0;
    for (int32_t q = 0; q < n_queries; q++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int64_t m = bounded(indptr, indices, w, queries[q], limit, dist, stamp, q + 1, settled,
                            &h);
        for (int64_t i = 0; i < m && total >= 0; i++) {
            int32_t v = settled[i];
            for (int64_t k = place_ptr[v]; k < place_ptr[v + 1]; k++) {
                if (total >= cap) {
                    total = -1;
                    break;
                }
                out_place[total++] = place_of_node[k];
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        seconds[q] = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (total < 0) break;
        out_ptr[q + 1] = total;
    }
    free(h.key);
    free(h.val);
    free(dist);
    free(stamp);
    free(settled);
    return total;
}
