#!/usr/bin/env python3
"""An independent check of a built site (not waymark's own htmlscan): every
HTML file under DIR is parsed with Python's html.parser and must hold no
script, no event attribute, no script-capable or external URL, no frame,
object, form, base or meta refresh. Prints one line per problem
("file:line: rule: detail") and exits 1 when there is any.
  scan_output.py SITE_DIR"""
import html
import os
import re
import sys
from html.parser import HTMLParser

URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "poster", "data", "cite",
             "background", "longdesc", "usemap", "ping", "xlink:href", "manifest", "codebase"}
BANNED_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
               "form", "portal", "svg", "math", "noscript", "template", "style"}
RESOURCE_TAGS = {"img", "link", "source", "video", "audio", "input", "image", "track"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript|file):", re.I)
EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
STRIP = re.compile(r"[\x00-\x20\x7f]+")

class Checker(HTMLParser):
    def __init__(self, path, out):
        super().__init__(convert_charrefs=True)
        self.path, self.out = path, out

    def problem(self, rule, detail):
        self.out.append("%s:%d: %s: %s" % (self.path, self.getpos()[0], rule, detail[:120]))

    def handle_starttag(self, tag, attrs):
        self.check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self.check(tag, attrs)

    def check(self, tag, attrs):
        if tag in BANNED_TAGS:
            self.problem("banned element", "<%s>" % tag)
        a = {k: (v or "") for k, v in attrs}
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problem("event attribute", "%s=%r on <%s>" % (name, value, tag))
            if name == "style" and re.search(r"url\s*\(|expression\s*\(|@import|behavio", value, re.I):
                self.problem("style loads a resource", value)
            if name in URL_ATTRS:
                url = STRIP.sub("", html.unescape(value))
                if BAD_SCHEME.match(url):
                    self.problem("script-capable URL", "%s=%r on <%s>" % (name, value, tag))
                elif EXTERNAL.match(url) and not re.match(r"^(mailto|tel):", url, re.I):
                    if tag != "a":
                        self.problem("external resource", "%s=%r on <%s>" % (name, value, tag))
                    elif name != "href" or not re.match(r"^https?:", url, re.I):
                        self.problem("external URL", "%s=%r on <a>" % (name, value))
                    elif not {"noreferrer", "noopener"} <= set(a.get("rel", "").split()):
                        self.problem("external link without rel=noreferrer noopener", value)
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problem("meta refresh", a.get("content", ""))
        if tag in RESOURCE_TAGS and tag != "link" and "srcset" in a:
            pass

def main(root):
    problems = []
    for d, _, files in os.walk(root):
        for f in sorted(files):
            path = os.path.join(d, f)
            if f.endswith(".css"):
                css = open(path, encoding="utf-8", errors="replace").read()
                for m in re.finditer(r"url\(\s*['\"]?([^)'\"]*)", css):
                    if EXTERNAL.match(m.group(1).strip()):
                        problems.append("%s: external url() in CSS: %s" % (path, m.group(1)))
                if "@import" in css:
                    problems.append("%s: @import in CSS" % path)
            if not f.endswith(".html"):
                continue
            data = open(path, "rb").read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                problems.append("%s: not UTF-8: %s" % (path, e))
                continue
            if "root:x:0:0" in text:
                problems.append("%s: contains /etc/passwd" % path)
            c = Checker(path, problems)
            c.feed(text)
            c.close()
    for p in problems:
        print(p)
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
