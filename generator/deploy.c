#include "deploy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "output.h"
#include "path.h"
#include "xalloc.h"

/* Features no page of a waymark site uses: all switched off. */
static const char PERMISSIONS_POLICY[] =
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(), "
    "geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "usb=(), xr-spatial-tracking=()";

/* Only what a built site holds; anything else is a download. */
static const char MIME_TYPES[] =
    "    types {\n"
    "        text/html                 html;\n"
    "        text/css                  css;\n"
    "        text/xml                  xml;\n"
    "        application/rss+xml       rss;\n"
    "        application/atom+xml      atom;\n"
    "        application/json          json;\n"
    "        text/csv                  csv;\n"
    "        text/plain                txt;\n"
    "        image/png                 png;\n"
    "        image/jpeg                jpg jpeg;\n"
    "        image/gif                 gif;\n"
    "        image/webp                webp;\n"
    "        image/x-icon              ico;\n"
    "        application/pdf           pdf;\n"
    "        font/woff2                woff2;\n"
    "        application/zip           zip;\n"
    "    }\n"
    "    default_type application/octet-stream;\n"
    "    charset utf-8;\n"
    "    charset_types text/css text/xml text/plain text/csv application/json application/rss+xml;\n";

/* add_header lines; "always" so 404s and redirects carry them too. */
static void security_headers(buf_t *b, const config_t *cfg)
{
    buf_printf(b, "    add_header Content-Security-Policy \"%s\" always;\n", cfg->csp);
    buf_puts(b, "    add_header Referrer-Policy \"no-referrer\" always;\n"
                "    add_header X-Content-Type-Options \"nosniff\" always;\n"
                "    add_header X-Frame-Options \"DENY\" always;\n"
                "    add_header Cross-Origin-Opener-Policy \"same-origin\" always;\n"
                "    add_header Cross-Origin-Resource-Policy \"same-origin\" always;\n");
    buf_printf(b, "    add_header Permissions-Policy \"%s\" always;\n", PERMISSIONS_POLICY);
}

/* A missing page is answered with a redirect to its language's 404 page:
 * served in place, at any depth, that page's relative links (../style.css)
 * would point nowhere. */
static void not_found(buf_t *b, const config_t *cfg)
{
    buf_puts(b, "    error_page 404 @not_found;\n"
                "    location @not_found {\n"
                "        if ($uri ~ \"^/(");
    for (size_t l = 0; l < cfg->nlanguages; l++)
        buf_printf(b, "%s%s", l ? "|" : "", cfg->languages[l].code);
    buf_printf(b, ")/\") {\n"
                  "            return 302 /$1/404.html;\n"
                  "        }\n"
                  "        return 302 /%s/404.html;\n"
                  "    }\n",
               cfg->languages[0].code);
}

static void survey_proxy(buf_t *b, const config_t *cfg)
{
    buf_printf(b,
               "\n    # Survey answers go to `waymark serve` on loopback; no address is passed on.\n"
               "    location /%s {\n"
               "        proxy_pass http://%s;\n"
               "        proxy_set_header Host $host;\n"
               "        proxy_set_header X-Forwarded-For \"\";\n"
               "        proxy_set_header X-Real-IP \"\";\n"
               "        proxy_hide_header Content-Security-Policy;\n"
               "        proxy_hide_header Referrer-Policy;\n"
               "        proxy_hide_header X-Content-Type-Options;\n"
               "        proxy_hide_header X-Frame-Options;\n"
               "        proxy_hide_header Permissions-Policy;\n"
               "        client_max_body_size 64k;\n"
               "        expires epoch;\n"
               "    }\n",
               cfg->deploy.survey_endpoint, cfg->deploy.serve);
}

char *deploy_nginx_server(const config_t *cfg, bool has_surveys)
{
    buf_t b = BUF_INIT;
    buf_printf(&b,
               "# nginx server block for the waymark site \"%s\", written by `waymark build`.\n"
               "# Serves the unpacked bundle on loopback only; tor publishes it as an onion\n"
               "# service (see torrc and README.txt). Include it inside nginx's http { } block,\n"
               "# e.g. as /etc/nginx/sites-enabled/%s.conf.\n"
               "server {\n"
               "    listen %s;\n"
               "    server_name _;\n"
               "    root %s;\n"
               "    index index.html;\n\n"
               "    server_tokens off;\n"
               "    access_log off;\n"
               "    log_not_found off;\n"
               "    absolute_redirect off;\n"
               "    autoindex off;\n"
               "    gzip_static on;\n"
               "    client_max_body_size 64k;\n\n",
               cfg->name, cfg->name, cfg->deploy.listen, cfg->deploy.root);
    buf_puts(&b, MIME_TYPES);
    buf_puts(&b, "\n    # The same policy as each page's meta tag, as real headers.\n");
    security_headers(&b, cfg);
    buf_puts(&b, "\n");
    not_found(&b, cfg);
    buf_puts(&b,
             "\n    # Pages are revalidated on every visit, so a new release shows at once.\n"
             "    location / {\n"
             "        try_files $uri $uri/ =404;\n"
             "        expires epoch;\n"
             "    }\n"
             "    # Content images are named by a hash of their bytes: cached for good.\n"
             "    location ~ \"\\.[0-9a-f]{8}\\.(jpg|jpeg|png)$\" {\n"
             "        expires max;\n"
             "    }\n"
             "    location ~ \"\\.(css|png|jpg|jpeg|gif|webp|ico|pdf|woff2)$\" {\n"
             "        expires 1h;\n"
             "    }\n");
    if (has_surveys)
        survey_proxy(&b, cfg);
    buf_puts(&b, "}\n");
    return buf_detach(&b);
}

