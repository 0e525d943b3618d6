#!/usr/bin/env python3
"""Checks that every relative link (href, src) in the HTML pages below a
folder leads to a file in that folder. Prints one line per broken link and
exits 1 if any; with --absolute, also prints every absolute URL found
("ABS <page> <url>"), for the caller to judge."""
import html.parser
import os
import sys
import urllib.parse


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append((tag, value))


def main():
    root = sys.argv[1]
    show_absolute = "--absolute" in sys.argv[2:]
    broken = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".html"):
                continue
            page = os.path.join(folder, name)
            parser = Links()
            with open(page, encoding="utf-8") as f:
                parser.feed(f.read())
            rel_page = os.path.relpath(page, root)
            for tag, url in parser.urls:
                parts = urllib.parse.urlsplit(url)
                if parts.scheme or url.startswith("//"):
                    if show_absolute:
                        print(f"ABS {rel_page} <{tag}> {url}")
                    continue
                if not parts.path:
                    continue  # "#fragment" on the same page
                target = os.path.normpath(os.path.join(folder, urllib.parse.unquote(parts.path)))
                if url.endswith("/"):
                    target = os.path.join(target, "index.html")
                inside = os.path.commonpath([os.path.abspath(root), os.path.abspath(target)]) == os.path.abspath(root)
                if not inside or not os.path.isfile(target):
                    print(f"BROKEN {rel_page} <{tag}> {url}")
                    broken += 1
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
