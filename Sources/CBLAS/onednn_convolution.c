#include "onednn_convolution.h"
#include "onednn_library.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The part of oneDNN 2.x's C API (oneapi/dnnl/dnnl.h, dnnl_types.h) used here; Debian ships no headers with
 * libdnnl2. The descriptors are structs the library fills in and reads back: they are kept in buffers larger
 * than the library's (dnnl_memory_desc_t is 696 bytes in 2.6, dnnl_convolution_desc_t about 5 KB). */
typedef int64_t dims_t[12];
typedef struct { _Alignas(64) unsigned char bytes[2048]; } memory_desc;
typedef struct { _Alignas(64) unsigned char bytes[16384]; } operation_desc;
typedef void *engine_t, *stream_t, *primitive_desc_t, *primitive_t, *memory_t, *attr_t;
typedef struct { int arg; memory_t memory; } exec_arg;

enum {
    F32 = 3, FORMAT_ANY = 1,                                      /* dnnl_data_type_t, dnnl_format_tag_t */
    FORWARD_TRAINING = 64, CPU = 1,                               /* prop kind, engine kind */
    CONVOLUTION_DIRECT = 1, CONVOLUTION_WINOGRAD = 2,             /* dnnl_alg_kind_t */
    IN_ORDER = 1, SCRATCHPAD_USER = 1,                            /* stream flags, scratchpad mode */
    QUERY_IMPLEMENTATION = 8,                                     /* dnnl_query_impl_info_str */
    QUERY_SRC = 129, QUERY_DIFF_SRC, QUERY_WEIGHTS, QUERY_DIFF_WEIGHTS, QUERY_DST, QUERY_DIFF_DST,
    QUERY_WORKSPACE, QUERY_SCRATCHPAD,                            /* dnnl_query_*_md */
    ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33, ARG_BIAS = 41, ARG_SCRATCHPAD = 80,
    ARG_DIFF_SRC = 129, ARG_DIFF_DST = 145, ARG_DIFF_WEIGHTS = 161, ARG_DIFF_BIAS = 169,
};

static struct {
    int (*memory_desc_init_by_strides)(memory_desc *, int, const dims_t, int, const dims_t);
    int (*memory_desc_init_by_tag)(memory_desc *, int, const dims_t, int, int);
    size_t (*memory_desc_get_size)(const memory_desc *);
    int (*memory_desc_equal)(const memory_desc *, const memory_desc *);
    int (*forward_desc_init)(operation_desc *, int, int, const memory_desc *, const memory_desc *, const memory_desc *,
                             const memory_desc *, const dims_t, const dims_t, const dims_t);
    int (*backward_data_desc_init)(operation_desc *, int, const memory_desc *, const memory_desc *, const memory_desc *,
                                   const dims_t, const dims_t, const dims_t);
    int (*backward_weights_desc_init)(operation_desc *, int, const memory_desc *, const memory_desc *,
                                      const memory_desc *, const memory_desc *, const dims_t, const dims_t,
                                      const dims_t);
    int (*primitive_desc_create)(primitive_desc_t *, const void *, attr_t, engine_t, primitive_desc_t);
    int (*reorder_primitive_desc_create)(primitive_desc_t *, const memory_desc *, engine_t, const memory_desc *,
                                         engine_t, attr_t);
    int (*primitive_desc_query)(primitive_desc_t, int, int, void *);
    const memory_desc *(*primitive_desc_query_md)(primitive_desc_t, int, int);
    int (*primitive_desc_destroy)(primitive_desc_t);
    int (*primitive_create)(primitive_t *, primitive_desc_t);
    int (*primitive_execute)(primitive_t, stream_t, int, const exec_arg *);
    int (*engine_create)(engine_t *, int, size_t);
    int (*stream_create)(stream_t *, engine_t, unsigned);
    int (*memory_create)(memory_t *, const memory_desc *, engine_t, void *);
    int (*memory_set_data_handle)(memory_t, void *);
    int (*primitive_attr_create)(attr_t *);
    int (*primitive_attr_set_scratchpad_mode)(attr_t, int);
} dnnl;

