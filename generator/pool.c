#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "progress.h"
#include "xalloc.h"

typedef struct {
    atomic_size_t next;
    size_t ntasks;
    pool_task_fn task;
    bool counted; /* each task is a step of the progress bar */
} pool_shared;

typedef struct {
    pool_shared *shared;
    void *worker;
} pool_thread;

static void *thread_main(void *arg)
{
    pool_thread *t = arg;
    size_t i;
    while ((i = atomic_fetch_add(&t->shared->next, 1)) < t->shared->ntasks)
    {
        t->shared->task(t->worker, i);
        if (t->shared->counted)
            progress_add(1);
    }
    return NULL;
}

static void run(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task, bool counted)
{
    pool_shared shared = {.ntasks = ntasks, .task = task, .counted = counted};
    atomic_init(&shared.next, 0);
    if (nworkers <= 1) {
        pool_thread only = {&shared, workers[0]};
        thread_main(&only);
        return;
    }
    pthread_t *ids = xcalloc(nworkers, sizeof *ids);
    pool_thread *threads = xcalloc(nworkers, sizeof *threads);
    for (size_t t = 0; t < nworkers; t++) {
        threads[t] = (pool_thread){&shared, workers[t]};
        if (pthread_create(&ids[t], NULL, thread_main, &threads[t]) != 0)
            thread_main(&threads[t]); /* no thread: do this share here */
    }
    for (size_t t = 0; t < nworkers; t++)
        if (ids[t])
            pthread_join(ids[t], NULL);
    free(ids);
    free(threads);
}

void pool_run(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task)
{
    run(ntasks, nworkers, workers, task, true);
}

void pool_run_uncounted(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task)
{
    run(ntasks, nworkers, workers, task, false);
}

/* --- the ordered pipeline ---------------------------------------------------- */

/* Handing out tasks and results takes no lock: a thread locks only to
 * sleep, when it must (the consumer on a task not done yet, a worker on a
 * full window), or to wake one that sleeps; sleeping workers are woken
 * half a window at a time. (A lock and a wake-up per entry made most of a
 * rebuild's bundle time system calls.) The flags are sequentially
 * consistent: a thread going to sleep publishes what it waits for before
 * it looks again, and the one that would wake it publishes its change
 * before it looks for sleepers, so one of the two always sees the other. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;          /* the task the consumer sleeps on is done */
    pthread_cond_t room;           /* the window has room again, or stop */
    atomic_size_t next;            /* the next task to hand out */
    atomic_size_t consumed;        /* tasks the consumer has taken */
    size_t ntasks, window;
    atomic_size_t awaited;         /* the task the consumer sleeps on, or SIZE_MAX */
    atomic_size_t workers_asleep;  /* on room */
    atomic_uchar *done;
    atomic_bool stop;
    pool_task_fn task;
} ordered_shared;

typedef struct {
    ordered_shared *shared;
    void *worker;
} ordered_thread;

/* Whether task i may start: it is within a window of the consumer (a
 * worker sleeps until it is), and nothing stopped the pipeline. */
static bool ordered_may_start(ordered_shared *s, size_t i)
{
    if (i < atomic_load(&s->consumed) + s->window)
        return !atomic_load(&s->stop);
    pthread_mutex_lock(&s->lock);
    atomic_fetch_add(&s->workers_asleep, 1);
    while (!atomic_load(&s->stop) && i >= atomic_load(&s->consumed) + s->window)
        pthread_cond_wait(&s->room, &s->lock);
    atomic_fetch_sub(&s->workers_asleep, 1);
    pthread_mutex_unlock(&s->lock);
    return !atomic_load(&s->stop);
}

static void *ordered_main(void *arg)
{
    ordered_thread *t = arg;
    ordered_shared *s = t->shared;
    size_t i;
    while ((i = atomic_fetch_add(&s->next, 1)) < s->ntasks && ordered_may_start(s, i)) {
        s->task(t->worker, i);
        progress_add(1);
        atomic_store(&s->done[i], 1);
        if (atomic_load(&s->awaited) == i) {
            pthread_mutex_lock(&s->lock);
            pthread_cond_signal(&s->ready);
            pthread_mutex_unlock(&s->lock);
        }
    }
    return NULL;
}

