/* test_optim.c — gl_sgd_step and gl_adam_step against numbers worked out from
 * torch.optim's formulas (PyTorch 1.13) for three steps, in float64 and
 * float32; strided parameters, grad mode, version bumps and error texts.
 *
 * Every case starts from p0 = [1, -2, 0.5] and takes the gradients
 *   g1 = [0.5, -1, 2],  g2 = [0.25, 0.5, -1.5],  g3 = [-0.75, 1, 0.1].
 * The expected values were computed with those formulas in double precision
 * (float64), and for float32 with every intermediate result rounded to
 * float32 and every hyperparameter converted to float32, which is what torch's
 * float32 tensor ops do. */
#include "test.h"

static const double p0[3] = {1.0, -2.0, 0.5};
static const double grads[3][3] = {{0.5, -1.0, 2.0}, {0.25, 0.5, -1.5}, {-0.75, 1.0, 0.1}};

typedef struct {
    double lr, momentum, dampening, weight_decay;
    bool nesterov;
} sgd_hp;

/* Three SGD steps; p after step k must be expect[k]. */
static void check_sgd(gl_dtype dt, const sgd_hp *h, const double expect[3][3],
                      const double *expect_buf, double tol)
{
    gl_tensor *p = test_tensor(dt, 1, (int64_t[]){3}, p0, 3);
    gl_tensor *buf = gl_zeros((int64_t[]){3}, 1, dt);
    gl_requires_grad_(p, true); /* a parameter: a leaf that requires grad, in grad mode */
    for (int k = 0; k < 3; k++) {
        gl_tensor *g = test_tensor(dt, 1, (int64_t[]){3}, grads[k], 3);
        int rc = gl_sgd_step(p, g, h->momentum != 0 ? buf : NULL, h->lr, h->momentum,
                             h->dampening, h->weight_decay, h->nesterov, k == 0);
        if (rc != 0)
            fail_msg("sgd_step: %s", gl_error());
        assert_tensor_near(p, 1, (int64_t[]){3}, expect[k], tol);
        gl_release(g);
    }
    if (expect_buf)
        assert_tensor_near(buf, 1, (int64_t[]){3}, expect_buf, tol);
    assert_null(gl_grad_fn_name(p)); /* not recorded */
    gl_release(buf);
    gl_release(p);
}

/* Plain SGD with weight decay: d = g + wd*p; p = p - lr*d.
 *   step 1: d = [0.5+0.1, -1-0.2, 2+0.05] = [0.6, -1.2, 2.05]
 *           p = [1-0.06, -2+0.12, 0.5-0.205] = [0.94, -1.88, 0.295]
 *   steps 2, 3 likewise. */
static void optim_sgd_plain(void **state)
{
    (void)state;
    sgd_hp h = {0.1, 0, 0, 0.1, false};
    const double f64[3][3] = {
        {0.93999999999999995, -1.8799999999999999, 0.29500000000000004},
        {0.90559999999999996, -1.9111999999999998, 0.44205000000000005},
        {0.97154399999999996, -1.9920879999999999, 0.42762950000000005},
    };
    const double f32[3][3] = {
        {0.93999999761581421, -1.8799999952316284, 0.29500001668930054},
        {0.90560001134872437, -1.9112000465393066, 0.44205003976821899},
        {0.97154402732849121, -1.9920880794525146, 0.42762953042984009},
    };
    check_sgd(GL_FLOAT64, &h, f64, NULL, 1e-15);
    check_sgd(GL_FLOAT32, &h, f32, NULL, 1e-7);
}

/* Momentum with dampening and weight decay (lr 0.1, momentum 0.9,
 * dampening 0.1, weight_decay 0.01):
 *   d = g + 0.01*p
 *   b = d on step 1, then b = 0.9*b + (1-0.1)*d
 *   p = p - 0.1*b
 *   step 1: d = b = [0.51, -1.02, 2.005], p = [0.949, -1.898, 0.2995]
 *   step 2: d = [0.25949, 0.48102, -1.497005]
 *           b = 0.9*[0.51, -1.02, 2.005] + 0.9*d = [0.692541, -0.485082, 0.4571955]
 *           p = [0.8797459, -1.8494918, 0.25378045] */
