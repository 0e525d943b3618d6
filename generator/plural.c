#include "plural.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Deep enough for every real rule (Arabic nests five ?:), shallow enough
 * that the recursive compiler and evaluator never threaten the stack. */
#define MAX_DEPTH 64
/* Bounds the evaluator's recursion, also for long flat chains (n+n+...). */
#define MAX_HEIGHT 256
#define MAX_NPLURALS 100

typedef enum {
    OP_VAR, OP_NUM, OP_NOT,
    OP_MUL, OP_DIV, OP_MOD, OP_ADD, OP_SUB,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_AND, OP_OR, OP_COND
} op_t;

typedef struct {
    op_t op;
    int a, b, c;       /* operand node indices */
    unsigned long num; /* OP_NUM */
    int height;        /* of the subtree rooted here */
} node_t;

struct plural {
    node_t *nodes; /* owned; the root is nodes[root] */
    size_t len, cap;
    int root;
    int nplurals;
};

/* The compiler's state: the text still to read and the first error. */
typedef struct {
    const char *s;
    plural_t *p;
    int depth;
    const char *err;
} parser_t;

static void skip_space(parser_t *ps)
{
    while (*ps->s == ' ' || *ps->s == '\t' || *ps->s == '\n' || *ps->s == '\r')
        ps->s++;
}

static int fail(parser_t *ps, const char *err)
{
    if (!ps->err)
        ps->err = err;
    return -1;
}

static int add_node(parser_t *ps, op_t op, int a, int b, int c, unsigned long num)
{
    plural_t *p = ps->p;
    int height = 0;
    const int kids[3] = {a, b, c};
    for (int k = 0; k < 3; k++)
        if (kids[k] >= 0 && p->nodes[kids[k]].height > height)
            height = p->nodes[kids[k]].height;
    if (++height > MAX_HEIGHT)
        return fail(ps, "plural expression too long");
    xgrow((void **)&p->nodes, &p->cap, p->len + 1, sizeof *p->nodes);
    p->nodes[p->len] = (node_t){op, a, b, c, num, height};
    return (int)p->len++;
}

/* Consumes tok (after spaces) when it comes next; for "<" and ">" only
 * when it is not the start of "<=" / ">=", for "!" not of "!=". */
static int accept(parser_t *ps, const char *tok)
{
    skip_space(ps);
    size_t n = strlen(tok);
    if (strncmp(ps->s, tok, n) != 0)
        return 0;
    if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!') && ps->s[1] == '=')
        return 0;
    ps->s += n;
    return 1;
}

static int parse_cond(parser_t *ps);

static int parse_number(parser_t *ps)
{
    unsigned long v = 0;
    while (*ps->s >= '0' && *ps->s <= '9') {
        unsigned d = (unsigned)(*ps->s++ - '0');
        if (v > (ULONG_MAX - d) / 10)
            return fail(ps, "number too large in plural expression");
        v = v * 10 + d;
    }
    return add_node(ps, OP_NUM, -1, -1, -1, v);
}

static int parse_primary(parser_t *ps)
{
    skip_space(ps);
    char ch = *ps->s;
    if (ch >= '0' && ch <= '9')
        return parse_number(ps);
    if (ch == 'n') {
        ps->s++;
        char next = *ps->s;
        if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '_'
            || (next >= '0' && next <= '9'))
            return fail(ps, "unknown name in plural expression (only n is allowed)");
        return add_node(ps, OP_VAR, -1, -1, -1, 0);
    }
    if (ch == '(') {
        ps->s++;
        int e = parse_cond(ps);
        if (e < 0)
            return -1;
        if (!accept(ps, ")"))
            return fail(ps, "unbalanced parentheses in plural expression");
        return e;
    }
    if (ch == ')')
        return fail(ps, "unbalanced parentheses in plural expression");
    if (ch == '\0' || ch == ';')
        return fail(ps, "plural expression ends where an operand is expected");
    return fail(ps, "unexpected character in plural expression");
}