char *deploy_torrc(const config_t *cfg)
{
    return xasprintf("# torrc lines for the waymark site \"%s\", written by `waymark build`.\n"
                     "# Add them to /etc/tor/torrc and reload tor; tor creates the folder, the\n"
                     "# service's keys and its address (the file hostname) inside it.\n"
                     "HiddenServiceDir %s\n"
                     "HiddenServicePort 80 %s\n",
                     cfg->name, cfg->deploy.hidden_service_dir, cfg->deploy.listen);
}

char *deploy_clearnet_headers(const config_t *cfg)
{
    if (!cfg->deploy.onion_location)
        return NULL;
    buf_t b = BUF_INIT;
    buf_printf(&b,
               "# For a clearnet mirror of \"%s\": include inside that mirror's server { }\n"
               "# block. Tor Browser then offers the onion address to its readers. The\n"
               "# security headers are repeated because an add_header in a block replaces\n"
               "# every inherited one.\n",
               cfg->name);
    /* $request_uri starts with a slash: the address is written without its own. */
    const char *onion = cfg->deploy.onion_location;
    size_t n = strlen(onion);
    while (n > 0 && onion[n - 1] == '/')
        n--;
    buf_printf(&b, "    add_header Onion-Location \"%.*s$request_uri\" always;\n", (int)n, onion);
    security_headers(&b, cfg);
    return buf_detach(&b);
}

char *deploy_readme(const config_t *cfg, bool has_surveys)
{
    buf_t b = BUF_INIT;
    buf_printf(&b,
        "Deploying the waymark site \"%s\" as an onion service\n"
        "======================================================\n\n"
        "These files were written by `waymark build`. Values come from site.lua\n"
        "(deploy = { root, listen, serve, hidden_service_dir }, onion_location,\n"
        "surveys = { endpoint }); change them there and build again.\n\n"
        "1. Check and unpack the bundle. Never serve a bundle you did not verify:\n\n"
        "     waymark verify %s.zip -p %s.pub --extract %s\n\n"
        "   (or check the signature alone with: minisign -V -p %s.pub -m %s.zip)\n"
        "   It exits 0 only when the signature and every file check out, and only\n"
        "   then replaces the folder, in one rename.\n\n"
        "2. nginx (Debian: apt install nginx-light):\n\n"
        "     cp nginx-server.conf /etc/nginx/sites-enabled/%s.conf\n"
        "     nginx -t && systemctl reload nginx\n\n"
        "   nginx listens on %s only, never on a public address. Access logs\n"
        "   are off: keep them off, a log of who read what can unmask a reader.\n\n"
        "3. tor (Debian: apt install tor): append torrc to /etc/tor/torrc, then\n\n"
        "     systemctl reload tor\n"
        "     cat %shostname      # the site's .onion address\n\n"
        "   Back up that folder: its keys are the address. Publish the address and\n"
        "   the signing key on the site (site.lua official_addresses and signing).\n\n",
        cfg->name, cfg->name, cfg->name, cfg->deploy.root, cfg->name, cfg->name, cfg->name,
        cfg->deploy.listen, cfg->deploy.hidden_service_dir);
    if (has_surveys)
        buf_printf(&b,
            "4. Surveys: answers are posted to /%s, which nginx passes to\n"
            "   `waymark serve` on %s. Run it as a service on that address.\n\n",
            cfg->deploy.survey_endpoint, cfg->deploy.serve);
    if (cfg->deploy.onion_location)
        buf_printf(&b,
            "Clearnet mirror: include nginx-clearnet-mirror.conf in the mirror's server\n"
            "block; it adds Onion-Location: %s<path> and the same security headers.\n\n",
            cfg->deploy.onion_location);
    buf_puts(&b,
        "Precompressed files: build with --precompress and nginx (gzip_static on)\n"
        "serves page.html.gz to browsers that accept gzip, without compressing on\n"
        "every request.\n\n"
        "Updating: build, sign, copy the zip and its .minisig to the host, and run\n"
        "step 1 again. Nothing else changes.\n");
    return buf_detach(&b);
}

static int write_text(const char *dir, const char *name, char *text, diags_t *d)
{
    if (!text)
        return 0;
    char *path = path_join(dir, name);
    int rc = fs_write_file(path, text, strlen(text));
    if (rc < 0)
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
    free(path);
    free(text);
    return rc;
}

int deploy_write(const config_t *cfg, bool has_surveys, const char *out_dir, diags_t *d)
{
    char *final_dir = path_join(out_dir, "deploy");
    char *staging = output_begin(final_dir, d);
    int rc = -1;
    if (staging) {
        rc = write_text(staging, "nginx-server.conf", deploy_nginx_server(cfg, has_surveys), d);
        rc |= write_text(staging, "torrc", deploy_torrc(cfg), d);
        rc |= write_text(staging, "nginx-clearnet-mirror.conf", deploy_clearnet_headers(cfg), d);
        rc |= write_text(staging, "README.txt", deploy_readme(cfg, has_surveys), d);
        rc = rc == 0 ? output_commit(staging, final_dir, d) : -1;
        if (rc < 0)
            output_abort(staging);
    }
    free(staging);
    free(final_dir);
    return rc;
}