static engine_t engine;
static attr_t user_scratchpad;
static int available;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = medpipe_onednn_library();
    if (!library) return;
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&dnnl.memory_desc_init_by_strides, "dnnl_memory_desc_init_by_strides"},
        {(void **)&dnnl.memory_desc_init_by_tag, "dnnl_memory_desc_init_by_tag"},
        {(void **)&dnnl.memory_desc_get_size, "dnnl_memory_desc_get_size"},
        {(void **)&dnnl.memory_desc_equal, "dnnl_memory_desc_equal"},
        {(void **)&dnnl.forward_desc_init, "dnnl_convolution_forward_desc_init"},
        {(void **)&dnnl.backward_data_desc_init, "dnnl_convolution_backward_data_desc_init"},
        {(void **)&dnnl.backward_weights_desc_init, "dnnl_convolution_backward_weights_desc_init"},
        {(void **)&dnnl.primitive_desc_create, "dnnl_primitive_desc_create"},
        {(void **)&dnnl.reorder_primitive_desc_create, "dnnl_reorder_primitive_desc_create"},
        {(void **)&dnnl.primitive_desc_query, "dnnl_primitive_desc_query"},
        {(void **)&dnnl.primitive_desc_query_md, "dnnl_primitive_desc_query_md"},
        {(void **)&dnnl.primitive_desc_destroy, "dnnl_primitive_desc_destroy"},
        {(void **)&dnnl.primitive_create, "dnnl_primitive_create"},
        {(void **)&dnnl.primitive_execute, "dnnl_primitive_execute"},
        {(void **)&dnnl.engine_create, "dnnl_engine_create"},
        {(void **)&dnnl.stream_create, "dnnl_stream_create"},
        {(void **)&dnnl.memory_create, "dnnl_memory_create"},
        {(void **)&dnnl.memory_set_data_handle, "dnnl_memory_set_data_handle"},
        {(void **)&dnnl.primitive_attr_create, "dnnl_primitive_attr_create"},
        {(void **)&dnnl.primitive_attr_set_scratchpad_mode, "dnnl_primitive_attr_set_scratchpad_mode"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (!*symbols[i].slot) medpipe_native_fail("the oneDNN library found lacks", symbols[i].name);
    }
    /* Scratchpads are the caller's (one per cached primitive), so a primitive may run on any thread. */
    if (dnnl.engine_create(&engine, CPU, 0) || dnnl.primitive_attr_create(&user_scratchpad) ||
        dnnl.primitive_attr_set_scratchpad_mode(user_scratchpad, SCRATCHPAD_USER))
        medpipe_native_fail("oneDNN could not create its CPU engine", NULL);
    available = 1;
}

enum { FORWARD, BACKWARD_DATA, BACKWARD_WEIGHTS, KINDS };
enum { MAX_PORTS = 4 };

/* One tensor of a primitive: the caller's plain memory, and, when the primitive prefers another layout, the
 * primitive's own memory and the reorder between the two (into the primitive for inputs, out for outputs). */
typedef struct {
    int arg, output;
    memory_t plain, own;
    primitive_t reorder;
    memory_t reorder_scratchpad;
} port;

/* A primitive made for one shape and kind, with everything it runs with; used by one caller at a time. */
typedef struct entry {
    struct entry *next;
    medpipe_convolution_shape shape;
    int kind, busy;
    int usable;            /* 0: oneDNN has only its reference implementation here */
    char implementation[64];
    primitive_desc_t hint; /* the forward descriptor a backward descriptor was made against (kept alive) */
    primitive_desc_t descriptor;
    primitive_t primitive;
    memory_t scratchpad;
    stream_t stream;
    port ports[MAX_PORTS];
    int port_count;
    void *buffers[2 * MAX_PORTS + 1];
    int buffer_count;
} entry;

static entry *entries;
static pthread_mutex_t entries_lock = PTHREAD_MUTEX_INITIALIZER;