static int parse_unary(parser_t *ps)
{
    if (accept(ps, "!")) {
        if (++ps->depth > MAX_DEPTH)
            return fail(ps, "plural expression nested too deeply");
        int a = parse_unary(ps);
        ps->depth--;
        return a < 0 ? -1 : add_node(ps, OP_NOT, a, -1, -1, 0);
    }
    return parse_primary(ps);
}

/* One level of left-associative binary operators: toks[i] maps to ops[i]. */
typedef int (*level_fn)(parser_t *);

static int parse_binary(parser_t *ps, level_fn next, const char *const *toks, const op_t *ops)
{
    int left = next(ps);
    while (left >= 0) {
        int i = 0;
        while (toks[i] && !accept(ps, toks[i]))
            i++;
        if (!toks[i])
            break;
        int right = next(ps);
        if (right < 0)
            return -1;
        left = add_node(ps, ops[i], left, right, -1, 0);
    }
    return left;
}

static int parse_mul(parser_t *ps)
{
    static const char *const toks[] = {"*", "/", "%", NULL};
    static const op_t ops[] = {OP_MUL, OP_DIV, OP_MOD};
    return parse_binary(ps, parse_unary, toks, ops);
}

static int parse_add(parser_t *ps)
{
    static const char *const toks[] = {"+", "-", NULL};
    static const op_t ops[] = {OP_ADD, OP_SUB};
    return parse_binary(ps, parse_mul, toks, ops);
}

static int parse_rel(parser_t *ps)
{
    static const char *const toks[] = {"<=", ">=", "<", ">", NULL};
    static const op_t ops[] = {OP_LE, OP_GE, OP_LT, OP_GT};
    return parse_binary(ps, parse_add, toks, ops);
}

static int parse_eq(parser_t *ps)
{
    static const char *const toks[] = {"==", "!=", NULL};
    static const op_t ops[] = {OP_EQ, OP_NE};
    return parse_binary(ps, parse_rel, toks, ops);
}

static int parse_and(parser_t *ps)
{
    static const char *const toks[] = {"&&", NULL};
    static const op_t ops[] = {OP_AND};
    return parse_binary(ps, parse_eq, toks, ops);
}

static int parse_or(parser_t *ps)
{
    static const char *const toks[] = {"||", NULL};
    static const op_t ops[] = {OP_OR};
    return parse_binary(ps, parse_and, toks, ops);
}

/* cond := or ['?' cond ':' cond], right-associative; also the entry for
 * parenthesised expressions, so it is where nesting depth is counted. */
static int parse_cond(parser_t *ps)
{
    if (++ps->depth > MAX_DEPTH)
        return fail(ps, "plural expression nested too deeply");
    int c = parse_or(ps), r = c;
    if (c >= 0 && accept(ps, "?")) {
        int a = parse_cond(ps);
        if (a >= 0 && !accept(ps, ":"))
            a = fail(ps, "expected ':' in conditional plural expression");
        int b = a >= 0 ? parse_cond(ps) : -1;
        r = b < 0 ? -1 : add_node(ps, OP_COND, c, a, b, 0);
    }
    ps->depth--;
    return r;
}