static void optim_sgd_momentum(void **state)
{
    (void)state;
    sgd_hp h = {0.1, 0.9, 0.1, 0.01, false};
    const double f64[3][3] = {
        {0.94899999999999995, -1.8979999999999999, 0.29949999999999999},
        {0.87974589999999997, -1.8494918, 0.25378044999999999},
        {0.88412543868999993, -1.89416987738, 0.20340445259499998},
    };
    const double f64_buf[3] = {-0.043795386899999955, 0.44678077380000003, 0.50375997405000006};
    const double f32[3][3] = {
        {0.94900000095367432, -1.8980000019073486, 0.2994999885559082},
        {0.87974590063095093, -1.8494918346405029, 0.25378042459487915},
        {0.88412541151046753, -1.8941699266433716, 0.20340441167354584},
    };
    const double f32_buf[3] = {-0.043795347213745117, 0.4467807412147522, 0.50376009941101074};
    check_sgd(GL_FLOAT64, &h, f64, f64_buf, 1e-15);
    check_sgd(GL_FLOAT32, &h, f32, f32_buf, 1e-7);
}

/* Nesterov (lr 0.05, momentum 0.9, no dampening, no weight decay):
 *   b = g on step 1, then b = 0.9*b + g;  d = g + 0.9*b;  p = p - 0.05*d
 *   step 1: b = [0.5, -1, 2], d = [0.95, -1.9, 3.8], p = [0.9525, -1.905, 0.31]
 *   step 2: b = [0.7, -0.4, 0.3], d = [0.88, 0.14, -1.23], p = [0.9085, -1.912, 0.3715]
 *   step 3: b = [-0.12, 0.64, 0.37], d = [-0.858, 1.576, 0.433], p = [0.9514, -1.9908, 0.34985] */
static void optim_sgd_nesterov(void **state)
{
    (void)state;
    sgd_hp h = {0.05, 0.9, 0, 0, true};
    const double f64[3][3] = {
        {0.95250000000000001, -1.905, 0.31},
        {0.90849999999999997, -1.9119999999999999, 0.3715},
        {0.95140000000000002, -1.9907999999999999, 0.34984999999999999},
    };
    const double f64_buf[3] = {-0.12, 0.6399999999999999, 0.37000000000000011};
    const double f32[3][3] = {
        {0.95249998569488525, -1.9049999713897705, 0.31000000238418579},
        {0.90849995613098145, -1.9119999408721924, 0.37150001525878906},
        {0.95139998197555542, -1.9907999038696289, 0.34985002875328064},
    };
    const double f32_buf[3] = {-0.12000000476837158, 0.64000004529953003, 0.36999994516372681};
    check_sgd(GL_FLOAT64, &h, f64, f64_buf, 1e-15);
    check_sgd(GL_FLOAT32, &h, f32, f32_buf, 1e-7);
}

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
} adam_hp;

static void check_adam(gl_dtype dt, const adam_hp *h, const double expect[3][3],
                       const double *expect_m, const double *expect_v, double tol)
{
    gl_tensor *p = test_tensor(dt, 1, (int64_t[]){3}, p0, 3);
    gl_tensor *m = gl_zeros((int64_t[]){3}, 1, dt), *v = gl_zeros((int64_t[]){3}, 1, dt);
    gl_requires_grad_(p, true);
    for (int k = 0; k < 3; k++) {
        gl_tensor *g = test_tensor(dt, 1, (int64_t[]){3}, grads[k], 3);
        if (gl_adam_step(p, g, m, v, k + 1, h->lr, h->beta1, h->beta2, h->eps, h->weight_decay))
            fail_msg("adam_step: %s", gl_error());
        assert_tensor_near(p, 1, (int64_t[]){3}, expect[k], tol);
        gl_release(g);
    }
    assert_tensor_near(m, 1, (int64_t[]){3}, expect_m, tol);
    assert_tensor_near(v, 1, (int64_t[]){3}, expect_v, tol);
    gl_release(v);
    gl_release(m);
    gl_release(p);
}

