/* test_golden.c — the engine against PyTorch on small random graphs.
 *
 * tests/golden/golden.json (written by tests/golden/make_golden.py, which
 * says how to regenerate it) holds graphs as programs over numbered tensors,
 * with torch's output and the gradients of sum(out * w) for given w. Each is
 * replayed here through the public API, then out.backward(w), and compared:
 * the error of a tensor is max|got - want| / max|want| (the scale floored at
 * 1e-8), and must stay below 1e-9 in float64 and 1e-5 in float32 graphs.
 * Each dtype's test prints its worst error and where it was. */
#include "test.h"

#include "json.h"

#define NAME_LEN 96

typedef struct {
    double worst;
    char where[NAME_LEN * 2];
} worst_err;

/* ---------------------------------------------------------------- replay */

static int attr_int(const json *inst, const char *key, int dflt)
{
    return (int)json_num(json_get(inst, key), dflt);
}

static int attr_dim(const json *inst)
{
    const json *d = json_get(inst, "dim");
    return !d || d->type == JSON_NULL ? GL_ALL_DIMS : (int)d->number;
}

static bool attr_bool(const json *inst, const char *key)
{
    const json *b = json_get(inst, key);
    return b && b->type == JSON_BOOL && b->boolean;
}

static int attr_ints(const json *inst, const char *key, int64_t *out)
{
    const json *a = json_get(inst, key);
    int n = (int)json_len(a);
    for (int i = 0; i < n && i < GL_MAX_DIMS; i++)
        out[i] = (int64_t)json_num(json_at(a, (size_t)i), 0);
    return n;
}

static gl_reduction attr_reduction(const json *inst)
{
    const char *r = json_str(json_get(inst, "reduction"));
    if (r && strcmp(r, "sum") == 0)
        return GL_REDUCTION_SUM;
    if (r && strcmp(r, "none") == 0)
        return GL_REDUCTION_NONE;
    return GL_REDUCTION_MEAN;
}

typedef gl_tensor *(*unary_fn)(const gl_tensor *);
typedef gl_tensor *(*binary_fn)(const gl_tensor *, const gl_tensor *);

static const struct { const char *name; unary_fn fn; } unary_ops[] = {
    {"neg", gl_neg},   {"exp", gl_exp},   {"log", gl_log},         {"sqrt", gl_sqrt},
    {"abs", gl_abs},   {"sin", gl_sin},   {"cos", gl_cos},         {"tanh", gl_tanh},
    {"sigmoid", gl_sigmoid}, {"relu", gl_relu}, {"square", gl_square},
};

static const struct { const char *name; binary_fn fn; } binary_ops[] = {
    {"add", gl_add}, {"sub", gl_sub}, {"mul", gl_mul}, {"div", gl_div},
    {"pow", gl_pow}, {"gt", gl_gt},   {"lt", gl_lt},   {"matmul", gl_matmul},
};

/* Set by run_instruction for a malformed instruction (the engine's own
 * failures are in gl_error()). */
static char replay_error[160];

static gl_tensor *malformed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static gl_tensor *malformed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(replay_error, sizeof replay_error, fmt, ap);
    va_end(ap);
    return NULL;
}

/* One instruction: a new tensor, or NULL with gl_error() or replay_error
 * saying why. */
