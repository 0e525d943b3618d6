/* serve: `waymark serve`, a small hardened HTTP server (libmicrohttpd) for
 * previews, kiosks and onion hosts.
 *
 * It serves a built site folder or a bundle zip as it is, with the security
 * headers every page needs, and receives survey answers at the site's
 * endpoint (collect.h) into SQLite (responses.h). It binds to loopback
 * unless told --public, logs no address (only method, path and status),
 * times out slow clients, caps bodies, and on SIGTERM/SIGINT stops taking
 * connections, finishes what is in flight and closes the database. */
#ifndef WAYMARK_SERVE_H
#define WAYMARK_SERVE_H

/* `waymark serve ...` (argv after "serve"); returns the exit status. */
int serve_command(int argc, char **argv);

/* `waymark responses export ...` (argv after "responses"). */
int responses_command(int argc, char **argv);

/* Help texts for `waymark help serve` / `waymark help responses`. */
extern const char SERVE_HELP[];
extern const char RESPONSES_HELP[];

#endif
