/* ops.c — the op table: one row per op, defined in the file of its forward
 * and backward (gl_def_<name>), gathered here in enum order. */
#include "internal.h"

#define OP_DEFS(X)                                                                           \
    X(RESHAPE, reshape) X(PERMUTE, permute) X(SLICE, slice) X(SELECT, select)                \
    X(EXPAND, expand) X(CONTIGUOUS, contiguous) X(TO_DTYPE, to_dtype)                        \
    X(ADD, add) X(SUB, sub) X(MUL, mul) X(DIV, div) X(POW, pow)                              \
    X(NEG, neg) X(EXP, exp) X(LOG, log) X(SQRT, sqrt) X(ABS, abs) X(SIN, sin) X(COS, cos)    \
    X(TANH, tanh) X(SIGMOID, sigmoid) X(RELU, relu) X(SQUARE, square)                        \
    X(WHERE, where) X(MASKED_FILL, masked_fill)                                              \
    X(SUM, sum) X(MEAN, mean) X(MAX, max) X(MIN, min)                                        \
    X(MATMUL, matmul) X(LINEAR, linear) X(SOFTMAX, softmax) X(LOG_SOFTMAX, log_softmax)      \
    X(CAT, cat)                                                                              \
    X(MSE_LOSS, mse_loss) X(BCE_LOSS, bce_loss) X(NLL_LOSS, nll_loss)                        \
    X(SOFT_CROSS_ENTROPY, soft_cross_entropy)

#define DECLARE(E, name) extern const gl_op_def gl_def_##name;
OP_DEFS(DECLARE)

#define ROW(E, name) [GL_OP_##E] = &gl_def_##name,
const gl_op_def *const gl_op_table[GL_OP_COUNT] = {OP_DEFS(ROW)};

/* Every enum value has a row: count the X-macro's entries. */
#define ONE(E, name) +1
static_assert(0 OP_DEFS(ONE) == GL_OP_COUNT, "op table must cover every gl_op");
