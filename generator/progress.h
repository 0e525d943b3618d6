/* progress: a progress bar on stderr while a long build runs.
 *
 * One display per process (like stderr itself): main() starts it, each
 * stage names itself and its total, and pool_run ticks it once per task,
 * from any thread. Nothing is drawn in the first second, when stderr is
 * not a terminal, or when it was started disabled (--quiet); the bar is
 * erased when the build ends, so only problems and the summary remain.
 * WAYMARK_TIMINGS=1 in the environment prints each stage's wall time and
 * the peak memory so far to stderr instead (for profiling). */
#ifndef WAYMARK_PROGRESS_H
#define WAYMARK_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Starts the display; enabled=false keeps it silent (timings still work). */
void progress_start(bool enabled);
/* A new stage of total steps ("render", 10433); ends the previous one. */
void progress_stage(const char *name, size_t total);
/* n more steps of the current stage are done; safe from any thread. */
void progress_add(size_t n);
/* The steps of the current stage done so far. */
size_t progress_done(void);
/* Ends the last stage and erases the bar. */
void progress_stop(void);

#endif