static int same_shape(const medpipe_convolution_shape *a, const medpipe_convolution_shape *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

/* Memory of `size` bytes owned by the entry (freed never: entries live as long as the process). */
static void *buffer(entry *e, size_t size) {
    void *p = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
    if (!p) medpipe_native_fail("out of memory for a oneDNN convolution", NULL);
    e->buffers[e->buffer_count++] = p;
    return p;
}

/* A dense row-major descriptor of `ndims` dimensions. */
static int plain_desc(memory_desc *md, int ndims, const dims_t dims) {
    dims_t strides = {0};
    int64_t stride = 1;
    for (int i = ndims - 1; i >= 0; i--) { strides[i] = stride; stride *= dims[i]; }
    return dnnl.memory_desc_init_by_strides(md, ndims, dims, F32, strides);
}

static int any_desc(memory_desc *md, int ndims, const dims_t dims) {
    return dnnl.memory_desc_init_by_tag(md, ndims, dims, F32, FORMAT_ANY);
}

/* Adds a port for `arg` whose caller-side layout is `plain` and whose primitive-side layout is what the
 * descriptor answers to `query` at `index` (the bias is weights number 1). Returns nonzero on failure. */
static int add_port(entry *e, int arg, int output, const memory_desc *plain, int query, int index) {
    port *p = &e->ports[e->port_count++];
    memset(p, 0, sizeof *p);
    p->arg = arg;
    p->output = output;
    const memory_desc *own = dnnl.primitive_desc_query_md(e->descriptor, query, index);
    if (!own || dnnl.memory_create(&p->plain, plain, engine, NULL)) return 1;
    if (dnnl.memory_desc_equal(own, plain)) return 0;
    if (dnnl.memory_create(&p->own, own, engine, buffer(e, dnnl.memory_desc_get_size(own)))) return 1;
    primitive_desc_t reorder;
    if (output ? dnnl.reorder_primitive_desc_create(&reorder, own, engine, plain, engine, user_scratchpad)
               : dnnl.reorder_primitive_desc_create(&reorder, plain, engine, own, engine, user_scratchpad))
        return 1;
    const memory_desc *scratch = dnnl.primitive_desc_query_md(reorder, QUERY_SCRATCHPAD, 0);
    int failed = dnnl.primitive_create(&p->reorder, reorder) ||
                 (scratch && dnnl.memory_desc_get_size(scratch) > 0 &&
                  dnnl.memory_create(&p->reorder_scratchpad, scratch, engine,
                                     buffer(e, dnnl.memory_desc_get_size(scratch))));
    dnnl.primitive_desc_destroy(reorder);
    return failed;
}

/* The plain descriptors of a shape's tensors, and the convolution's geometry in oneDNN's terms. */
typedef struct {
    int ndims;
    memory_desc x, y, w, b, x_any, y_any, w_any;
    dims_t strides, padding_l, padding_r;
} geometry;

static int describe_geometry(const medpipe_convolution_shape *s, geometry *g) {
    int ndims = g->ndims = s->rank + 2;
    dims_t x_dims = {s->batch, s->in_channels}, y_dims = {s->batch, s->out_channels},
           w_dims = {s->out_channels, s->in_channels}, b_dims = {s->out_channels};
    memset(g->strides, 0, sizeof g->strides);
    memset(g->padding_l, 0, sizeof g->padding_l);
    memset(g->padding_r, 0, sizeof g->padding_r);
    for (int a = 0; a < s->rank; a++) {
        x_dims[2 + a] = s->in_size[a];
        y_dims[2 + a] = s->out_size[a];
        w_dims[2 + a] = s->kernel;
        g->strides[a] = s->stride;
        g->padding_l[a] = s->padding;
        /* What the last window overhangs on the right: the padding, less what the stride leaves unused. */
        g->padding_r[a] = (int64_t)(s->out_size[a] - 1) * s->stride + s->kernel - s->in_size[a] - s->padding;
    }
    return plain_desc(&g->x, ndims, x_dims) || plain_desc(&g->y, ndims, y_dims) || plain_desc(&g->w, ndims, w_dims) ||
           plain_desc(&g->b, 1, b_dims) || any_desc(&g->x_any, ndims, x_dims) || any_desc(&g->y_any, ndims, y_dims) ||
           any_desc(&g->w_any, ndims, w_dims);
}

/* Sets `e->descriptor` (and, for a backward kind, `e->hint`) to oneDNN's choice for `e->kind` with `algorithm`;
 * returns nonzero, having kept nothing, when oneDNN has no implementation of it for the shape. */
static int describe(entry *e, const geometry *g, int algorithm, operation_desc *forward, operation_desc *backward) {
    primitive_desc_t hint = NULL, descriptor = NULL;
    if (dnnl.forward_desc_init(forward, FORWARD_TRAINING, algorithm, &g->x_any, &g->w_any, &g->b, &g->y_any,
                               g->strides, g->padding_l, g->padding_r) ||
        dnnl.primitive_desc_create(&hint, forward, user_scratchpad, engine, NULL))
        return 1;
    int failed = 0;
    switch (e->kind) {
    case FORWARD:
        descriptor = hint;
        hint = NULL;
        break;
    case BACKWARD_DATA:
        failed = dnnl.backward_data_desc_init(backward, algorithm, &g->x_any, &g->w_any, &g->y_any, g->strides,
                                              g->padding_l, g->padding_r) ||
                 dnnl.primitive_desc_create(&descriptor, backward, user_scratchpad, engine, hint);
        break;
    default:
        failed = dnnl.backward_weights_desc_init(backward, algorithm, &g->x_any, &g->w_any, &g->b, &g->y_any,
                                                 g->strides, g->padding_l, g->padding_r) ||
                 dnnl.primitive_desc_create(&descriptor, backward, user_scratchpad, engine, hint);
    }
    if (failed) {
        dnnl.primitive_desc_destroy(hint);
        return 1;
    }
    e->hint = hint;
    e->descriptor = descriptor;
    return 0;
}

/* Makes the primitive of `e->kind` for `e->shape` with two operation descriptors' worth of scratch: Winograd's
 * when the shape asks for it and oneDNN has it, else the direct one; leaves `usable` 0 when oneDNN offers only
 * its reference code (or nothing) for it. */
static void make_with(entry *e, operation_desc *forward, operation_desc *backward) {
    geometry g;
    if (describe_geometry(&e->shape, &g)) return;
    if (!(e->shape.winograd && describe(e, &g, CONVOLUTION_WINOGRAD, forward, backward) == 0) &&
        describe(e, &g, CONVOLUTION_DIRECT, forward, backward))
        return;
    const char *name = NULL;
    if (dnnl.primitive_desc_query(e->descriptor, QUERY_IMPLEMENTATION, 0, &name) || !name) return;
    strncpy(e->implementation, name, sizeof e->implementation - 1);
    /* Only oneDNN's JIT kernels ("jit:…", "jit_wino_4x3:…", "brg:…"): its others are im2col + GEMM again
     * ("x64:gemm:jit", slower than MedPipe's for Conv1d's weight gradient here) or scalar reference code. */
    if (strncmp(name, "jit", 3) != 0 && strncmp(name, "brg", 3) != 0) return;
    int failed;
    switch (e->kind) {
    case FORWARD:
        failed = add_port(e, ARG_SRC, 0, &g.x, QUERY_SRC, 0) || add_port(e, ARG_WEIGHTS, 0, &g.w, QUERY_WEIGHTS, 0) ||
                 add_port(e, ARG_BIAS, 0, &g.b, QUERY_WEIGHTS, 1) || add_port(e, ARG_DST, 1, &g.y, QUERY_DST, 0);
        break;
    case BACKWARD_DATA:
        failed = add_port(e, ARG_WEIGHTS, 0, &g.w, QUERY_WEIGHTS, 0) || add_port(e, ARG_DIFF_DST, 0, &g.y, QUERY_DIFF_DST, 0) ||
                 add_port(e, ARG_DIFF_SRC, 1, &g.x, QUERY_DIFF_SRC, 0);
        break;
    default:
        failed = add_port(e, ARG_SRC, 0, &g.x, QUERY_SRC, 0) || add_port(e, ARG_DIFF_DST, 0, &g.y, QUERY_DIFF_DST, 0) ||
                 add_port(e, ARG_DIFF_WEIGHTS, 1, &g.w, QUERY_DIFF_WEIGHTS, 0) ||
                 add_port(e, ARG_DIFF_BIAS, 1, &g.b, QUERY_DIFF_WEIGHTS, 1);
    }
    if (failed) return;
    const memory_desc *scratch = dnnl.primitive_desc_query_md(e->descriptor, QUERY_SCRATCHPAD, 0);
    if (scratch && dnnl.memory_desc_get_size(scratch) > 0 &&
        dnnl.memory_create(&e->scratchpad, scratch, engine, buffer(e, dnnl.memory_desc_get_size(scratch))))
        return;
    if (dnnl.primitive_create(&e->primitive, e->descriptor) || dnnl.stream_create(&e->stream, engine, IN_ORDER)) return;
    e->usable = 1;
}

static void make(entry *e) {
    operation_desc *descs = malloc(2 * sizeof *descs);   /* 32 KB: not on a worker's stack */
    if (!descs) medpipe_native_fail("out of memory for a oneDNN convolution", NULL);
    make_with(e, descs, descs + 1);
    free(descs);
}

/* An idle entry for the shape and kind, marked busy, made if there is none (NULL without oneDNN). */
static entry *acquire(const medpipe_convolution_shape *shape, int kind) {
    pthread_once(&once, load);
    if (!available) return NULL;
    pthread_mutex_lock(&entries_lock);
    entry *e = entries;
    while (e && (e->busy || e->kind != kind || !same_shape(&e->shape, shape))) e = e->next;
    if (e) e->busy = 1;
    pthread_mutex_unlock(&entries_lock);
    if (e) return e;
    e = calloc(1, sizeof *e);
    if (!e) medpipe_native_fail("out of memory for a oneDNN convolution", NULL);
    e->shape = *shape;
    e->kind = kind;
    e->busy = 1;
    medpipe_onednn_single_thread();   /* before making: a primitive is made for the threads it may use */
    make(e);
    pthread_mutex_lock(&entries_lock);
    e->next = entries;
    entries = e;
    pthread_mutex_unlock(&entries_lock);
    return e;
}

static void release(entry *e) {
    pthread_mutex_lock(&entries_lock);
    e->busy = 0;
    pthread_mutex_unlock(&entries_lock);
}

static void check(int status, const char *what) {
    if (status) medpipe_native_fail("a oneDNN convolution failed in", what);
}

/* Runs `e` on the caller's tensors, given in port order. */
static void run(entry *e, void *const *tensors) {
    medpipe_onednn_single_thread();
    exec_arg args[MAX_PORTS + 1];
    for (int i = 0; i < e->port_count; i++) {
        port *p = &e->ports[i];
        check(dnnl.memory_set_data_handle(p->plain, tensors[i]), "setting a tensor");
        args[i] = (exec_arg){p->arg, p->own ? p->own : p->plain};
        if (p->own && !p->output) {
            exec_arg reorder[] = {{ARG_SRC, p->plain}, {ARG_DST, p->own}, {ARG_SCRATCHPAD, p->reorder_scratchpad}};
            check(dnnl.primitive_execute(p->reorder, e->stream, p->reorder_scratchpad ? 3 : 2, reorder), "a reorder");
        }
    }
    int count = e->port_count;
    if (e->scratchpad) args[count++] = (exec_arg){ARG_SCRATCHPAD, e->scratchpad};
    check(dnnl.primitive_execute(e->primitive, e->stream, count, args), "the convolution");
    for (int i = 0; i < e->port_count; i++) {
        port *p = &e->ports[i];
        if (p->own && p->output) {
            exec_arg reorder[] = {{ARG_SRC, p->own}, {ARG_DST, p->plain}, {ARG_SCRATCHPAD, p->reorder_scratchpad}};
            check(dnnl.primitive_execute(p->reorder, e->stream, p->reorder_scratchpad ? 3 : 2, reorder), "a reorder");
        }
    }
}

/* Runs the shape's primitive of `kind` on `tensors` if there is a usable one; returns whether it ran. */
static int run_kind(const medpipe_convolution_shape *shape, int kind, void *const *tensors) {
    entry *e = acquire(shape, kind);
    if (!e) return 0;
    int usable = e->usable;
    if (usable) run(e, tensors);
    release(e);
    return usable;
}

int medpipe_convolution_forward(const medpipe_convolution_shape *shape, const float *x, const float *w, const float *b,
                                float *y) {
    void *tensors[] = {(void *)x, (void *)w, (void *)b, y};
    return run_kind(shape, FORWARD, tensors);
}

int medpipe_convolution_backward_data(const medpipe_convolution_shape *shape, const float *w, const float *dy,
                                      float *dx) {
    void *tensors[] = {(void *)w, (void *)dy, dx};
    return run_kind(shape, BACKWARD_DATA, tensors);
}

int medpipe_convolution_backward_weights(const medpipe_convolution_shape *shape, const float *x, const float *dy,
                                         float *dw, float *db) {
    void *tensors[] = {(void *)x, (void *)dy, dw, db};
    return run_kind(shape, BACKWARD_WEIGHTS, tensors);
}

const char *medpipe_convolution_implementation(const medpipe_convolution_shape *shape, int kind) {
    if (kind < 0 || kind >= KINDS) return NULL;
    entry *e = acquire(shape, kind);
    if (!e) return NULL;
    const char *name = e->usable ? e->implementation : NULL;   /* the entry, and its name, live on */
    release(e);
    return name;
}
