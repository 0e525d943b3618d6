/* pool: run n independent tasks on several threads.
 *
 * Each thread has its own worker context (workers[t]); tasks are handed out
 * in index order from a shared counter, so the work balances itself. The
 * caller merges what the workers collected; nothing is shared but the
 * counter, which is what makes results independent of --jobs. */
#ifndef WAYMARK_POOL_H
#define WAYMARK_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*pool_task_fn)(void *worker, size_t index);

/* Runs task(workers[t], i) for every i < ntasks on nworkers threads
 * (nworkers >= 1; with 1 it runs on the calling thread). Each finished
 * task is one step of the progress bar's current stage. */
void pool_run(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task);
/* The same, its tasks not counted: for work that runs beside a stage whose
 * bar counts something else (the link check beside the bundle). */
void pool_run_uncounted(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task);
/* Takes the result of task index, in index order, on the calling thread:
 * 0 to go on, -1 to stop (the tasks not yet started are not run). */
typedef int (*pool_consume_fn)(void *ctx, size_t index);

/* A pipeline: runs task(workers[t], i) for every i < ntasks on nworkers
 * threads while the calling thread runs consume(ctx, i) for i = 0, 1, ...
 * as soon as task i is done. No task starts more than window indexes
 * ahead of the consumer, which bounds what waits in memory. Returns 0,
 * or -1 when consume stopped it. */
int pool_run_ordered(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task,
                     pool_consume_fn consume, void *ctx, size_t window);
/* One function run on a thread of its own while the caller goes on (or
 * at once, when no thread can be made); pool_background_join waits for
 * it. For work that overlaps the caller's, like freeing or an fsync. */
typedef struct {
    pthread_t thread;
    bool started;
} pool_background;

void pool_background_start(pool_background *b, void *(*fn)(void *), void *arg);
void pool_background_join(pool_background *b);

/* The number of online processors, at least 1. */
size_t pool_default_jobs(void);

#endif