static gl_tensor *run_instruction(const json *inst, gl_tensor *const *tensors, int ntensors)
{
    const char *op = json_str(json_get(inst, "op"));
    const json *ins = json_get(inst, "in");
    int nin = (int)json_len(ins);
    const gl_tensor *in[8];
    replay_error[0] = '\0';
    if (!op || nin < 1 || nin > 8)
        return malformed("malformed instruction '%s' with %d inputs", op ? op : "?", nin);
    for (int i = 0; i < nin; i++) {
        int k = (int)json_num(json_at(ins, (size_t)i), -1);
        if (k < 0 || k >= ntensors)
            return malformed("%s reads tensor %d of %d", op, k, ntensors);
        in[i] = tensors[k];
    }
    const gl_tensor *a = in[0];
    for (size_t i = 0; i < sizeof unary_ops / sizeof unary_ops[0]; i++)
        if (strcmp(op, unary_ops[i].name) == 0)
            return unary_ops[i].fn(a);
    for (size_t i = 0; i < sizeof binary_ops / sizeof binary_ops[0]; i++)
        if (strcmp(op, binary_ops[i].name) == 0)
            return nin == 2 ? binary_ops[i].fn(a, in[1]) : malformed("%s has %d inputs", op, nin);

    int64_t shape[GL_MAX_DIMS];
    int dim = attr_dim(inst);
    bool keepdim = attr_bool(inst, "keepdim");
    if (strcmp(op, "sum") == 0)
        return gl_sum(a, dim, keepdim);
    if (strcmp(op, "mean") == 0)
        return gl_mean(a, dim, keepdim);
    if (strcmp(op, "max") == 0)
        return gl_max(a, dim, keepdim, NULL);
    if (strcmp(op, "min") == 0)
        return gl_min(a, dim, keepdim, NULL);
    if (strcmp(op, "softmax") == 0)
        return gl_softmax(a, dim);
    if (strcmp(op, "log_softmax") == 0)
        return gl_log_softmax(a, dim);
    if (strcmp(op, "cat") == 0)
        return gl_cat(in, nin, dim);
    if (strcmp(op, "stack") == 0)
        return gl_stack(in, nin, dim);
    if (strcmp(op, "where") == 0)
        return nin == 3 ? gl_where(a, in[1], in[2]) : malformed("%s has %d inputs", op, nin);
    if (strcmp(op, "mse_loss") == 0)
        return gl_mse_loss(a, in[nin > 1], attr_reduction(inst));
    if (strcmp(op, "bce_loss") == 0)
        return gl_bce_loss(a, in[nin > 1], attr_reduction(inst));
    if (strcmp(op, "cross_entropy") == 0)
        return gl_cross_entropy(a, in[nin > 1], attr_reduction(inst));
    if (strcmp(op, "reshape") == 0)
        return gl_reshape(a, shape, attr_ints(inst, "shape", shape));
    if (strcmp(op, "expand") == 0)
        return gl_expand(a, shape, attr_ints(inst, "shape", shape));
    if (strcmp(op, "transpose") == 0) {
        attr_ints(inst, "dims", shape);
        return gl_transpose(a, (int)shape[0], (int)shape[1]);
    }
    if (strcmp(op, "permute") == 0) {
        int n = attr_ints(inst, "perm", shape), perm[GL_MAX_DIMS];
        for (int i = 0; i < n && i < GL_MAX_DIMS; i++)
            perm[i] = (int)shape[i];
        return gl_permute(a, perm, n);
    }
    if (strcmp(op, "slice") == 0)
        return gl_slice(a, dim, attr_int(inst, "start", 0), attr_int(inst, "end", 0),
                        attr_int(inst, "step", 1));
    if (strcmp(op, "select") == 0)
        return gl_select(a, dim, attr_int(inst, "index", 0));
    if (strcmp(op, "unsqueeze") == 0)
        return gl_unsqueeze(a, dim);
    if (strcmp(op, "squeeze") == 0)
        return gl_squeeze(a, dim);
    return malformed("unknown op '%s'", op);
}

/* ---------------------------------------------------------------- checks */

/* torch's shape from the file, as "(2,3)". */
static const char *json_shape_str(const json *want, char *buf, size_t n)
{
    const json *shape = json_get(want, "shape");
    int64_t dims[GL_MAX_DIMS];
    int nd = (int)json_len(shape);
    for (int i = 0; i < nd && i < GL_MAX_DIMS; i++)
        dims[i] = (int64_t)json_num(json_at(shape, (size_t)i), -1);
    return gl_shape_str(dims, nd < GL_MAX_DIMS ? nd : GL_MAX_DIMS, buf, n);
}

/* max|got - want| / max|want|, or a negative number when shapes differ. */
static double scaled_error(const gl_tensor *got, const json *want)
{
    const json *shape = json_get(want, "shape"), *values = json_get(want, "values");
    size_t n = json_len(values);
    if (gl_ndim(got) != (int)json_len(shape))
        return -1;
    for (int i = 0; i < gl_ndim(got); i++)
        if (gl_shape(got)[i] != (int64_t)json_num(json_at(shape, (size_t)i), -1))
            return -1;
    if (gl_numel(got) != (int64_t)n)
        return -1;
    double *g = malloc(sizeof(double) * (n + 1)), diff = 0, scale = 0;
    gl_copy_to_doubles(got, g);
    for (size_t i = 0; i < n; i++) {
        double w = json_num(json_at(values, i), NAN);
        double d = fabs(g[i] - w);
        if (isnan(d))
            d = INFINITY;
        diff = fmax(diff, d);
        scale = fmax(scale, fabs(w));
    }
    free(g);
    return diff / fmax(scale, 1e-8);
}

static void note(worst_err *w, double err, const char *graph, const char *what)
{
    if (err > w->worst || w->where[0] == '\0') {
        w->worst = fmax(err, w->worst);
        snprintf(w->where, sizeof w->where, "%s, %s", graph, what);
    }
}

/* Replays one graph; returns its worst error (INFINITY on a failed call or
 * a wrong shape), printing what went wrong when above tol. */
