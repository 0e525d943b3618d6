/* Tests for deploy: the nginx and torrc texts an operator installs. The
 * e2e suite runs nginx -t and serves a site through the real file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deploy.h"

static config_language LANGS[] = {{.code = "en", .name = "English", .dir = "ltr"},
                                  {.code = "ar", .name = "Arabic", .dir = "rtl"}};

static config_t site(void)
{
    config_t c = {0};
    c.name = "help";
    c.csp = "default-src 'none'; style-src 'self'";
    c.languages = LANGS;
    c.nlanguages = 2;
    c.deploy = (config_deploy){"/srv/help", "127.0.0.1:8081", "127.0.0.1:8080",
                               "/var/lib/tor/help/", NULL, "submit"};
    return c;
}

static void server_block(void **state)
{
    (void)state;
    config_t c = site();
    char *conf = deploy_nginx_server(&c, false);
    assert_non_null(strstr(conf, "    listen 127.0.0.1:8081;\n"));
    assert_non_null(strstr(conf, "    root /srv/help;\n"));
    assert_non_null(strstr(conf, "add_header Content-Security-Policy \"default-src 'none'; style-src 'self'\" always;"));
    assert_non_null(strstr(conf, "server_tokens off;"));
    assert_non_null(strstr(conf, "access_log off;"));
    assert_non_null(strstr(conf, "if ($uri ~ \"^/(en|ar)/\")"));
    assert_non_null(strstr(conf, "return 302 /en/404.html;"));
    assert_null(strstr(conf, "proxy_pass"));
    free(conf);
    conf = deploy_nginx_server(&c, true);
    assert_non_null(strstr(conf, "    location /submit {\n        proxy_pass http://127.0.0.1:8080;\n"));
    free(conf);
}

static void torrc_and_mirror(void **state)
{
    (void)state;
    config_t c = site();
    char *torrc = deploy_torrc(&c);
    assert_non_null(strstr(torrc, "\nHiddenServiceDir /var/lib/tor/help/\nHiddenServicePort 80 127.0.0.1:8081\n"));
    free(torrc);
    assert_null(deploy_clearnet_headers(&c));
    c.deploy.onion_location = "http://abc.onion/";
    char *mirror = deploy_clearnet_headers(&c);
    assert_non_null(strstr(mirror, "add_header Onion-Location \"http://abc.onion$request_uri\" always;"));
    free(mirror);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_block),
        cmocka_unit_test(torrc_and_mirror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
