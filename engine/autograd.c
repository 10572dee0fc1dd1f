/* autograd.c — recording the graph (gl_apply) and the reverse sweep
 * (gl_backward), with PyTorch's semantics: leaf gradients accumulate, saved
 * tensors are dropped after a backward unless retain_graph, and a tensor
 * changed in place after being saved makes backward fail. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static _Thread_local bool grad_enabled = true;
/* Inside a backward sweep: the ops that backward functions run are not
 * checked as forward ops by anomaly mode (their gradients are, in run_sweep). */
static _Thread_local int in_backward = 0;

bool gl_set_grad_enabled(bool enabled)
{
    bool old = grad_enabled;
    grad_enabled = enabled;
    return old;
}

bool gl_is_grad_enabled(void) { return grad_enabled; }

/* ------------------------------------------------------------------ nodes */

static void node_drop_saved(gl_node *n)
{
    if (n->saved)
        for (int i = 0; i < n->ninputs; i++) {
            gl_release(n->saved[i]);
            n->saved[i] = NULL;
        }
    gl_release(n->saved_out);
    n->saved_out = NULL;
}

/* Nodes of ops of up to NODE_SMALL inputs (all but cat) are blocks of one
 * size, sized for NODE_SMALL, kept on a free list (gl_freelist): graph
 * nodes are made and dropped by the thousand in a training loop. */
#define NODE_SMALL 3
static gl_freelist free_nodes;

static size_t node_size(int ninputs)
{
    size_t k = (size_t)ninputs;
    return sizeof(gl_node) + k * (sizeof(bool) + 2 * sizeof(void *) + sizeof(gl_meta) +
                                  sizeof(gl_tensor *) + sizeof(uint32_t)) +
           sizeof(uint32_t) + 64;
}

static gl_node *node_alloc(int ninputs)
{
    return ninputs <= NODE_SMALL ? gl_freelist_get(&free_nodes, node_size(NODE_SMALL))
                                 : calloc(1, node_size(ninputs));
}

static void node_free(gl_node *n)
{
    if (n->ninputs <= NODE_SMALL)
        gl_freelist_put(&free_nodes, n);
    else
        free(n);
}

void gl_node_release(gl_node *n)
{
    /* Iterative: a long chain of nodes (a 100,000-step loop) must not
     * recurse 100,000 deep. Nodes whose count drops to 0 go on a stack. */
    gl_node *stack_small[64], **stack = stack_small;
    size_t top = 0, cap = 64;
    if (!n || --n->refcount > 0)
        return;
    stack[top++] = n;
    while (top > 0) {
        gl_node *m = stack[--top];
        node_drop_saved(m);
        gl_release(m->grad_acc);
        for (int i = 0; i < m->ninputs; i++) {
            gl_release(m->next_leaf[i]);
            gl_node *c = m->next_fn[i];
            if (c && --c->refcount == 0) {
                if (top == cap) {
                    size_t ncap = cap * 2;
                    gl_node **ns = malloc(ncap * sizeof *ns);
                    if (!ns) { /* cannot grow: leak the rest rather than crash */
                        continue;
                    }
                    memcpy(ns, stack, top * sizeof *ns);
                    if (stack != stack_small)
                        free(stack);
                    stack = ns;
                    cap = ncap;
                }
                stack[top++] = c;
            }
        }
        free(m->site);
        node_free(m);
    }
    if (stack != stack_small)
        free(stack);
}

/* One allocation holds the node and its per-input arrays. */
static gl_node *node_new(const gl_op_def *def, int ninputs, const gl_op_args *a)
{
    size_t k = (size_t)ninputs;
    gl_node *n = node_alloc(ninputs);
    if (!n)
        return gl_fail("out of memory: cannot record the graph node of %s", def->name), NULL;
    char *p = (char *)(n + 1);
    /* pointer-aligned arrays first, then the rest */
    n->next_fn = (gl_node **)p; p += k * sizeof(gl_node *);
    n->next_leaf = (gl_tensor **)p; p += k * sizeof(gl_tensor *);
    n->saved = (gl_tensor **)p; p += k * sizeof(gl_tensor *);
    n->in_meta = (gl_meta *)p; p += k * sizeof(gl_meta);
    n->saved_version = (uint32_t *)p; p += (k + 1) * sizeof(uint32_t);
    n->needs = (bool *)p;
    n->refcount = 1;
    n->def = def;
    n->ninputs = ninputs;
    if (a)
        n->args = *a;
    return n;
}