/* Reads "nplurals=N" or "plural=EXPR" up to its ';' (or the end). */
static int parse_field(parser_t *ps, int *have_nplurals, int *have_plural)
{
    if (accept(ps, "nplurals")) {
        if (*have_nplurals)
            return fail(ps, "nplurals given twice");
        if (!accept(ps, "="))
            return fail(ps, "expected '=' after nplurals");
        skip_space(ps);
        unsigned long v = 0;
        const char *start = ps->s;
        while (*ps->s >= '0' && *ps->s <= '9' && v <= MAX_NPLURALS)
            v = v * 10 + (unsigned long)(*ps->s++ - '0');
        if (ps->s == start)
            return fail(ps, "nplurals is not a number");
        if (v < 1 || v > MAX_NPLURALS || (*ps->s >= '0' && *ps->s <= '9'))
            return fail(ps, "nplurals must be a number from 1 to 100");
        ps->p->nplurals = (int)v;
        *have_nplurals = 1;
    } else if (accept(ps, "plural")) {
        if (*have_plural)
            return fail(ps, "plural given twice");
        if (!accept(ps, "="))
            return fail(ps, "expected '=' after plural");
        ps->p->root = parse_cond(ps);
        if (ps->p->root < 0)
            return -1;
        *have_plural = 1;
    } else {
        return fail(ps, "unknown field (only nplurals and plural are allowed)");
    }
    skip_space(ps);
    if (*ps->s == ')')
        return fail(ps, "unbalanced parentheses in plural expression");
    if (*ps->s != ';' && *ps->s != '\0')
        return fail(ps, "unexpected text where ';' should end the field");
    if (*ps->s == ';')
        ps->s++;
    return 0;
}

plural_t *plural_compile(const char *header_value, const char **err)
{
    plural_t *p = xcalloc(1, sizeof *p);
    parser_t ps = {header_value ? header_value : "", p, 0, NULL};
    int have_nplurals = 0, have_plural = 0;
    for (skip_space(&ps); *ps.s && !ps.err; skip_space(&ps))
        parse_field(&ps, &have_nplurals, &have_plural);
    if (!ps.err && !have_nplurals)
        ps.err = "nplurals is missing";
    if (!ps.err && !have_plural)
        ps.err = "plural= is missing";
    if (ps.err) {
        if (err)
            *err = ps.err;
        plural_free(p);
        return NULL;
    }
    return p;
}

void plural_free(plural_t *p)
{
    if (!p)
        return;
    free(p->nodes);
    free(p);
}

int plural_nplurals(const plural_t *p)
{
    return p->nplurals;
}

/* Recursion depth is the tree's height, at most MAX_HEIGHT (checked at
 * compile time). *ok turns false on a division or modulo by zero. */
static unsigned long eval(const node_t *nodes, int i, unsigned long n, bool *ok)
{
    const node_t *e = &nodes[i];
    unsigned long l, r;
    switch (e->op) {
    case OP_VAR: return n;
    case OP_NUM: return e->num;
    case OP_NOT: return !eval(nodes, e->a, n, ok);
    case OP_AND: return eval(nodes, e->a, n, ok) && eval(nodes, e->b, n, ok);
    case OP_OR: return eval(nodes, e->a, n, ok) || eval(nodes, e->b, n, ok);
    case OP_COND: return eval(nodes, eval(nodes, e->a, n, ok) ? e->b : e->c, n, ok);
    default: break;
    }
    l = eval(nodes, e->a, n, ok);
    r = eval(nodes, e->b, n, ok);
    switch (e->op) {
    case OP_MUL: return l * r;
    case OP_DIV: return r ? l / r : (*ok = false, 0);
    case OP_MOD: return r ? l % r : (*ok = false, 0);
    case OP_ADD: return l + r;
    case OP_SUB: return l - r;
    case OP_LT: return l < r;
    case OP_LE: return l <= r;
    case OP_GT: return l > r;
    case OP_GE: return l >= r;
    case OP_EQ: return l == r;
    case OP_NE: return l != r;
    default: return 0;
    }
}

bool plural_value(const plural_t *p, unsigned long n, unsigned long *value)
{
    bool ok = true;
    unsigned long v = eval(p->nodes, p->root, n, &ok);
    *value = ok ? v : 0;
    return ok;
}

int plural_index(const plural_t *p, unsigned long n)
{
    unsigned long v;
    if (!plural_value(p, n, &v) || v >= (unsigned long)p->nplurals)
        return 0;
    return (int)v;
}