/* Adam (lr 0.01, betas (0.9, 0.999), eps 1e-8), step t = 1, 2, 3:
 *   g = g + weight_decay * p
 *   m = 0.9*m + 0.1*g;  v = 0.999*v + 0.001*g*g
 *   bc1 = 1 - 0.9^t;  bc2 = 1 - 0.999^t
 *   denom = sqrt(v) / sqrt(bc2) + eps        (eps outside the bias correction)
 *   p = p - (lr / bc1) * m / denom
 * Step 1 without weight decay: m = 0.1*g, v = 0.001*g^2, so
 * denom = |g| + 1e-8 and p = p - 0.01 * g / (|g| + 1e-8):
 *   p = [1 - 0.01*0.5/0.50000001, ...] = [0.9900000002, -1.9900000001, 0.49000000005]. */
static void optim_adam(void **state)
{
    (void)state;
    adam_hp h = {0.01, 0.9, 0.999, 1e-8, 0};
    const double f64[3][3] = {
        {0.99000000020000001, -1.9900000001, 0.49000000005},
        {0.98067820404774619, -1.9873366297370902, 0.48910674998100023},
        {0.9814979720110778, -1.9900635976150691, 0.48816128725354796},
    };
    const double f64_m[3] = {-0.011999999999999997, 0.063999999999999974, 0.036999999999999998};
    const double f64_v[3] = {0.00087443775000000073, 0.0022477510000000018,
                             0.0062497540000000058};
    const double f32[3][3] = {
        {0.99000000953674316, -1.9900000095367432, 0.49000000953674316},
        {0.98067820072174072, -1.9873366355895996, 0.48910677433013916},
        {0.98149794340133667, -1.9900635480880737, 0.48816132545471191},
    };
    const double f32_m[3] = {-0.012000001966953278, 0.06400001049041748, 0.036999989300966263};
    const double f32_v[3] = {0.00087443774100393057, 0.0022477512247860432, 0.006249754223972559};
    check_adam(GL_FLOAT64, &h, f64, f64_m, f64_v, 1e-15);
    check_adam(GL_FLOAT32, &h, f32, f32_m, f32_v, 1e-7);
}

/* The same with weight_decay 0.1 (L2: added to the gradient). Step 1:
 * g = [0.5+0.1, -1-0.2, 2+0.05] = [0.6, -1.2, 2.05], so again p moves by
 * 0.01 * g / (|g| + 1e-8): [0.99000000016666667, -1.9900000000833333, ...]. */
static void optim_adam_weight_decay(void **state)
{
    (void)state;
    adam_hp h = {0.01, 0.9, 0.999, 1e-8, 0.1};
    const double f64[3][3] = {
        {0.99000000016666667, -1.9900000000833333, 0.49000000004878047},
        {0.98046582751904499, -1.985312258721214, 0.48883224622256999},
        {0.97947156513435951, -1.9857475144524848, 0.48755281866892414},
    };
    const double f64_m[3] = {0.014814658276690443, 0.010036877412037848, 0.050348322462664692};
    const double f64_v[3] = {0.0009060028172730918, 0.0021699840348970347,
                             0.0063195610160597833};
    const double f32[3][3] = {
        {0.99000000953674316, -1.9900000095367432, 0.49000000953674316},
        {0.98046582937240601, -1.9853122234344482, 0.4888322651386261},
        {0.97947156429290771, -1.9857474565505981, 0.48755285143852234},
    };
    const double f32_m[3] = {0.014814652502536774, 0.010036878287792206, 0.050348319113254547};
    const double f32_v[3] = {0.00090600288240239024, 0.0021699843928217888,
                             0.0063195610418915749};
    check_adam(GL_FLOAT64, &h, f64, f64_m, f64_v, 1e-15);
    check_adam(GL_FLOAT32, &h, f32, f32_m, f32_v, 1e-7);
}

/* A strided parameter and gradient (transposed views) step exactly like
 * contiguous ones, and only the viewed elements change. */
