// Check 3: every relative <a>, <area> and <link> href resolves to a file of
// the site, never to a bare directory, and its #fragment names an id there.
import fs from 'node:fs';
import path from 'node:path';

// Runs in the page: the hrefs and the fragment targets it has.
export function collectLinks() {
  return {
    hrefs: [...document.querySelectorAll('a[href], area[href], link[href]')]
      .map(e => ({ tag: e.localName, href: e.getAttribute('href') })),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id)
      .concat([...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name'))),
  };
}

const ROOT = 'http://site.invalid/__site__/';

// dom: { rel -> collectLinks() result }. Returns { rel -> problems[] } and
// lists external links on report.
export function checkLinks(siteDir, dom, report) {
  const results = {};
  for (const [rel, { hrefs }] of Object.entries(dom)) {
    const problems = [];
    for (const { tag, href } of hrefs) {
      const p = checkHref(siteDir, dom, rel, href.trim(), report);
      if (p) problems.push(`<${tag} href="${href}">: ${p}`);
    }
    results[rel] = problems;
  }
  return results;
}

// One href from page rel: a problem string, or null when it is fine.
function checkHref(siteDir, dom, rel, href, report) {
  if (href === '') return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
    const scheme = href.split(':')[0].toLowerCase();
    if (scheme === 'javascript') return null;          // output-rules reports it
    if (scheme === 'file') return 'absolute file: URL';
    report.listExternal(href, rel);
    return null;
  }
  if (href.startsWith('//')) return 'protocol-relative URL (leaves the site, breaks from file://)';
  if (href.startsWith('/')) return 'root-relative URL (breaks under a sub-path and from file://)';

  const url = new URL(href, ROOT + rel);
  if (!url.pathname.startsWith('/__site__/')) return 'goes above the site root';
  let target;
  try { target = decodeURIComponent(url.pathname.slice('/__site__/'.length)); }
  catch { return 'bad percent-encoding'; }
  const full = path.join(siteDir, target);
  if (target === '' || target.endsWith('/') || isDir(full)) {
    const idx = path.join(full, 'index.html');
    return fs.existsSync(idx)
      ? 'links to a directory: must end in index.html (a directory link fails from file://)'
      : 'links to a directory that has no index.html';
  }
  if (!fs.existsSync(full)) return `target ${target} does not exist`;
  const frag = url.hash.slice(1);
  if (!frag || !dom[target]) return null;    // no fragment, or not a page
  let id;
  try { id = decodeURIComponent(frag); } catch { return `bad fragment #${frag}`; }
  if (dom[target].ids.includes(id) || id.toLowerCase() === 'top') return null;
  return `no element with id "${id}" in ${target}`;
}

function isDir(p) {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
