/* pool: run n independent tasks on several threads.
 *
 * Each thread has its own worker context (workers[t]); tasks are handed out
 * in index order from a shared counter, so the work balances itself. The
 * caller merges what the workers collected; nothing is shared but the
 * counter, which is what makes results independent of --jobs. */
#ifndef WAYMARK_POOL_H
#define WAYMARK_POOL_H

#include <stddef.h>

typedef void (*pool_task_fn)(void *worker, size_t index);

/* Runs task(workers[t], i) for every i < ntasks on nworkers threads
 * (nworkers >= 1; with 1 it runs on the calling thread). Each finished
 * task is one step of the progress bar's current stage. */
void pool_run(size_t ntasks, size_t nworkers, void **workers, pool_task_fn task);
/* The number of online processors, at least 1. */
size_t pool_default_jobs(void);

#endif
