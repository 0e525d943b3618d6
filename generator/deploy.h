/* deploy: the deploy kit, out/deploy/, for serving a bundle as an onion
 * service: nginx on loopback behind tor.
 *
 *   nginx-server.conf           a server block to include in nginx's http { }:
 *                               the unpacked bundle with the page's CSP and the
 *                               other security headers as real HTTP headers,
 *                               MIME types, gzip_static, caching, a 404 page per
 *                               language, the survey endpoint proxied to
 *                               `waymark serve` when the site has surveys/
 *   torrc                       HiddenServiceDir and HiddenServicePort
 *   nginx-clearnet-mirror.conf  only with site.lua onion_location: headers for
 *                               a clearnet mirror, Onion-Location included
 *   README.txt                  the steps, for operators
 *
 * Every value comes from config_t, whose deploy settings config_load has
 * checked (no quotes, spaces, ';' or braces), so nothing can end a
 * directive early. The texts are pure functions of the config. */
#ifndef WAYMARK_DEPLOY_H
#define WAYMARK_DEPLOY_H

#include <stdbool.h>

#include "config.h"
#include "diag.h"

/* The files' texts (caller frees). */
char *deploy_nginx_server(const config_t *cfg, bool has_surveys);
char *deploy_torrc(const config_t *cfg);
char *deploy_clearnet_headers(const config_t *cfg); /* NULL without onion_location */
char *deploy_readme(const config_t *cfg, bool has_surveys);

/* Writes out_dir/deploy/ whole (a staging folder renamed into place).
 * Returns 0, or -1 after reporting. */
int deploy_write(const config_t *cfg, bool has_surveys, const char *out_dir, diags_t *d);

#endif
