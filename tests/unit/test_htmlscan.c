/* Tests for htmlscan: hostile snippets are rejected, benign pages pass, and
 * (differential) whatever the scanner accepts, gumbo, an HTML5 parser, also
 * reads as free of script, event handlers, script URLs and external
 * resources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "diag.h"
#include "htmlscan.h"

#define CSP "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
#define FORM_ACTION "../submit"

static const scan_rules fragment_rules = {CSP, FORM_ACTION, false};
static const scan_rules page_rules = {CSP, FORM_ACTION, true};

static int scan_n(const char *html, size_t len, const scan_rules *rules, diags_t *d)
{
    return scan_page(html, len, "out/page.html", rules, d);
}

static int scan(const char *html, const scan_rules *rules)
{
    diags_t d = DIAGS_INIT;
    int n = scan_n(html, strlen(html), rules, &d);
    diag_free(&d);
    return n;
}

/* ---- an independent safety judge on gumbo's tree ---- */

static bool lower_starts(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (*s == '\0' || (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s) != *prefix)
            return false;
    return true;
}

/* The URL as the URL parser sees it: no tab/LF/CR, no leading C0/space,
 * lowercased (only the scheme part matters here). */
static char *url_normalized(const char *v)
{
    char *out = malloc(strlen(v) + 1), *o = out;
    while (*v && (unsigned char)*v <= 0x20)
        v++;
    for (; *v; v++)
        if (*v != '\t' && *v != '\n' && *v != '\r')
            *o++ = (char)((*v >= 'A' && *v <= 'Z') ? *v + 32 : *v);
    *o = '\0';
    return out;
}

