#define _DEFAULT_SOURCE
#include "progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SHOW_AFTER 1.0     /* seconds: quick builds never show a bar */
#define TICK_NS 100000000L /* redraw every 0.1 s */
#define BAR_WIDTH 30

/* The one display; only main's thread changes the stage, workers only add. */
static struct {
    bool running, enabled, timings, drawn;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct timespec start, stage_start, stage_cpu;
    char stage[32];
    atomic_size_t done;
    size_t total;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Peak resident memory so far in MB, from /proc (0 when unknown). */
static long peak_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb / 1024;
}

/* Called with P.lock held. */
static void draw(void)
{
    size_t done = atomic_load(&P.done), total = P.total;
    if (done > total)
        done = total;
    int filled = total ? (int)(done * BAR_WIDTH / total) : 0;
    char bar[BAR_WIDTH + 1];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
    bar[BAR_WIDTH] = '\0';
    if (total)
        fprintf(stderr, "\r\033[Kwaymark: %-9s [%s] %zu/%zu", P.stage, bar, done, total);
    else
        fprintf(stderr, "\r\033[Kwaymark: %-9s", P.stage);
    fflush(stderr);
    P.drawn = true;
}

static void erase(void)
{
    if (P.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        P.drawn = false;
    }
}

static void *ticker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&P.lock);
    while (P.running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&P.wake, &P.lock, &until);
        if (P.running && P.stage[0] && since(&P.start) >= SHOW_AFTER)
            draw();
    }
    erase();
    pthread_mutex_unlock(&P.lock);
    return NULL;
}

/* CPU seconds of every thread since t (CLOCK_PROCESS_CPUTIME_ID). */
static double cpu_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void end_stage(void)
{
    if (P.timings && P.stage[0])
        fprintf(stderr, "waymark: %-9s %7.3f s  cpu %7.3f s  (peak %ld MB)\n", P.stage,
                since(&P.stage_start), cpu_since(&P.stage_cpu), peak_mb());
}

void progress_start(bool enabled)
{
    const char *t = getenv("WAYMARK_TIMINGS");
    P.timings = t && *t && strcmp(t, "0");
    P.enabled = enabled && !P.timings && isatty(STDERR_FILENO);
    P.stage[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &P.start);
    P.stage_start = P.start;
    P.running = P.enabled && pthread_create(&P.thread, NULL, ticker, NULL) == 0;
}

void progress_stage(const char *name, size_t total)
{
    pthread_mutex_lock(&P.lock);
    end_stage();
    snprintf(P.stage, sizeof P.stage, "%s", name);
    P.total = total;
    atomic_store(&P.done, 0);
    clock_gettime(CLOCK_MONOTONIC, &P.stage_start);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &P.stage_cpu);
    pthread_mutex_unlock(&P.lock);
}

void progress_add(size_t n) { atomic_fetch_add_explicit(&P.done, n, memory_order_relaxed); }

size_t progress_done(void) { return atomic_load(&P.done); }

void progress_stop(void)
{
    pthread_mutex_lock(&P.lock);
    end_stage();
    P.stage[0] = '\0';
    bool was_running = P.running;
    P.running = false;
    pthread_cond_signal(&P.wake);
    pthread_mutex_unlock(&P.lock);
    if (was_running)
        pthread_join(P.thread, NULL);
}