static void optim_strided_param(void **state)
{
    (void)state;
    gl_manual_seed(3);
    for (int opt = 0; opt < 2; opt++) {
        gl_tensor *base = test_randn(GL_FLOAT64, 2, (int64_t[]){4, 3}, false);
        gl_tensor *gbase = test_randn(GL_FLOAT64, 2, (int64_t[]){4, 3}, false);
        gl_tensor *pt = gl_transpose(base, 0, 1); /* (3,4), strided */
        gl_tensor *gt = gl_transpose(gbase, 0, 1);
        gl_tensor *pc = gl_clone(pt), *gc = gl_clone(gt); /* contiguous copies */
        gl_tensor *s1[2], *s2[2];
        for (int k = 0; k < 2; k++) {
            s1[k] = gl_zeros((int64_t[]){3, 4}, 2, GL_FLOAT64);
            s2[k] = gl_zeros((int64_t[]){3, 4}, 2, GL_FLOAT64);
        }
        for (int step = 1; step <= 3; step++) {
            if (opt == 0) {
                assert_int_equal(gl_sgd_step(pt, gt, s1[0], 0.1, 0.9, 0, 0.01, true, step == 1), 0);
                assert_int_equal(gl_sgd_step(pc, gc, s1[1], 0.1, 0.9, 0, 0.01, true, step == 1), 0);
            } else {
                assert_int_equal(gl_adam_step(pt, gt, s1[0], s2[0], step, 0.01, 0.9, 0.999, 1e-8, 0.1), 0);
                assert_int_equal(gl_adam_step(pc, gc, s1[1], s2[1], step, 0.01, 0.9, 0.999, 1e-8, 0.1), 0);
            }
        }
        double want[12];
        gl_copy_to_doubles(pc, want);
        assert_tensor_near(pt, 2, (int64_t[]){3, 4}, want, 0);
        for (int k = 0; k < 2; k++) {
            gl_release(s1[k]);
            gl_release(s2[k]);
        }
        gl_release(gc);
        gl_release(pc);
        gl_release(gt);
        gl_release(pt);
        gl_release(gbase);
        gl_release(base);
    }
}

/* A step changes p in place: a graph that saved p fails to go back. */
static void optim_bumps_version(void **state)
{
    (void)state;
    for (int opt = 0; opt < 2; opt++) {
        gl_tensor *p = T(GL_FLOAT32, SHAPE(3), 1, 2, 3);
        gl_tensor *g = T(GL_FLOAT32, SHAPE(3), 1, 1, 1);
        gl_tensor *m = gl_zeros((int64_t[]){3}, 1, GL_FLOAT32), *v = gl_zeros((int64_t[]){3}, 1, GL_FLOAT32);
        gl_requires_grad_(p, true);
        gl_tensor *y = gl_max(p, GL_ALL_DIMS, false, NULL); /* saves p */
        int rc = opt == 0 ? gl_sgd_step(p, g, NULL, 0.1, 0, 0, 0, false, true)
                          : gl_adam_step(p, g, m, v, 1, 0.1, 0.9, 0.999, 1e-8, 0);
        assert_int_equal(rc, 0);
        assert_int_equal(gl_backward(y, NULL, false), -1);
        assert_non_null(strstr(gl_error(), "that 'max' saved for its gradient was modified by an "
                                           "in-place operation (version 1, saved at 0)"));
        gl_release(y);
        gl_release(v);
        gl_release(m);
        gl_release(g);
        gl_release(p);
    }
}

