/* Plain C reference for the walking-access benchmark: the "hardware limit" columns.
 *
 * Bounded shortest-path searches over a CSR graph (int64 indptr, int32 indices, float64
 * metres), parallel over categories with OpenMP, in two variants:
 *
 *   heap    Dijkstra with a 4-ary heap and lazy deletion (w1_nearest, w2_counts, w3_batch);
 *   bucket  lifecircle's own algorithm, kernels._bucket_search transcribed line by line
 *           (w1_bucket, w2_bucket, w3_bucket): sequential delta-stepping, buckets as singly
 *           linked lists in an entry pool with a free list, a node filed again whenever
 *           its distance improves, stale entries skipped (d > dist[v]), generation stamps,
 *           predecessors, and a rerun with a stamped heap if the pool overflows.
 *
 * Built by benchmarks/native.py with `gcc -O3 -march=native -fopenmp -shared -fPIC` and
 * called through ctypes; every array is owned by the Python caller unless noted.
 *
 *   w1_*  for every node, metres to the nearest seed of each group (inf beyond)
 *   w2_*  for every node, how many seeds of each group lie within the limit
 *   w3_*  places within the limit of each query node, with per-query seconds
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

/* ---- bucket variant: lifecircle's kernels._bucket_search and its drivers ---- */

/* Per-thread scratch of lifecircle's kernels: distances valid where stamp == gen,
 * predecessors, the reached list, and the bucket queue (heads and the entry pool). */
typedef struct {
    double *dist, *e_dist;
    int32_t *stamp, *pred, *reached, *head, *e_node, *e_next;
    int64_t cap; /* entries in the pool */
    int32_t gen;
} scratch_t;

static scratch_t scratch_new(int64_t n, int64_t n_buckets, int64_t cap) {
    scratch_t s = {malloc(n * sizeof(double)),     malloc(cap * sizeof(double)),
                   calloc(n, sizeof(int32_t)),     malloc(n * sizeof(int32_t)),
                   malloc(n * sizeof(int32_t)),    malloc(n_buckets * sizeof(int32_t)),
                   malloc(cap * sizeof(int32_t)),  malloc(cap * sizeof(int32_t)),
                   cap,                            0};
    return s;
}