static bool has_scheme(const char *u, const char *scheme_out_or_null)
{
    (void)scheme_out_or_null;
    size_t i = 0;
    if (!(u[0] >= 'a' && u[0] <= 'z'))
        return false;
    while (u[i] && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') ||
                    u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    return u[i] == ':';
}

static bool url_is_external(const char *u)
{
    return has_scheme(u, NULL) || ((u[0] == '/' || u[0] == '\\') && (u[1] == '/' || u[1] == '\\'));
}

static const char *attr_value(GumboElement *e, const char *name)
{
    GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a ? a->value : NULL;
}

static bool rel_contains(GumboElement *e, const char *token)
{
    const char *rel = attr_value(e, "rel");
    if (!rel)
        return false;
    char *r = strdup(rel), *save = NULL;
    bool found = false;
    for (char *tok = strtok_r(r, " \t\n\f\r", &save); tok; tok = strtok_r(NULL, " \t\n\f\r", &save))
        found |= strcasecmp(tok, token) == 0;
    free(r);
    return found;
}

/* Does a url( argument or string (ended by its quote or a newline) name
 * something off the site once the URL parser drops tabs and newlines? */
static bool css_piece_external(const char *v, size_t n)
{
    char *piece = strndup(v, n);
    char *u = url_normalized(piece);
    while (*u == '"' || *u == '\'')
        memmove(u, u + 1, strlen(u));
    bool external = lower_starts(u, "data:") || lower_starts(u, "javascript:") ||
                    lower_starts(u, "vbscript:") || lower_starts(u, "http:") ||
                    lower_starts(u, "https:") || strstr(u, "//") || strchr(u, '\\');
    free(u);
    free(piece);
    return external;
}

static bool css_has_external_url(const char *c)
{
    for (const char *p = c; *p; p++) {
        if (!strncmp(p, "url(", 4)) {
            size_t n = strcspn(p + 4, ")");
            if (css_piece_external(p + 4, n))
                return true;
        } else if (*p == '"' || *p == '\'') {
            char end[5] = {*p, '\n', '\f', '\r', '\0'};
            size_t n = strcspn(p + 1, end);
            if (css_piece_external(p + 1, n))
                return true;
            p += n + 1; /* now at the closing quote */
            if (!*p)
                break;
        }
    }
    return false;
}

static const char *css_unsafe(const char *css)
{
    char *c = strdup(css);
    for (char *p = c; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    const char *why = NULL;
    if (strstr(c, "@import"))
        why = "CSS @import";
    else if (strstr(c, "expression"))
        why = "CSS expression";
    else if (strstr(c, "//") || strstr(c, "\\") || css_has_external_url(c))
        why = "CSS URL off the site";
    free(c);
    return why;
}

static const char *url_unsafe(GumboElement *e, const char *attr, const char *value)
{
    char *u = url_normalized(value);
    const char *why = NULL;
    if (lower_starts(u, "javascript:") || lower_starts(u, "vbscript:") ||
        lower_starts(u, "data:")) {
        why = "script or data URL";
    } else if (url_is_external(u)) {
        bool is_a = e->tag == GUMBO_TAG_A || e->tag == GUMBO_TAG_AREA;
        if (is_a && !strcmp(attr, "href")) {
            if (!lower_starts(u, "mailto:") && !lower_starts(u, "tel:") &&
                !(rel_contains(e, "noreferrer") && rel_contains(e, "noopener")))
                why = "external link without rel";
        } else if (e->tag == GUMBO_TAG_LINK && !strcmp(attr, "href")) {
            char *rel = url_normalized(attr_value(e, "rel") ? attr_value(e, "rel") : "");
            size_t n = strlen(rel);
            while (n && (rel[n - 1] == ' ' || rel[n - 1] == '\f'))
                rel[--n] = '\0';
            if (strcmp(rel, "alternate"))
                why = "external link element";
            free(rel);
        } else if (!strcmp(attr, "action") || !strcmp(attr, "formaction")) {
            if (strcmp(value, FORM_ACTION))
                why = "foreign form action";
        } else {
            why = "external resource";
        }
    }
    free(u);
    return why;
}

static const char *const judged_url_attrs[] = {
    "href", "src", "action", "formaction", "poster", "background", "data", "codebase",
    "longdesc", "manifest", "xlink:href", "icon", "lowsrc", "dynsrc", "cite", NULL};

static const char *attribute_unsafe(GumboElement *e, GumboAttribute *a)
{
    if (lower_starts(a->name, "on"))
        return "event handler";
    if (!strcmp(a->name, "ping") || !strcmp(a->name, "srcdoc"))
        return a->name;
    if (!strcmp(a->name, "style"))
        return css_unsafe(a->value);
    if (!strcmp(a->name, "srcset") || !strcmp(a->name, "imagesrcset")) {
        char *copy = strdup(a->value), *save = NULL;
        const char *why = NULL;
        for (char *tok = strtok_r(copy, " ,\t\n", &save); tok && !why;
             tok = strtok_r(NULL, " ,\t\n", &save))
            why = url_unsafe(e, "src", tok);
        free(copy);
        return why;
    }
    for (const char *const *u = judged_url_attrs; *u; u++)
        if (!strcmp(a->name, *u))
            return url_unsafe(e, a->name, a->value);
    return NULL;
}

static const char *element_unsafe(GumboNode *node)
{
    GumboElement *e = &node->v.element;
    if (e->tag_namespace != GUMBO_NAMESPACE_HTML)
        return "SVG or MathML element";
    switch (e->tag) {
    case GUMBO_TAG_SCRIPT: return "script";
    case GUMBO_TAG_IFRAME: case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET:
        return "frame";
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_APPLET:
        return "plugin";
    case GUMBO_TAG_BASE: return "base";
    case GUMBO_TAG_NOSCRIPT: return "noscript";
    case GUMBO_TAG_META: {
        const char *equiv = attr_value(e, "http-equiv");
        if (equiv && lower_starts(equiv, "refresh"))
            return "meta refresh";
        break;
    }
    case GUMBO_TAG_STYLE:
        for (unsigned i = 0; i < e->children.length; i++) {
            GumboNode *c = e->children.data[i];
            if (c->type == GUMBO_NODE_TEXT && css_unsafe(c->v.text.text))
                return css_unsafe(c->v.text.text);
        }
        break;
    default:
        break;
    }
    if (e->tag == GUMBO_TAG_UNKNOWN) {
        GumboStringPiece name = e->original_tag;
        gumbo_tag_from_original_text(&name);
        if (name.length == 6 && !strncmp(name.data, "portal", 6))
            return "portal";
    }
    for (unsigned i = 0; i < e->attributes.length; i++) {
        const char *why = attribute_unsafe(e, e->attributes.data[i]);
        if (why)
            return why;
    }
    return NULL;
}

static const char *tree_unsafe(GumboNode *node)
{
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE)
        return NULL;
    const char *why = element_unsafe(node);
    GumboVector *children = &node->v.element.children;
    for (unsigned i = 0; !why && i < children->length; i++)
        why = tree_unsafe(children->data[i]);
    return why;
}

static const char *gumbo_unsafe(const char *html, size_t len)
{
    GumboOutput *out = gumbo_parse_with_options(&kGumboDefaultOptions, html, len);
    const char *why = tree_unsafe(out->root);
    gumbo_destroy_output(&kGumboDefaultOptions, out);
    return why;
}

/* ---- the inputs ---- */

static const char benign_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"ar\" dir=\"rtl\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSP "\">\n"
    "<meta name=\"referrer\" content=\"no-referrer\">\n"
    "<title>Help &amp; support \xd9\x85\xd8\xb3\xd8\xa7\xd8\xb9\xd8\xaf\xd8\xa9</title>\n"
    "<link rel=\"stylesheet\" href=\"../style.css\">\n"
    "<link rel=\"alternate\" hreflang=\"en\" href=\"../en/index.html\">\n"
    "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"https://example.org/feed.xml\">\n"
    "</head>\n"
    "<body class=\"page\">\n"
    "<!-- navigation -->\n"
    "<nav aria-label=\"Main\"><ul>\n"
    "  <li><a href=\"../index.html\">Home</a></li>\n"
    "  <li><a href=\"posts/index.html#latest\" aria-current=\"page\">Posts</a></li>\n"
    "  <li><a href='modules/one/01-start.html'>Start</a></li>\n"
    "</ul></nav>\n"
    "<main id=main>\n"
    "<h1>Title</h1>\n"
    "<p>Text with <em>emphasis</em>, a &lt;tag&gt; and 3 &gt; 2 &amp; more.</p>\n"
    "<img src=\"img/photo.jpg\" srcset=\"img/photo.jpg 1x, img/photo@2x.jpg 2x\" alt=\"\" "
    "width=\"10\" height=\"10\">\n"
    "<p>Read <a href=\"https://example.org/x?a=1&amp;b=2\" rel=\"noreferrer noopener\">this</a>"
    " or write to <a href=\"mailto:help@example.org\">us</a>.</p>\n"
    "<form action=\"" FORM_ACTION "\" method=\"post\">\n"
    "  <fieldset><legend>Q1</legend>\n"
    "  <label><input type=\"radio\" name=\"q1\" value=\"1\" required> Yes</label>\n"
    "  <label><input type=\"checkbox\" name=\"q2\" checked> No</label>\n"
    "  <textarea name=\"t\" rows=\"3\"></textarea>\n"
    "  <select name=\"s\"><option value=\"a\" selected>A</option></select>\n"
    "  </fieldset>\n"
    "  <button type=\"submit\">Send</button>\n"
    "</form>\n"
    "<div class=\"bar\" style=\"width:40%; background: url(img/bar.png)\"></div>\n"
    "<details><summary>More</summary><p>Hidden</p></details>\n"
    "<table><thead><tr><th scope=\"col\">A</th></tr></thead>"
    "<tbody><tr><td colspan=2>1</td></tr></tbody></table>\n"
    "<br><hr/><wbr />\n"
    "</main>\n"
    "<footer><p lang=\"en\" dir=\"ltr\">&copy; 2024</p></footer>\n"
    "</body>\n"
    "</html>\n";

static const char *const hostile[] = {
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt src=\"x.js\"></ScRiPt>",
    "<script/src=\"x.js\"></script>",
    "<script\n>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" ONERROR=\"alert(1)\">",
    "<img/src=\"x\"/onerror=\"alert(1)\">",
    "<img src=\"x\"\nonerror=\"alert(1)\">",
    "<div onmouseover\n=\n\"alert(1)\">x</div>",
    "<p/onclick=\"alert(1)\">x</p>",
    "<body onload=\"alert(1)\">",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\"&#0000106avascript:alert(1)\">x</a>",
    "<a href=\"java&Tab;script:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<a href=\"java\nscript:alert(1)\">x</a>",
    "<a href=\" \x01javascript:alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"&unknownref;javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;\">x</a>",
    "<a href=\"https://evil.example/\">x</a>",
    "<a href=\"https://evil.example/\" rel=\"noopener\">x</a>",
    "<a href=\"https:&#x2F;&#x2F;evil.example/\">x</a>",
    "<a href=\"&#x2F;&#x2F;evil.example/x\">x</a>",
    "<a href=\"ftp://evil.example/\">x</a>",
    "<a href=\"https://x\" rel=\"noreferrer noopener\" ping=\"x.html\">x</a>",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<img src=\"//evil.example/x.png\">",
    "<img src=\"http://evil.example/x.png\">",
    "<img src=\"\\\\evil.example\\x.png\">",
    "<img src=\"/\\evil.example/x.png\">",
    "<img src=\"&#x2F;&#x2F;evil.example/x.png\">",
    "<img srcset=\"a.png 1x, https://evil.example/b.png 2x\">",
    "<img src=\"x.png\" lowsrc=\"https://evil.example/x.png\">",
    "<picture><source srcset=\"https://evil.example/b.png\"></picture>",
    "<video poster=\"https://evil.example/p.png\"></video>",
    "<audio src=\"https://evil.example/a.ogg\"></audio>",
    "<input type=\"image\" src=\"https://evil.example/x.png\">",
    "<image src=\"https://evil.example/x.png\">",
    "<table background=\"https://evil.example/x.png\"><tr><td>x</td></tr></table>",
    "<iframe src=\"page.html\"></iframe>",
    "<object data=\"x.swf\"></object>",
    "<embed src=\"x.swf\">",
    "<applet code=\"x\"></applet>",
    "<frameset><frame src=\"x\"></frameset>",
    "<portal src=\"https://evil.example/\"></portal>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<meta http-equiv=\"REFRESH\" content=\"0\">",
    "<meta http-equiv=\"Set-Cookie\" content=\"a=b\">",
    "<meta name=\"referrer\" content=\"unsafe-url\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    "<link rel=\"stylesheet\" href=\"//evil.example/x.css\">",
    "<link rel=\"alternate stylesheet\" href=\"https://evil.example/x.css\">",
    "<link rel=\"preload\" as=\"image\" imagesrcset=\"https://evil.example/x.png 1x\" href=\"a.png\">",
    "<div style=\"background:url(http://evil.example/x.png)\">x</div>",
    "<div style=\"background:URL( 'https://evil.example/x.png' )\">x</div>",
    "<div style=\"background:u&#114;l(//evil.example/x.png)\">x</div>",
    "<div style=\"background:url(&quot;https://evil.example/x&quot;)\">x</div>",
    "<div style=\"background:u\\72l(https://evil.example/x)\">x</div>",
    "<p style=\"background-image:url(data:image/png;base64,xx)\">x</p>",
    "<div style=\"width:expression(alert(1))\">x</div>",
    "<div style=\"width:expr/**/ession(alert(1))\">x</div>",
    "<div style=\"behavior: url(x.htc)\">x</div>",
    "<style>@import url(x.css);</style>",
    "<style>@import 'x.css';</style>",
    "<style>body{background:url(\"https://evil.example/x.png\")}</style>",
    "<style>body{background:image-set(\"https://evil.example/x.png\" 1x)}</style>",
    "<style>body{color:red}",
    "<form action=\"https://evil.example/\"><input></form>",
    "<form><input name=q></form>",
    "<button formaction=\"https://evil.example/\">x</button>",
    "<p title=`x`>x</p>",
    "<p title=x\"y>x</p>",
    "<p title= >x</p>",
    "<img src=x onerror=alert(1)//",
    "<p title=\"x>",
    "<p>x<p",
    "<a href=\"x\"onclick=\"alert(1)\">x</a>",
    "<a href=\"x.html\" HREF=\"y.html\">x</a>",
    "<p <img src=x onerror=alert(1)>>",
    "</p foo=\"bar\">",
    "<!-- x --!><script>alert(1)</script> -->",
    "<!--> <img src=x onerror=alert(1)> -->",
    "<!---> <img src=x onerror=alert(1)> -->",
    "<!-- unterminated <img src=x onerror=alert(1)>",
    "<!--[if IE]><p>x</p><![endif]-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<!x><img src=x>",
    "<?xml version=\"1.0\"?>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<textarea><img src=x onerror=alert(1)>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><p>",
    "<p>1 < 2</p>",
    "<\xc3\xa9>x",
    "<a href=\"https://x\" rel=\"noreferrer noopener\" target=_blank onclick=\"x\">x</a>",
    "<div data-x=\"1\" onfocus=\"x\" tabindex=\"0\">x</div>",
};

static const char *const safe_snippets[] = {
    "<a href=\"javascript-guide.html\">guide</a>",
    "<a href=\"?q=javascript:x\">q</a>",
    "<a href=\"./javascript:x\">q</a>",
    "<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">x</p>",
    "<p title=\"<script>alert(1)</script>\">x</p>",
    "<p>on click, &lt;script&gt; is text</p>",
    "<a href=\"#top\">top</a>",
    "<a href=\"mailto:help@example.org\">mail</a>",
    "<a href=\"tel:+123\">call</a>",
    "<a href=\"https://example.org/\" rel=\"noopener noreferrer\">x</a>",
    "<a href=\"//example.org/\" rel=\"NOREFERRER  noopener\">x</a>",
    "<link rel=\"alternate\" hreflang=\"fr\" href=\"https://example.org/fr/\">",
    "<img src=\"img/a.png\" srcset=\"img/a.png 1x, img/a@2x.png 2x\" alt=\"\">",
    "<img src=\"img/a b.png\" alt=\"x\">",
    "<div style=\"color:red; background:url(img/bg.png)\">x</div>",
    "<style>body{color:#333;font-family:\"Noto Sans\", sans-serif}</style>",
    "<style>a::before{content:\"Note: \"}</style>",
    "<!-- a comment -- with dashes -->",
    "<!---->",
    "<textarea name=\"t\"><script>alert(1)</script></textarea>",
    "<title>a <b> c</title>",
    "<title>a</title ><p>x</p>",
    "<p class=unquoted id=x1>x</p>",
    "<br/><hr /><wbr>",
    "<input type=\"text\" name=\"q\" required>",
    "<form action=\"" FORM_ACTION "\" method=\"post\"><button>Send</button></form>",
    "<a href=\"page.html?a=1&amp;b=2\">x</a>",
    "<p data-x=\"1\" aria-label=\"y\">x</p>",
    "<details open><summary>s</summary>x</details>",
    "<p>&#x3C;script&#x3E;</p>",
    "<p title='single \"quoted\"'>x</p>",
    "<custom-element>x</custom-element>",
};

/* ---- tests ---- */

static void test_benign_page_passes(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    int n = scan_n(benign_page, strlen(benign_page), &page_rules, &d);
    for (size_t i = 0; i < d.len; i++) {
        char *line = diag_format(&d.items[i]);
        fprintf(stderr, "%s\n", line);
        free(line);
    }
    assert_int_equal(n, 0);
    assert_int_equal(d.errors, 0);
    assert_null(gumbo_unsafe(benign_page, strlen(benign_page)));
    diag_free(&d);
}

static void test_hostile_snippets_rejected(void **state)
{
    (void)state;
    size_t count = sizeof hostile / sizeof *hostile;
    assert_true(count >= 60);
    for (size_t i = 0; i < count; i++) {
        diags_t d = DIAGS_INIT;
        int n = scan_n(hostile[i], strlen(hostile[i]), &fragment_rules, &d);
        if (n == 0)
            fprintf(stderr, "accepted: %s\n", hostile[i]);
        assert_true(n > 0);
        assert_int_equal(d.errors, (size_t)n);
        diag_free(&d);
    }
}

static void test_nul_byte_rejected(void **state)
{
    (void)state;
    static const char html[] = "<p>a\0b</p>";
    diags_t d = DIAGS_INIT;
    assert_true(scan_n(html, sizeof html - 1, &fragment_rules, &d) > 0);
    assert_int_equal(d.items[0].line, 1);
    assert_int_equal(d.items[0].col, 5);
    assert_non_null(strstr(d.items[0].msg, "NUL"));
    diag_free(&d);
}

static void test_safe_snippets_accepted_and_gumbo_agrees(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof safe_snippets / sizeof *safe_snippets; i++) {
        const char *s = safe_snippets[i];
        if (scan(s, &fragment_rules) != 0)
            fprintf(stderr, "rejected: %s\n", s);
        assert_int_equal(scan(s, &fragment_rules), 0);
        const char *why = gumbo_unsafe(s, strlen(s));
        if (why)
            fprintf(stderr, "gumbo finds %s in: %s\n", why, s);
        assert_null(why);
    }
}

