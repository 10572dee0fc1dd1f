/* json.h — a small JSON reader for the engine tests: enough for the files
 * that the scripts in tests/golden/ write (objects, arrays, numbers, strings, true,
 * false, null, and Python's NaN / Infinity / -Infinity).
 *
 * json_load finds a repo-relative path from wherever the test binary runs:
 * $GRADLAB_ROOT, the current directory and its parents, and the directories
 * above the binary (build/tests/test_engine -> the repo root). */
#ifndef GL_TEST_JSON_H
#define GL_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json {
    json_type type;
    bool boolean;
    double number;
    bool is_int;   /* a number written without '.', 'e' or 'E' that fits int64 */
    int64_t integer;
    char *string;  /* JSON_STRING */
    size_t n;      /* entries of an array or object */
    struct json **items;
    char **keys;   /* JSON_OBJECT: keys[i] names items[i] */
} json;

/* NULL on a syntax error, with the position and reason in err. */
json *json_parse(const char *text, char *err, size_t errn);
void json_free(json *j); /* NULL is allowed */

/* The member named key, or NULL (also when obj is not an object). */
const json *json_get(const json *obj, const char *key);
/* Entry i of an array, or NULL. */
const json *json_at(const json *arr, size_t i);
size_t json_len(const json *arr);
/* Convenience: the number, or dflt when j is NULL or not a number. */
double json_num(const json *j, double dflt);
/* The string, or NULL. */
const char *json_str(const json *j);

/* A tensor of dtype dt from a JSON array of numbers (or true/false) in
 * row-major order and a JSON array of dims; int64 values are read exactly
 * (not through double). NULL with the reason in why. */
struct gl_tensor;
struct gl_tensor *json_tensor(const json *values, const json *shape, int dtype, char *why,
                              size_t whyn);

/* Reads and parses repo-relative path (e.g. "tests/golden/golden.json"); NULL
 * with the reason in err when the file can't be found, read or parsed. */
json *json_load(const char *relpath, char *err, size_t errn);

#endif