static double check_graph(const json *g, double tol, worst_err *worst)
{
    char why[600] = "", what[64];
    const char *name = json_str(json_get(g, "name"));
    const json *inputs = json_get(g, "inputs"), *program = json_get(g, "program");
    const json *grads = json_get(g, "grads");
    int nin = (int)json_len(inputs), nprog = (int)json_len(program), n = 0;
    gl_tensor **t = calloc((size_t)(nin + nprog) + 1, sizeof *t);
    gl_tensor *w = NULL;
    double graph_worst = 0;

    for (int i = 0; i < nin; i++, n++) {
        const json *x = json_at(inputs, (size_t)i);
        gl_dtype dt;
        if (gl_dtype_parse(json_str(json_get(x, "dtype")), &dt) != 0 ||
            !(t[i] = json_tensor(json_get(x, "values"), json_get(x, "shape"), dt, why, sizeof why))) {
            if (!why[0])
                snprintf(why, sizeof why, "input %d: %s", i, gl_error());
            goto fail;
        }
        if (attr_bool(x, "requires_grad") && gl_requires_grad_(t[i], true) != 0) {
            snprintf(why, sizeof why, "input %d: %s", i, gl_error());
            goto fail;
        }
    }
    for (int j = 0; j < nprog; j++, n++) {
        const json *inst = json_at(program, (size_t)j);
        if (!(t[n] = run_instruction(inst, t, n))) {
            snprintf(why, sizeof why, "instruction %d (%s): %s", j,
                     json_str(json_get(inst, "op")), replay_error[0] ? replay_error : gl_error());
            goto fail;
        }
    }

    gl_tensor *out = t[n - 1];
    const char *dtype = json_str(json_get(g, "dtype"));
    if (dtype && strcmp(gl_dtype_name(gl_dtype_of(out)), dtype) != 0) {
        snprintf(why, sizeof why, "output dtype %s, torch has %s", gl_dtype_name(gl_dtype_of(out)),
                 dtype);
        goto fail;
    }
    double err = scaled_error(out, json_get(g, "output"));
    if (err < 0) {
        char b[160], b2[160];
        snprintf(why, sizeof why, "output shape %s, torch has %s",
                 gl_shape_str(gl_shape(out), gl_ndim(out), b, sizeof b),
                 json_shape_str(json_get(g, "output"), b2, sizeof b2));
        goto fail;
    }
    note(worst, err, name, "output");
    graph_worst = fmax(graph_worst, err);
    if (err > tol)
        print_error("golden %s: output off by %.3g (tolerance %.0e)\n", name, err, tol);

    /* out.backward(w): the gradient of sum(out * w) */
    w = json_tensor(json_get(g, "w"), json_get(json_get(g, "output"), "shape"), gl_dtype_of(out),
                    why, sizeof why);
    if (!w)
        goto fail;
    if (gl_backward(out, w, false) != 0) {
        snprintf(why, sizeof why, "backward: %s", gl_error());
        goto fail;
    }
    for (int i = 0; i < nin; i++) {
        const json *want = json_at(grads, (size_t)i);
        const gl_tensor *gr = gl_grad(t[i]);
        snprintf(what, sizeof what, "grad of input %d", i);
        if (!want || want->type == JSON_NULL) {
            /* torch leaves .grad None: no gradient, or an all-zero one */
            if (gr) {
                int64_t m = gl_numel(gr);
                double *v = malloc(sizeof(double) * (size_t)(m + 1)), mx = 0;
                gl_copy_to_doubles(gr, v);
                for (int64_t k = 0; k < m; k++)
                    mx = fmax(mx, fabs(v[k]));
                free(v);
                if (mx != 0) {
                    snprintf(why, sizeof why, "%s: torch has none, the engine %g", what, mx);
                    goto fail;
                }
            }
            continue;
        }
        if (!gr) {
            snprintf(why, sizeof why, "%s: the engine has none", what);
            goto fail;
        }
        if (gl_dtype_of(gr) != gl_dtype_of(t[i])) {
            snprintf(why, sizeof why, "%s: dtype %s, the input is %s", what,
                     gl_dtype_name(gl_dtype_of(gr)), gl_dtype_name(gl_dtype_of(t[i])));
            goto fail;
        }
        err = scaled_error(gr, want);
        if (err < 0) {
            char b[160], b2[160];
            snprintf(why, sizeof why, "%s: shape %s, torch has %s", what,
                     gl_shape_str(gl_shape(gr), gl_ndim(gr), b, sizeof b),
                     json_shape_str(want, b2, sizeof b2));
            goto fail;
        }
        note(worst, err, name, what);
        graph_worst = fmax(graph_worst, err);
        if (err > tol)
            print_error("golden %s: %s off by %.3g (tolerance %.0e)\n", name, what, err, tol);
    }
    goto done;

fail:
    print_error("golden %s: %s\n", name ? name : "?", why);
    graph_worst = INFINITY;
    note(worst, INFINITY, name ? name : "?", "failed");
done:
    gl_release(w);
    for (int i = 0; i < nin + nprog; i++)
        gl_release(t[i]);
    free(t);
    return graph_worst;
}