static void optim_errors(void **state)
{
    (void)state;
    gl_tensor *p = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *g = T(GL_FLOAT32, SHAPE(2, 3), 1, 1, 1, 1, 1, 1);
    gl_tensor *g3 = T(GL_FLOAT32, SHAPE(3), 1, 1, 1);
    gl_tensor *g64 = T(GL_FLOAT64, SHAPE(2, 3), 1, 1, 1, 1, 1, 1);
    gl_tensor *b = gl_zeros((int64_t[]){2, 3}, 2, GL_FLOAT32);
    gl_tensor *b64 = gl_zeros((int64_t[]){2, 3}, 2, GL_FLOAT64);
    gl_tensor *b3 = gl_zeros((int64_t[]){3}, 1, GL_FLOAT32);
    gl_tensor *bt0 = gl_zeros((int64_t[]){3, 2}, 2, GL_FLOAT32);
    gl_tensor *bt = gl_transpose(bt0, 0, 1); /* (2,3), not contiguous */
    gl_tensor *pi = T(GL_INT64, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);

    assert_int_equal(gl_sgd_step(p, g3, b, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: the gradient has shape (3) but the parameter has shape (2,3)");
    assert_int_equal(gl_sgd_step(p, g64, b, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: the gradient is float64 but the parameter is float32");
    assert_int_equal(gl_sgd_step(p, NULL, b, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: the parameter of shape (2,3) has no gradient (run backward first)");
    assert_int_equal(gl_sgd_step(pi, g, b, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: the parameter is int64; only float32 and float64 parameters can be "
                 "optimized");
    assert_int_equal(gl_sgd_step(p, g, NULL, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: momentum_buf is missing (make it with gl_zeros like the parameter)");
    assert_int_equal(gl_sgd_step(p, g, b3, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: momentum_buf has shape (3) but the parameter has shape (2,3)");
    assert_int_equal(gl_sgd_step(p, g, b64, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: momentum_buf is float64 but the parameter is float32");
    assert_int_equal(gl_sgd_step(p, g, bt, 0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: momentum_buf of shape (2,3) must be contiguous");
    assert_int_equal(gl_sgd_step(p, g, b, -0.1, 0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: invalid learning rate -0.1 (it must be >= 0)");
    assert_int_equal(gl_sgd_step(p, g, b, 0.1, -0.9, 0, 0, false, true), -1);
    assert_error("sgd_step: invalid momentum value -0.9 (it must be >= 0)");
    assert_int_equal(gl_sgd_step(p, g, b, 0.1, 0.9, 0, -1, false, true), -1);
    assert_error("sgd_step: invalid weight_decay value -1 (it must be >= 0)");
    assert_int_equal(gl_sgd_step(p, g, b, 0.1, 0.9, 0.5, 0, true, true), -1);
    assert_error("sgd_step: Nesterov momentum requires a momentum and zero dampening (momentum "
                 "0.9, dampening 0.5)");
    assert_int_equal(gl_sgd_step(p, g, NULL, 0.1, 0, 0, 0, true, true), -1);
    assert_error("sgd_step: Nesterov momentum requires a momentum and zero dampening (momentum "
                 "0, dampening 0)");

    gl_tensor *v = gl_zeros((int64_t[]){2, 3}, 2, GL_FLOAT32);
    assert_int_equal(gl_adam_step(p, g, b, v, 0, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: step counts from 1, got 0");
    assert_int_equal(gl_adam_step(p, g, b3, v, 1, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: exp_avg has shape (3) but the parameter has shape (2,3)");
    assert_int_equal(gl_adam_step(p, g, b, b64, 1, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: exp_avg_sq is float64 but the parameter is float32");
    assert_int_equal(gl_adam_step(p, g, b, bt, 1, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: exp_avg_sq of shape (2,3) must be contiguous");
    assert_int_equal(gl_adam_step(p, g, b, NULL, 1, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: exp_avg_sq is missing (make it with gl_zeros like the parameter)");
    assert_int_equal(gl_adam_step(p, g3, b, v, 1, 0.01, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: the gradient has shape (3) but the parameter has shape (2,3)");
    assert_int_equal(gl_adam_step(p, g, b, v, 1, 0.01, 1.0, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: invalid beta parameter at index 0: 1 (it must be in [0, 1))");
    assert_int_equal(gl_adam_step(p, g, b, v, 1, 0.01, 0.9, -0.5, 1e-8, 0), -1);
    assert_error("adam_step: invalid beta parameter at index 1: -0.5 (it must be in [0, 1))");
    assert_int_equal(gl_adam_step(p, g, b, v, 1, 0.01, 0.9, 0.999, -1e-8, 0), -1);
    assert_error("adam_step: invalid epsilon value -1e-08 (it must be >= 0)");
    assert_int_equal(gl_adam_step(p, g, b, v, 1, NAN, 0.9, 0.999, 1e-8, 0), -1);
    assert_error("adam_step: invalid learning rate nan (it must be >= 0)");
    assert_int_equal(gl_adam_step(p, g, b, v, 1, 0.01, 0.9, 0.999, 1e-8, -0.1), -1);
    assert_error("adam_step: invalid weight_decay value -0.1 (it must be >= 0)");

    /* nothing changed by the failed calls */
    assert_values(p, 0, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    assert_values(b, 0, SHAPE(2, 3), 0, 0, 0, 0, 0, 0);
    assert_values(v, 0, SHAPE(2, 3), 0, 0, 0, 0, 0, 0);

    gl_release(v);
    gl_release(pi);
    gl_release(bt);
    gl_release(bt0);
    gl_release(b3);
    gl_release(b64);
    gl_release(b);
    gl_release(g64);
    gl_release(g3);
    gl_release(g);
    gl_release(p);
}

/* A bigger contiguous float32 parameter (the vectorized loops) agrees with
 * the same step taken one element at a time through 1-element views. */
static void optim_contiguous_matches_elementwise(void **state)
{
    (void)state;
    gl_manual_seed(5);
    const int64_t n = 1003;
    for (int opt = 0; opt < 2; opt++) {
        gl_tensor *p = test_randn(GL_FLOAT32, 1, &n, false);
        gl_tensor *q = gl_clone(p);
        gl_tensor *g = test_randn(GL_FLOAT32, 1, &n, false);
        gl_tensor *a1 = gl_zeros(&n, 1, GL_FLOAT32), *a2 = gl_zeros(&n, 1, GL_FLOAT32);
        gl_tensor *c1 = gl_zeros(&n, 1, GL_FLOAT32), *c2 = gl_zeros(&n, 1, GL_FLOAT32);
        for (int step = 1; step <= 2; step++) {
            if (opt == 0)
                assert_int_equal(gl_sgd_step(p, g, a1, 0.1, 0.9, 0.1, 0.01, false, step == 1), 0);
            else
                assert_int_equal(gl_adam_step(p, g, a1, a2, step, 0.01, 0.9, 0.999, 1e-8, 0.01), 0);
            for (int64_t i = 0; i < n; i++) {
                gl_tensor *qi = gl_slice(q, 0, i, i + 1, 1), *gi = gl_slice(g, 0, i, i + 1, 1);
                gl_tensor *ci = gl_slice(c1, 0, i, i + 1, 1), *di = gl_slice(c2, 0, i, i + 1, 1);
                if (opt == 0)
                    assert_int_equal(gl_sgd_step(qi, gi, ci, 0.1, 0.9, 0.1, 0.01, false, step == 1), 0);
                else
                    assert_int_equal(gl_adam_step(qi, gi, ci, di, step, 0.01, 0.9, 0.999, 1e-8, 0.01), 0);
                gl_release(di);
                gl_release(ci);
                gl_release(gi);
                gl_release(qi);
            }
        }
        double *want = malloc(sizeof(double) * n);
        gl_copy_to_doubles(q, want);
        assert_tensor_near(p, 1, &n, want, 0);
        free(want);
        gl_release(c2);
        gl_release(c1);
        gl_release(a2);
        gl_release(a1);
        gl_release(g);
        gl_release(q);
        gl_release(p);
    }
}

TEST_GROUP(optim,
           cmocka_unit_test(optim_sgd_plain),
           cmocka_unit_test(optim_sgd_momentum),
           cmocka_unit_test(optim_sgd_nesterov),
           cmocka_unit_test(optim_adam),
           cmocka_unit_test(optim_adam_weight_decay),
           cmocka_unit_test(optim_strided_param),
           cmocka_unit_test(optim_bumps_version),
           cmocka_unit_test(optim_errors),
           cmocka_unit_test(optim_contiguous_matches_elementwise));