gl_tensor *gl_apply(gl_op op, gl_tensor *const in[], int n, const gl_op_args *a)
{
    const gl_op_def *def = gl_op_table[op];
    /* Ops without arguments (arithmetic, unary, matmul: most calls) share
     * constant zeroed args instead of clearing and copying 160 bytes twice
     * per call (here and into the node, which node_alloc already zeroed);
     * only ninputs differs between them. */
    static const gl_op_args zero_args[NODE_SMALL + 1] = {{.ninputs = 0}, {.ninputs = 1},
                                                         {.ninputs = 2}, {.ninputs = 3}};
    const gl_op_args *own = a; /* what the node copies: NULL leaves its zeroed args */
    gl_op_args args;
    if (a || n > NODE_SMALL) {
        if (a)
            args = *a;
        else
            memset(&args, 0, sizeof args);
        args.ninputs = n;
        a = own = &args;
    } else {
        a = &zero_args[n];
    }
    gl_tensor *out = def->forward(in, a);
    if (!out)
        return NULL;
    char site[256];
    site[0] = '\0';
    if (gl_is_anomaly_enabled() && !in_backward) {
        gl_anomaly_site(site, sizeof site);
        if (gl_anomaly_forward(def->name, in, n, out, site) != 0) {
            gl_release(out);
            return NULL;
        }
    }
    bool any = false;
    for (int i = 0; i < n; i++)
        any = any || in[i]->requires_grad;
    if (!grad_enabled || !any)
        return out;

    gl_node *node = node_new(def, n, own);
    if (!node) {
        gl_release(out);
        return NULL;
    }
    node->args.ninputs = n;
    for (int i = 0; i < n; i++) {
        gl_tensor *x = in[i];
        node->needs[i] = x->requires_grad;
        gl_meta_of(x, &node->in_meta[i]);
        if (x->grad_fn) {
            node->next_fn[i] = x->grad_fn;
            x->grad_fn->refcount++;
        } else if (x->requires_grad) {
            node->next_leaf[i] = gl_retain(x);
        }
        if (def->saves & GL_SAVE_INPUTS) {
            /* x itself: no cycle, since x leads only to older nodes (its
             * grad_fn) and a leaf's .grad never carries a graph (backward
             * and gl_set_grad make it with grad mode off). The output is
             * another matter: see saved_out below. */
            node->saved[i] = gl_retain(x);
            node->saved_version[i] = x->storage->version;
        }
    }
    gl_meta_of(out, &node->out_meta);
    if (site[0])
        node->site = strdup(site); /* NULL if out of memory: only a message loses it */
    if (def->saves & GL_SAVE_OUTPUT) {
        /* an alias, not out itself: out holds this node (its grad_fn), and
         * the alias holds only out's storage, so there is no cycle */
        node->saved_out = gl_alias(out);
        node->saved_version[n] = out->storage->version;
        if (!node->saved_out) {
            gl_node_release(node);
            gl_release(out);
            return NULL;
        }
    }
    out->grad_fn = node;
    out->requires_grad = true;
    return out;
}

/* ---------------------------------------------------- leaves and grads */

int gl_requires_grad_(gl_tensor *t, bool requires_grad)
{
    char b[GL_SHAPE_BUF];
    if (t->grad_fn)
        return gl_fail_status(
            "requires_grad_: only leaf tensors can change requires_grad; this %s tensor was made "
            "by '%s' (use detach() to get a leaf)",
            gl_tshape(t, b), t->grad_fn->def->name);
    if (requires_grad && !gl_is_floating(t->dtype))
        return gl_fail_status("requires_grad_: only float32 and float64 tensors can require "
                              "gradients, not %s",
                              gl_dtype_name(t->dtype));
    t->requires_grad = requires_grad;
    return 0;
}

bool gl_requires_grad(const gl_tensor *t) { return t->requires_grad; }
bool gl_is_leaf(const gl_tensor *t) { return t->grad_fn == NULL; }
gl_tensor *gl_grad(const gl_tensor *t) { return t->grad; }
const char *gl_grad_fn_name(const gl_tensor *t) { return t->grad_fn ? t->grad_fn->def->name : NULL; }

