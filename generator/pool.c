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
        progress_add(1);
    }
    return NULL;
}

void pool_run(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task)
{
    pool_shared shared = {.ntasks = ntasks, .task = task};
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

/* --- the ordered pipeline ---------------------------------------------------- */

/* Threads sleep only when they must and are woken only when someone
 * sleeps: a result the consumer waits for, or room in the window for the
 * workers, given back half a window at a time (one wake-up per entry made
 * most of a rebuild's bundle time system calls). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ready;   /* the task the consumer waits for is done */
    pthread_cond_t room;    /* the window has room again, or stop */
    size_t next;            /* the next task to hand out */
    size_t consumed;        /* tasks the consumer has taken */
    size_t ntasks, window;
    size_t awaited;         /* the task the consumer sleeps on, or SIZE_MAX */
    size_t workers_asleep;  /* on room */
    bool *done;
    bool stop;
    pool_task_fn task;
} ordered_shared;

typedef struct {
    ordered_shared *shared;
    void *worker;
} ordered_thread;

/* The next task this thread may start, or SIZE_MAX when there is none. */
static size_t ordered_take(ordered_shared *s)
{
    while (!s->stop && s->next < s->ntasks && s->next >= s->consumed + s->window) {
        s->workers_asleep++;
        pthread_cond_wait(&s->room, &s->lock);
        s->workers_asleep--;
    }
    return s->stop || s->next >= s->ntasks ? SIZE_MAX : s->next++;
}

static void *ordered_main(void *arg)
{
    ordered_thread *t = arg;
    ordered_shared *s = t->shared;
    pthread_mutex_lock(&s->lock);
    size_t i;
    while ((i = ordered_take(s)) != SIZE_MAX) {
        pthread_mutex_unlock(&s->lock);
        s->task(t->worker, i);
        progress_add(1);
        pthread_mutex_lock(&s->lock);
        s->done[i] = true;
        if (s->awaited == i)
            pthread_cond_signal(&s->ready);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Whether sleeping workers should wake: half the window is free, or
 * nothing is left to wait for. */
static bool room_to_give(const ordered_shared *s)
{
    if (!s->workers_asleep)
        return false;
    size_t limit = s->consumed + s->window;
    return s->stop || s->consumed >= s->ntasks || limit - s->next >= (s->window + 1) / 2;
}

/* The consumer's side: takes every task in order as it is done. */
static int consume_in_order(ordered_shared *s, pool_consume_fn consume, void *ctx)
{
    for (size_t i = 0; i < s->ntasks; i++) {
        pthread_mutex_lock(&s->lock);
        s->awaited = i;
        while (!s->done[i])
            pthread_cond_wait(&s->ready, &s->lock);
        s->awaited = SIZE_MAX;
        pthread_mutex_unlock(&s->lock);
        int rc = consume(ctx, i);
        pthread_mutex_lock(&s->lock);
        s->consumed = i + 1;
        s->stop = rc < 0;
        if (room_to_give(s))
            pthread_cond_broadcast(&s->room);
        pthread_mutex_unlock(&s->lock);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int pool_run_ordered(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task,
                     pool_consume_fn consume, void *ctx, size_t window)
{
    ordered_shared s = {.ntasks = ntasks, .window = window ? window : 1, .task = task,
                        .awaited = SIZE_MAX};
    s.done = xcalloc(ntasks ? ntasks : 1, sizeof *s.done);
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

size_t pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}
