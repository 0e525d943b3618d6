#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
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

size_t pool_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}