int gl_set_grad(gl_tensor *t, const gl_tensor *grad)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (grad && !gl_same_shape(t->shape, t->ndim, grad->shape, grad->ndim))
        return gl_fail_status("grad: a gradient of shape %s does not fit a tensor of shape %s",
                              gl_tshape(grad, b1), gl_tshape(t, b2));
    /* a copy: the next backward accumulates into t's grad in place, and
     * that must not change the caller's tensor. Made with grad mode off: a
     * graph on it could hold t itself (t.grad = f(t)), a cycle never freed. */
    gl_tensor *g = NULL, *cast = NULL;
    if (grad) {
        bool prev = gl_set_grad_enabled(false);
        cast = gl_to_dtype(grad, t->dtype);
        g = cast ? gl_clone(cast) : NULL;
        gl_release(cast);
        gl_set_grad_enabled(prev);
        if (!g)
            return -1;
    }
    gl_release(t->grad);
    t->grad = g;
    return 0;
}

/* ------------------------------------------------------------ backward */

gl_tensor *gl_sum_to(const gl_tensor *g, const gl_meta *m)
{
    gl_tensor *cur = gl_retain((gl_tensor *)g);
    while (cur && cur->ndim > m->ndim) {
        gl_tensor *s = gl_sum(cur, 0, false);
        gl_release(cur);
        cur = s;
    }
    for (int d = 0; cur && d < m->ndim; d++) {
        if (m->shape[d] == 1 && cur->shape[d] != 1) {
            gl_tensor *s = gl_sum(cur, d, true);
            gl_release(cur);
            cur = s;
        }
    }
    if (cur && cur->dtype != m->dtype) {
        gl_tensor *c = gl_to_dtype(cur, m->dtype);
        gl_release(cur);
        cur = c;
    }
    return cur;
}

/* acc += g, where *acc may be NULL (then it becomes g). */
static int accumulate(gl_tensor **acc, gl_tensor *g)
{
    if (!*acc) {
        *acc = gl_retain(g);
        return 0;
    }
    gl_tensor *s = gl_add(*acc, g);
    if (!s)
        return -1;
    gl_release(*acc);
    *acc = s;
    return 0;
}

static int accumulate_leaf(gl_tensor *leaf, gl_tensor *g)
{
    if (!leaf->grad) {
        /* own a contiguous copy: g may be shared with other nodes' views */
        leaf->grad = gl_clone(g);
        return leaf->grad ? 0 : -1;
    }
    return gl_add_(leaf->grad, g, 1.0);
}

/* A list that starts in its own inline array, so the sweep over a small
 * graph allocates nothing; list_init before use, list_free after. */
#define LIST_INLINE 32
typedef struct {
    gl_node **items;
    size_t n, cap;
    gl_node *inline_items[LIST_INLINE];
} node_list;

static void list_init(node_list *l)
{
    l->items = l->inline_items;
    l->n = 0;
    l->cap = LIST_INLINE;
}

static void list_free(node_list *l)
{
    if (l->items != l->inline_items)
        free(l->items);
}

static int list_push(node_list *l, gl_node *n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap * 2;
        gl_node **items = malloc(cap * sizeof *items);
        if (!items)
            return gl_fail_status("out of memory during backward");
        memcpy(items, l->items, l->n * sizeof *items);
        list_free(l);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = n;
    return 0;
}

/* Every node reachable from root, each once (iterative DFS). */
static int collect(gl_node *root, node_list *all)
{
    static int sweep = 0;
    int mark = ++sweep;
    node_list stack;
    list_init(&stack);
    int rc = list_push(&stack, root);
    root->visit_mark = mark;
    while (rc == 0 && stack.n > 0) {
        gl_node *n = stack.items[--stack.n];
        rc = list_push(all, n);
        n->pending = 0;
        for (int i = 0; rc == 0 && i < n->ninputs; i++) {
            gl_node *c = n->next_fn[i];
            if (c && c->visit_mark != mark) {
                c->visit_mark = mark;
                rc = list_push(&stack, c);
            }
        }
    }
    list_free(&stack);
    return rc;
}

/* Fails, before any gradient moves, if a node's saved tensors are gone or
 * were changed in place since they were saved. */
static int check_saved(const node_list *all)
{
    for (size_t k = 0; k < all->n; k++) {
        gl_node *n = all->items[k];
        if (n->released && n->def->saves)
            return gl_fail_status(
                "backward: trying to go back through the graph a second time: the tensors that "
                "'%s' saved were freed by the first backward; pass retain_graph = true to the "
                "first backward if you need to go back again",
                n->def->name);
        for (int i = 0; i <= n->ninputs; i++) {
            gl_tensor *s = i < n->ninputs ? n->saved[i] : n->saved_out;
            if (s && s->storage->version != n->saved_version[i]) {
                char b[GL_SHAPE_BUF];
                return gl_fail_status(
                    "backward: %s tensor of shape %s that '%s' saved for its gradient was "
                    "modified by an in-place operation (version %u, saved at %u); clone it "
                    "before changing it",
                    i < n->ninputs ? "an input" : "the result", gl_tshape(s, b), n->def->name,
                    s->storage->version, n->saved_version[i]);
            }
        }
    }
    return 0;
}