/* Wakes sleeping workers every half window the consumer takes, and on
 * stop: a woken worker whose task is still out of the window sleeps
 * again, and the consumer always has half a window of tasks ahead. */
static void give_room(ordered_shared *s, size_t consumed)
{
    size_t step = s->window / 2 ? s->window / 2 : 1;
    if (atomic_load(&s->workers_asleep) && (consumed % step == 0 || atomic_load(&s->stop))) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->room);
        pthread_mutex_unlock(&s->lock);
    }
}

/* Results the consumer lets pile up when it has caught up with the
 * workers, so that each wake-up takes many of them. */
#define ORDERED_BATCH 32

/* Returns when task i is done. A consumer that caught up sleeps until the
 * task a batch ahead is done (never past the window: those tasks wait for
 * it), then, if i is still running, until i is. */
static void await_task(ordered_shared *s, size_t i)
{
    if (atomic_load(&s->done[i]))
        return;
    size_t ahead = (s->window < ORDERED_BATCH ? s->window : ORDERED_BATCH) - 1;
    size_t want = i + ahead < s->ntasks ? i + ahead : s->ntasks - 1;
    pthread_mutex_lock(&s->lock);
    /* a worker may sleep on one of those tasks since before the window
     * reached it */
    if (atomic_load(&s->workers_asleep))
        pthread_cond_broadcast(&s->room);
    for (; !atomic_load(&s->done[i]); want = i) {
        atomic_store(&s->awaited, want);
        while (!atomic_load(&s->done[want]))
            pthread_cond_wait(&s->ready, &s->lock);
    }
    atomic_store(&s->awaited, SIZE_MAX);
    pthread_mutex_unlock(&s->lock);
}

/* The consumer's side: takes every task in order as it is done. */
static int consume_in_order(ordered_shared *s, pool_consume_fn consume, void *ctx)
{
    for (size_t i = 0; i < s->ntasks; i++) {
        await_task(s, i);
        int rc = consume(ctx, i);
        atomic_store(&s->consumed, i + 1);
        if (rc < 0)
            atomic_store(&s->stop, true);
        give_room(s, i + 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int pool_run_ordered(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task,
                     pool_consume_fn consume, void *ctx, size_t window)
{
    ordered_shared s = {.ntasks = ntasks, .window = window ? window : 1, .task = task};
    atomic_init(&s.next, 0);
    atomic_init(&s.consumed, 0);
    atomic_init(&s.awaited, SIZE_MAX);
    atomic_init(&s.workers_asleep, 0);
    atomic_init(&s.stop, false);
    s.done = xcalloc(ntasks ? ntasks : 1, sizeof *s.done);
    for (size_t i = 0; i < ntasks; i++)
        atomic_init(&s.done[i], 0);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.ready, NULL);
    pthread_cond_init(&s.room, NULL);
    pthread_t *ids = xcalloc(nworkers, sizeof *ids);
    ordered_thread *threads = xcalloc(nworkers, sizeof *threads);
    size_t started = 0;
    for (size_t t = 0; t < nworkers; t++) {
        threads[t] = (ordered_thread){&s, workers[t]};
        if (pthread_create(&ids[started], NULL, ordered_main, &threads[t]) == 0)
            started++;
    }
    int rc;
    if (started == 0) { /* no thread at all: one task, then its result, in turn */
        rc = 0;
        for (size_t i = 0; i < ntasks && rc == 0; i++) {
            task(workers[0], i);
            progress_add(1);
            rc = consume(ctx, i);
        }
    } else {
        rc = consume_in_order(&s, consume, ctx);
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    pthread_cond_destroy(&s.ready);
    pthread_cond_destroy(&s.room);
    pthread_mutex_destroy(&s.lock);
    free(ids);
    free(threads);
    free(s.done);
    return rc;
}

void pool_background_start(pool_background *b, void *(*fn)(void *), void *arg)
{
    b->started = pthread_create(&b->thread, NULL, fn, arg) == 0;
    if (!b->started)
        fn(arg);
}

void pool_background_join(pool_background *b)
{
    if (b->started)
        pthread_join(b->thread, NULL);
    b->started = false;
}

size_t pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}