static void scratch_free(scratch_t *s) {
    void *all[] = {s->dist, s->e_dist, s->stamp, s->pred, s->reached, s->head, s->e_node,
                   s->e_next};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

/* Reaching node x at d metres: a first visit in this generation stamps x and lists it as
 * reached; a later one goes on only if d improves on dist[x] (else `continue`). */
#define ENTER(x, d)                  \
    if (stamp[x] != gen) {           \
        stamp[x] = gen;              \
        reached[m++] = x;            \
    } else if ((d) >= dist[x]) {     \
        continue;                    \
    }

/* Stamped multi-source Dijkstra (kernels._heap_search): the rerun after an overflow. */
static int64_t heap_search(const int64_t *indptr, const int32_t *indices, const double *w,
                           int64_t n, const int32_t *seeds, int64_t n_seeds, double limit,
                           double *dist, int32_t *stamp, int32_t gen, int32_t *pred,
                           int32_t *reached) {
    int64_t cap = indptr[n] + n_seeds + 1;
    heap_t h = {malloc(cap * sizeof(double)), malloc(cap * sizeof(int32_t)), 0};
    int64_t m = 0;
    for (int64_t k = 0; k < n_seeds; k++) {
        int32_t s = seeds[k];
        ENTER(s, 0.0)
        dist[s] = 0.0;
        pred[s] = -1;
        heap_push(&h, 0.0, s);
    }
    while (h.size > 0) {
        double d = h.key[0];
        int32_t v = h.val[0];
        heap_pop(&h);
        if (d > dist[v]) continue;
        for (int64_t e = indptr[v]; e < indptr[v + 1]; e++) {
            int32_t u = indices[e];
            double nd = d + w[e];
            if (nd > limit) continue;
            ENTER(u, nd)
            dist[u] = nd;
            pred[u] = (int32_t)v;
            heap_push(&h, nd, u);
        }
    }
    free(h.key);
    free(h.val);
    return m;
}

/* kernels._bucket_search: returns the number of reached nodes, -1 if the pool overflowed. */
static int64_t bucket_search(const int64_t *indptr, const int32_t *indices, const double *w,
                             const int32_t *seeds, int64_t n_seeds, double limit,
                             double inv_delta, scratch_t *q) {
    int64_t n_buckets = (int64_t)(limit * inv_delta) + 1;
    int32_t *head = q->head, *e_node = q->e_node, *e_next = q->e_next;
    int32_t *stamp = q->stamp, *pred = q->pred, *reached = q->reached, gen = q->gen;
    double *e_dist = q->e_dist, *dist = q->dist;
    for (int64_t b = 0; b < n_buckets; b++) head[b] = -1;
    int64_t top = 0;  /* next never-used entry */
    int32_t free_ = -1; /* entries popped and ready for reuse */
    int64_t m = 0;
    for (int64_t k = 0; k < n_seeds; k++) {
        int32_t s = seeds[k];
        ENTER(s, 0.0)
        dist[s] = 0.0;
        pred[s] = -1;
        int32_t e;
        if (free_ >= 0) {
            e = free_;
            free_ = e_next[e];
        } else if (top < q->cap) {
            e = (int32_t)top++;
        } else {
            return -1;
        }
        e_node[e] = s;
        e_dist[e] = 0.0;
        e_next[e] = head[0];
        head[0] = e;
    }
    for (int64_t b = 0; b < n_buckets; b++) {
        while (head[b] >= 0) {
            int32_t e = head[b];
            head[b] = e_next[e];
            int32_t v = e_node[e];
            double d = e_dist[e];
            e_next[e] = free_;
            free_ = e;
            if (d > dist[v]) continue; /* stale: v was filed again with a shorter distance */
            for (int64_t x = indptr[v]; x < indptr[v + 1]; x++) {
                int32_t u = indices[x];
                double nd = d + w[x];
                if (nd > limit) continue;
                ENTER(u, nd)
                dist[u] = nd;
                pred[u] = v;
                int32_t f;
                if (free_ >= 0) {
                    f = free_;
                    free_ = e_next[f];
                } else if (top < q->cap) {
                    f = (int32_t)top++;
                } else {
                    return -1;
                }
                int64_t bb = (int64_t)(nd * inv_delta);
                e_node[f] = u;
                e_dist[f] = nd;
                e_next[f] = head[bb];
                head[bb] = f;
            }
        }
    }
    return m;
}

/* kernels.search_from: the bucket queue, or (after an overflow) a rerun with the heap
 * under the same generation, once the nodes it stamped are stamped stale. */
static int64_t search_from(const int64_t *indptr, const int32_t *indices, const double *w,
                           int64_t n, const int32_t *seeds, int64_t n_seeds, double limit,
                           double inv_delta, scratch_t *q, int64_t *fallbacks) {
    q->gen++; /* a fresh generation per search */
    int64_t m = bucket_search(indptr, indices, w, seeds, n_seeds, limit, inv_delta, q);
    if (m >= 0) return m;
    for (int64_t i = 0; i < n; i++)
        if (q->stamp[i] == q->gen) q->stamp[i] = q->gen > 1 ? q->gen - 1 : 0;
    ++*fallbacks;
    return heap_search(indptr, indices, w, n, seeds, n_seeds, limit, q->dist, q->stamp, q->gen,
                       q->pred, q->reached);
}

#define SEARCH(S, seeds, n_seeds, fallbacks) \
    search_from(indptr, indices, w, n, seeds, n_seeds, limit, inv_delta, &(S), fallbacks)

static int64_t largest_group(int32_t n_groups, const int64_t *group_ptr) {
    int64_t size = 0;
    for (int32_t g = 0; g < n_groups; g++)
        if (group_ptr[g + 1] - group_ptr[g] > size) size = group_ptr[g + 1] - group_ptr[g];
    return size;
}

/* nearest_by_group (pool: one entry per edge and seed, as lifecircle's _pool); returns
 * how many searches fell back to the heap. */
int64_t w1_bucket(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
                  int32_t n_groups, const int64_t *group_ptr, const int32_t *seeds, double limit,
                  const int32_t *group_order, double inv_delta, double *out) {
    int64_t fallbacks = 0, n_buckets = (int64_t)(limit * inv_delta) + 1;
    int64_t pool = indptr[n] + largest_group(n_groups, group_ptr) + 16;
#pragma omp parallel reduction(+ : fallbacks)
    {
        scratch_t s = scratch_new(n, n_buckets, pool);
#pragma omp for schedule(dynamic, 1)
        for (int32_t j = 0; j < n_groups; j++) {
            int32_t g = group_order[j];
            double *row = out + (int64_t)g * n;
            for (int64_t i = 0; i < n; i++) row[i] = INFINITY;
            int64_t m = SEARCH(s, seeds + group_ptr[g], group_ptr[g + 1] - group_ptr[g],
                               &fallbacks);
            for (int64_t i = 0; i < m; i++) row[s.reached[i]] = s.dist[s.reached[i]];
        }
        scratch_free(&s);
    }
    return fallbacks;
}

/* counts_by_group (one search per distinct seed, pool as lifecircle's _pool(net, 1));
 * returns the heap fallbacks. */
int64_t w2_bucket(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
                  int32_t n_groups, const int64_t *group_ptr, const int32_t *seeds, double limit,
                  const int32_t *group_order, double inv_delta, int32_t *out) {
    int64_t fallbacks = 0, n_buckets = (int64_t)(limit * inv_delta) + 1;
    int64_t pool = indptr[n] + 1 + 16, max_group = largest_group(n_groups, group_ptr) + 1;
    memset(out, 0, (size_t)n_groups * (size_t)n * sizeof(int32_t));
#pragma omp parallel reduction(+ : fallbacks)
    {
        scratch_t s = scratch_new(n, n_buckets, pool);
        int32_t *sorted = malloc(max_group * sizeof(int32_t));
#pragma omp for schedule(dynamic, 1)
        for (int32_t j = 0; j < n_groups; j++) {
            int32_t g = group_order[j];
            int32_t *row = out + (int64_t)g * n;
            int64_t size = group_ptr[g + 1] - group_ptr[g];
            memcpy(sorted, seeds + group_ptr[g], size * sizeof(int32_t));
            qsort(sorted, size, sizeof(int32_t), cmp_i32);
            for (int64_t k = 0; k < size;) {
                int64_t r = k + 1;
                while (r < size && sorted[r] == sorted[k]) r++;
                int32_t mult = (int32_t)(r - k);
                int64_t m = SEARCH(s, sorted + k, 1, &fallbacks);
                for (int64_t i = 0; i < m; i++) row[s.reached[i]] += mult;
                k = r;
            }
        }
        free(sorted);
        scratch_free(&s);
    }
    return fallbacks;
}

typedef struct {
    double d;
    int32_t place, pos;
} found_t;

static int cmp_found(const void *a, const void *b) {
    const found_t *x = a, *y = b;
    if (x->d != y->d) return (x->d > y->d) - (x->d < y->d);
    return (x->pos > y->pos) - (x->pos < y->pos); /* stable, as numpy's mergesort */
}

/* kernels.query_places per query: search, collect the places, sort them nearest first
 * (insertion sort up to 64, else a stable sort). Returns the places written, -1 when
 * out_place (capacity cap) is too small; *fallbacks counts heap reruns. */
int64_t w3_bucket(int64_t n, const int64_t *indptr, const int32_t *indices, const double *w,
                  const int64_t *place_ptr, const int32_t *place_of_node, int32_t n_queries,
                  const int32_t *queries, double limit, double inv_delta, int64_t *out_ptr,
                  int32_t *out_place, int64_t cap, double *seconds, int64_t *fallbacks) {
    int64_t n_buckets = (int64_t)(limit * inv_delta) + 1;
    scratch_t s = scratch_new(n, n_buckets, indptr[n] + 1 + 16);
    found_t *found = malloc((place_ptr[n] + 1) * sizeof(found_t));
    int64_t total = 0;
    out_ptr[0] = 0;
    *fallbacks = 0;
    for (int32_t q = 0; q < n_queries && total >= 0; q++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int64_t m = SEARCH(s, queries + q, 1, fallbacks), k = 0;
        for (int64_t i = 0; i < m; i++) {
            int32_t v = s.reached[i];
            for (int64_t p = place_ptr[v]; p < place_ptr[v + 1]; p++) {
                found[k] = (found_t){s.dist[v], place_of_node[p], (int32_t)k};
                k++;
            }
        }
        if (k <= 64) {
            for (int64_t i = 1; i < k; i++) {
                found_t f = found[i];
                int64_t j = i - 1;
                while (j >= 0 && found[j].d > f.d) {
                    found[j + 1] = found[j];
                    j--;
                }
                found[j + 1] = f;
            }
        } else {
            qsort(found, k, sizeof(found_t), cmp_found);
        }
        if (total + k > cap) {
            total = -1;
        } else {
            for (int64_t i = 0; i < k; i++) out_place[total++] = found[i].place;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        seconds[q] = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (total >= 0) out_ptr[q + 1] = total;
    }
    free(found);
    scratch_free(&s);
    return total;
}