/* Every hostile snippet is also unsafe in gumbo's reading or malformed:
 * a check that the judge itself can tell safe from unsafe. */
static void test_judge_sees_script(void **state)
{
    (void)state;
    const char *s = "<SCRIPT>alert(1)</SCRIPT>";
    assert_non_null(gumbo_unsafe(s, strlen(s)));
    s = "<a href=\"jav&#x09;ascript:alert(1)\">x</a>";
    assert_non_null(gumbo_unsafe(s, strlen(s)));
    s = "<!-- x --!><script>alert(1)</script> -->";
    assert_non_null(gumbo_unsafe(s, strlen(s)));
}

static uint32_t next_random(uint32_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

static const char *const fuzz_pieces[] = {
    "<", ">", "\"", "'", "/", "=", " ", "\n", "\t", "`", "-", "!", "&", ";", "on",
    "onerror=x ", "script", "<script>", "</script>", "javascript:", "java&#x09;script:",
    "&#106;", "&#x6A;", "&Tab;", "&colon;", "data:", "//evil.example/", "\\\\evil",
    " src=", " href=", "http://evil.example/", "<!--", "-->", "--!>", "<!", "<svg>",
    "<math>", "<style>", "</style>", "url(", "@import", "<iframe>", "<textarea>",
    "</textarea>", "<title>", "</title>", "<img src=", "<a href=", "<base href=",
    "<meta http-equiv=refresh>", "<noscript>", " rel=noopener", " style=", "expression(",
};

/* Differential fuzzing: random edits of accepted snippets; whatever the
 * scanner still accepts must be safe in gumbo's reading. */
static void test_mutations_accepted_only_when_gumbo_safe(void **state)
{
    (void)state;
    /* WAYMARK_FUZZ_ITERATIONS / WAYMARK_FUZZ_SEED run a longer campaign. */
    const char *env = getenv("WAYMARK_FUZZ_ITERATIONS");
    long iterations = env ? atol(env) : 30000;
    env = getenv("WAYMARK_FUZZ_SEED");
    uint32_t seed = env ? (uint32_t)strtoul(env, NULL, 0) : 0x5eed1234;
    size_t nsafe = sizeof safe_snippets / sizeof *safe_snippets;
    size_t npieces = sizeof fuzz_pieces / sizeof *fuzz_pieces;
    int accepted = 0;
    for (long iter = 0; iter < iterations; iter++) {
        buf_t b = BUF_INIT;
        uint32_t pick = next_random(&seed) % (nsafe + 1);
        buf_puts(&b, pick < nsafe ? safe_snippets[pick] : benign_page);
        int edits = 1 + (int)(next_random(&seed) % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = b.len ? next_random(&seed) % (b.len + 1) : 0;
            buf_t m = BUF_INIT;
            buf_putn(&m, b.data, at);
            if (next_random(&seed) % 4 == 0 && at < b.len)
                at += 1 + next_random(&seed) % 4; /* delete a few bytes */
            else
                buf_puts(&m, fuzz_pieces[next_random(&seed) % npieces]);
            if (at < b.len)
                buf_putn(&m, b.data + at, b.len - at);
            buf_free(&b);
            b = m;
        }
        if (scan(buf_cstr(&b), &fragment_rules) == 0) {
            accepted++;
            const char *why = gumbo_unsafe(b.data, b.len);
            if (why)
                fprintf(stderr, "scanner accepted, gumbo finds %s: %s\n", why, b.data);
            assert_null(why);
        }
        buf_free(&b);
    }
    assert_true(accepted > iterations / 30); /* the fuzzing did exercise acceptance */
}

static void test_positions(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    const char *html = "<p>\n  <img src=\"//evil.example/x.png\" alt=\"\">\n</p>";
    assert_int_equal(scan_n(html, strlen(html), &fragment_rules, &d), 1);
    assert_int_equal(d.items[0].line, 2);
    assert_int_equal(d.items[0].col, 8);
    assert_string_equal(d.items[0].path, "out/page.html");
    diag_free(&d);

    /* columns count characters, not bytes */
    html = "<p>\xc3\xa9\xc3\xa9</p>\n<p>x</p><SCRIPT>x</SCRIPT>";
    assert_int_equal(scan_n(html, strlen(html), &fragment_rules, &d), 1);
    assert_int_equal(d.items[0].line, 2);
    assert_int_equal(d.items[0].col, 9);
    assert_non_null(strstr(d.items[0].msg, "<script>"));
    diag_free(&d);

    html = "\xc3\xa9<a href=\"javascript:x\">";
    assert_int_equal(scan_n(html, strlen(html), &fragment_rules, &d), 1);
    assert_int_equal(d.items[0].line, 1);
    assert_int_equal(d.items[0].col, 5);
    assert_non_null(strstr(d.items[0].msg, "javascript:"));
    diag_free(&d);
}

static void test_missing_metadata_named_at_line_1(void **state)
{
    (void)state;
    diags_t d = DIAGS_INIT;
    const char *html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>x</title></head><body><p>x</p>"
                       "<meta name=\"referrer\" content=\"no-referrer\"></body></html>";
    int n = scan_n(html, strlen(html), &page_rules, &d);
    assert_int_equal(n, 4); /* dir, viewport, CSP, referrer (in body: ignored) */
    const char *want[] = {"dir attribute", "viewport", "Content-Security-Policy", "referrer"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(d.items[i].line, 1);
        assert_non_null(strstr(d.items[i].msg, want[i]));
    }
    diag_free(&d);
}

static void test_csp_must_match(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    const char *csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSP "\">";
    const char *bad = strstr(benign_page, csp);
    assert_non_null(bad);
    buf_putn(&b, benign_page, (size_t)(bad - benign_page));
    buf_puts(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\">");
    buf_puts(&b, bad + strlen(csp));
    diags_t d = DIAGS_INIT;
    assert_int_equal(scan_n(b.data, b.len, &page_rules, &d), 2); /* differs + missing */
    assert_non_null(strstr(d.items[0].msg, "differs"));
    assert_int_equal(d.items[0].line, 6);
    diag_free(&d);
    buf_free(&b);
}

static void test_forms_need_configured_action(void **state)
{
    (void)state;
    scan_rules no_forms = {CSP, NULL, false};
    const char *form = "<form action=\"" FORM_ACTION "\"><button>x</button></form>";
    assert_int_equal(scan(form, &fragment_rules), 0);
    assert_int_equal(scan(form, &no_forms), 1);
}

static void test_report_is_capped(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 25; i++)
        buf_puts(&b, "<p onclick=\"x\">x</p>\n");
    diags_t d = DIAGS_INIT;
    assert_int_equal(scan_n(b.data, b.len, &fragment_rules, &d), 25);
    assert_int_equal(d.len, 21);
    assert_non_null(strstr(d.items[20].msg, "and 5 more"));
    assert_int_equal(d.items[19].line, 20);
    diag_free(&d);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_benign_page_passes),
        cmocka_unit_test(test_hostile_snippets_rejected),
        cmocka_unit_test(test_nul_byte_rejected),
        cmocka_unit_test(test_safe_snippets_accepted_and_gumbo_agrees),
        cmocka_unit_test(test_judge_sees_script),
        cmocka_unit_test(test_mutations_accepted_only_when_gumbo_safe),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_missing_metadata_named_at_line_1),
        cmocka_unit_test(test_csp_must_match),
        cmocka_unit_test(test_forms_need_configured_action),
        cmocka_unit_test(test_report_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
