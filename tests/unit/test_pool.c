/* pool: tasks on several threads; the ordered pipeline hands results to
 * the caller in index order, never more than a window ahead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pool.h"
#include "progress.h"

#define N 5000

typedef struct {
    size_t squares[N];
    atomic_size_t started;
    size_t consumed;      /* next index the consumer expects */
    size_t most_ahead;    /* tasks started beyond the consumer, at most */
    size_t stop_at;       /* the consumer returns -1 here (SIZE_MAX: never) */
    bool out_of_order;
} pipeline;

static pipeline P;

static void square_task(void *worker, size_t i)
{
    (void)worker;
    atomic_fetch_add(&P.started, 1);
    P.squares[i] = i * i;
}

static int take_in_order(void *ctx, size_t i)
{
    (void)ctx;
    if (i != P.consumed || P.squares[i] != i * i)
        P.out_of_order = true;
    size_t ahead = atomic_load(&P.started) - i;
    if (ahead > P.most_ahead)
        P.most_ahead = ahead;
    P.consumed = i + 1;
    return i == P.stop_at ? -1 : 0;
}

static int run(size_t workers, size_t window, size_t stop_at)
{
    P = (pipeline){.stop_at = stop_at};
    atomic_init(&P.started, 0);
    void *ptrs[4] = {NULL, NULL, NULL, NULL};
    return pool_run_ordered(N, workers, ptrs, square_task, take_in_order, NULL, window);
}

static void test_every_result_in_order(void **state)
{
    (void)state;
    for (size_t workers = 1; workers <= 4; workers++) {
        assert_int_equal(run(workers, 64, SIZE_MAX), 0);
        assert_false(P.out_of_order);
        assert_int_equal(P.consumed, N);
        assert_int_equal(atomic_load(&P.started), N);
    }
}

static void test_never_more_than_a_window_ahead(void **state)
{
    (void)state;
    assert_int_equal(run(4, 8, SIZE_MAX), 0);
    assert_false(P.out_of_order);
    /* the consumer sees at most the window's tasks started past it (its own included) */
    assert_true(P.most_ahead <= 8);
    assert_int_equal(run(3, 1, SIZE_MAX), 0);
    assert_true(P.most_ahead <= 1);
}

static void test_consumer_stops_the_rest(void **state)
{
    (void)state;
    assert_int_equal(run(4, 16, 100), -1);
    assert_int_equal(P.consumed, 101);
    assert_true(atomic_load(&P.started) <= 101 + 16);
}

static void test_no_tasks(void **state)
{
    (void)state;
    void *ptrs[2] = {NULL, NULL};
    P = (pipeline){.stop_at = SIZE_MAX};
    assert_int_equal(pool_run_ordered(0, 2, ptrs, square_task, take_in_order, NULL, 4), 0);
    assert_int_equal(P.consumed, 0);
}

/* Each task of pool_run is a step of the progress bar's stage; those of
 * pool_run_uncounted are not (the link check beside the bundle). */
static void test_uncounted_tasks_leave_the_bar_alone(void **state)
{
    (void)state;
    void *ptrs[2] = {NULL, NULL};
    progress_start(false);
    progress_stage("test", N);
    pool_run(100, 2, ptrs, square_task);
    assert_int_equal(progress_done(), 100);
    pool_run_uncounted(N, 2, ptrs, square_task);
    assert_int_equal(progress_done(), 100);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(P.squares[i], i * i);
    progress_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_result_in_order),
        cmocka_unit_test(test_never_more_than_a_window_ahead),
        cmocka_unit_test(test_consumer_stops_the_rest),
        cmocka_unit_test(test_no_tasks),
        cmocka_unit_test(test_uncounted_tasks_leave_the_bar_alone),
    };
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