static int run_sweep(gl_node *root, gl_tensor *seed, bool retain_graph)
{
    node_list all, ready;
    list_init(&all);
    list_init(&ready);
    bool anomaly = gl_is_anomaly_enabled();
    in_backward++;
    int rc = collect(root, &all);
    if (rc == 0)
        rc = check_saved(&all);
    for (size_t k = 0; rc == 0 && k < all.n; k++)
        for (int i = 0; i < all.items[k]->ninputs; i++)
            if (all.items[k]->next_fn[i])
                all.items[k]->next_fn[i]->pending++;
    if (rc == 0) {
        root->grad_acc = gl_retain(seed);
        rc = list_push(&ready, root);
    }
    while (rc == 0 && ready.n > 0) {
        if (gl_interrupted) {
            rc = gl_fail_status("interrupted");
            break;
        }
        gl_node *n = ready.items[--ready.n];
        gl_tensor *gin[n->ninputs > 0 ? n->ninputs : 1];
        memset(gin, 0, sizeof gin);
        rc = n->def->backward(n, n->grad_acc, gin);
        for (int i = 0; i < n->ninputs; i++) {
            if (!gin[i])
                continue;
            if (rc == 0 && n->needs[i]) {
                gl_tensor *g = gl_sum_to(gin[i], &n->in_meta[i]);
                if (!g)
                    rc = -1;
                else if (anomaly && gl_anomaly_backward(n, i, n->grad_acc, g) != 0)
                    rc = -1;
                else if (n->next_fn[i]) {
                    gl_node *c = n->next_fn[i];
                    bool summed = c->grad_acc != NULL;
                    rc = accumulate(&c->grad_acc, g);
                    if (rc == 0 && anomaly && summed)
                        rc = gl_anomaly_sum(c, NULL, c->grad_acc);
                    if (rc == 0 && --c->pending == 0)
                        rc = list_push(&ready, c);
                } else if (n->next_leaf[i]) {
                    gl_tensor *leaf = n->next_leaf[i];
                    bool check = anomaly && leaf->grad && !gl_nonfinite(leaf->grad);
                    rc = accumulate_leaf(leaf, g);
                    if (rc == 0 && check)
                        rc = gl_anomaly_sum(NULL, leaf, leaf->grad);
                }
                gl_release(g);
            }
            gl_release(gin[i]);
        }
        if (rc == 0 && !retain_graph) {
            node_drop_saved(n);
            n->released = true;
        }
    }
    for (size_t k = 0; k < all.n; k++) {
        gl_release(all.items[k]->grad_acc);
        all.items[k]->grad_acc = NULL;
    }
    list_free(&all);
    list_free(&ready);
    in_backward--;
    return rc;
}

int gl_backward(gl_tensor *t, const gl_tensor *gradient, bool retain_graph)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (!t->requires_grad)
        return gl_fail_status("backward: this %s tensor does not require grad and has no grad_fn "
                              "(no tensor it was made from has requires_grad = true)",
                              gl_tshape(t, b1));
    gl_tensor *seed;
    if (!gradient) {
        if (gl_numel(t) != 1)
            return gl_fail_status(
                "backward: grad can be implicitly created only for scalar outputs; this output "
                "has shape %s, so pass a gradient of that shape (the vector of the "
                "vector-Jacobian product)",
                gl_tshape(t, b1));
        seed = gl_ones(t->shape, t->ndim, t->dtype);
    } else {
        if (!gl_same_shape(t->shape, t->ndim, gradient->shape, gradient->ndim))
            return gl_fail_status("backward: the gradient has shape %s but the output has shape "
                                  "%s; they must match",
                                  gl_tshape(gradient, b1), gl_tshape(t, b2));
        seed = gl_to_dtype(gradient, t->dtype);
    }
    if (!seed)
        return -1;
    bool old = gl_set_grad_enabled(false);
    int rc = t->grad_fn ? run_sweep(t->grad_fn, seed, retain_graph) : accumulate_leaf(t, seed);
    gl_set_grad_enabled(old);
    gl_release(seed);
    return rc;
}