static json *load_golden(void)
{
    char err[512];
    json *doc = json_load("tests/golden/golden.json", err, sizeof err);
    if (!doc)
        fail_msg("%s", err);
    return doc;
}

/* Every graph of the given dtype ("float32": the graph's own dtype). */
static void check_dtype(const char *dtype, double tol)
{
    json *doc = load_golden();
    const json *graphs = json_get(doc, "graphs");
    worst_err worst = {0, ""};
    int count = 0, failed = 0;
    for (size_t i = 0; i < json_len(graphs); i++) {
        const json *g = json_at(graphs, i);
        const char *dt = json_str(json_get(g, "dtype"));
        if (!dt || strcmp(dt, dtype) != 0)
            continue;
        count++;
        if (!(check_graph(g, tol, &worst) <= tol))
            failed++;
    }
    json_free(doc);
    print_message("golden %s: %d graphs, worst error %.3g (%s), tolerance %.0e\n", dtype, count,
                  worst.worst, worst.where, tol);
    assert_true(count >= 20);
    if (failed)
        fail_msg("%d of %d %s golden graphs differ from torch", failed, count, dtype);
}

static void test_golden_float64(void **state)
{
    (void)state;
    check_dtype("float64", 1e-9);
}

static void test_golden_float32(void **state)
{
    (void)state;
    check_dtype("float32", 1e-5);
}

/* The file covers what it promises: at least 40 graphs, both dtypes, and
 * every op of the engine's API that the graphs are meant to exercise. */
static void test_golden_file_coverage(void **state)
{
    (void)state;
    static const char *const ops[] = {
        "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "sin", "cos",
        "tanh", "sigmoid", "relu", "square", "sum", "mean", "max", "min", "matmul", "softmax",
        "log_softmax", "cat", "stack", "where", "mse_loss", "bce_loss", "cross_entropy",
        "reshape", "transpose", "slice", "expand",
    };
    json *doc = load_golden();
    const json *graphs = json_get(doc, "graphs");
    size_t n = json_len(graphs);
    int per_dtype[2] = {0, 0};
    bool broadcast = false;
    for (size_t i = 0; i < n; i++) {
        const char *dt = json_str(json_get(json_at(graphs, i), "dtype"));
        per_dtype[0] += dt && strcmp(dt, "float32") == 0;
        per_dtype[1] += dt && strcmp(dt, "float64") == 0;
        broadcast = broadcast || strstr(json_str(json_get(json_at(graphs, i), "name")), "broadcast");
    }
    assert_true(n >= 40);
    assert_true(per_dtype[0] >= 20 && per_dtype[1] >= 20);
    assert_true(broadcast);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        int uses = 0;
        for (size_t i = 0; i < n; i++) {
            const json *prog = json_get(json_at(graphs, i), "program");
            for (size_t j = 0; j < json_len(prog); j++)
                uses += strcmp(json_str(json_get(json_at(prog, j), "op")), ops[k]) == 0;
        }
        if (uses == 0) {
            json_free(doc);
            fail_msg("no golden graph uses %s", ops[k]);
        }
    }
    json_free(doc);
}

/* The reader itself, on the corners the generator's output can reach. */
static void test_golden_json_reader(void **state)
{
    (void)state;
    char err[256];
    json *j = json_parse("{\"a\": [1, -2.5e3, NaN, -Infinity, true, null], \"s\": \"x\\n\\u00e9\","
                         " \"big\": 9223372036854775807}", err, sizeof err);
    assert_non_null(j);
    const json *a = json_get(j, "a");
    assert_int_equal(json_len(a), 6);
    assert_true(json_at(a, 0)->is_int);
    assert_true(json_num(json_at(a, 1), 0) == -2500.0);
    assert_true(isnan(json_num(json_at(a, 2), 0)));
    assert_true(json_num(json_at(a, 3), 0) == -INFINITY);
    assert_true(json_at(a, 4)->type == JSON_BOOL && json_at(a, 4)->boolean);
    assert_true(json_at(a, 5)->type == JSON_NULL);
    assert_string_equal(json_str(json_get(j, "s")), "x\n\xc3\xa9");
    assert_true(json_get(j, "big")->integer == INT64_MAX);
    assert_null(json_get(j, "missing"));
    json_free(j);
    assert_null(json_parse("[1, 2", err, sizeof err));
    assert_string_equal(err, "json: expected ',' or ']' at byte 5");
    assert_null(json_parse("{\"a\" 1}", err, sizeof err));
    assert_null(json_parse("[1] x", err, sizeof err));
}

TEST_GROUP(golden,
           cmocka_unit_test(test_golden_json_reader),
           cmocka_unit_test(test_golden_file_coverage),
           cmocka_unit_test(test_golden_float64),
           cmocka_unit_test(test_golden_float32));
