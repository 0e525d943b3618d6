// What is in a built site folder: its pages, languages, and which pages
// stand for each page type (for screenshots).
import fs from 'node:fs';
import path from 'node:path';

// Every file under dir, as sorted site-relative POSIX paths.
export function listFiles(dir) {
  const out = [];
  const walk = rel => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

export const isHtml = rel => /\.html?$/i.test(rel);
export const isCss = rel => /\.css$/i.test(rel);

// Language folders: top-level folders that have an index.html.
export function languagesOf(pages) {
  return pages.filter(p => /^[^/]+\/index\.html$/.test(p)).map(p => p.split('/')[0]);
}

// root | home | 404 | post | step | survey | section-index | page
export function pageKind(rel, langs) {
  if (rel === 'index.html') return 'root';
  const [lang, ...rest] = rel.split('/');
  if (!langs.includes(lang)) return 'page';
  const sub = rest.join('/');
  if (sub === 'index.html') return 'home';
  if (sub === '404.html') return '404';
  if (/^posts\/.+\/index\.html$/.test(sub)) return 'post';
  if (STEP.test(sub)) return 'step';
  if (SURVEY.test(sub)) return 'survey';
  if (/^[^/]+\/index\.html$/.test(sub)) return 'section-index';
  return 'page';
}

// A programme's step: a page two folders below a programme(s)/modules
// folder (en/programmes/stop/02-triggers/index.html). A survey: a page
// one folder below surveys/ (en/surveys/wellbeing/index.html).
const STEP = /(^|\/)(programmes?|modules)\/[^/]+\/[^/]+\/index\.html$/;
const SURVEY = /(^|\/)surveys\/[^/]+\/index\.html$/;

// The pages to photograph: the root, each language's home, its first
// post, first programme step and first survey (when the site has them),
// and one page per first-level folder. name: <lang>-<slug>.
export function screenshotTargets(pages, langs) {
  const targets = [];
  if (pages.includes('index.html')) targets.push({ rel: 'index.html', name: 'root-index' });
  for (const lang of langs) {
    targets.push({ rel: `${lang}/index.html`, name: `${lang}-home` });
    const post = pages.find(p => p.startsWith(`${lang}/posts/`) && /^[^/]+\/posts\/.+\/index\.html$/.test(p));
    if (post) targets.push({ rel: post, name: slugName(post) });
    for (const kind of [STEP, SURVEY]) {
      const rel = pages.find(p => p.startsWith(`${lang}/`) && kind.test(p.slice(lang.length + 1)));
      if (rel) targets.push({ rel, name: slugName(rel) });
    }
    const dirs = [...new Set(pages.filter(p => p.startsWith(`${lang}/`) && p.split('/').length > 2)
      .map(p => p.split('/')[1]))];
    for (const d of dirs) {
      const rel = pages.includes(`${lang}/${d}/index.html`) ? `${lang}/${d}/index.html`
        : pages.find(p => p.startsWith(`${lang}/${d}/`));
      if (!targets.some(t => t.rel === rel)) targets.push({ rel, name: slugName(rel) });
    }
  }
  return targets;
}

// en/posts/first-steps/index.html -> en-posts-first-steps
function slugName(rel) {
  return rel.replace(/\/index\.html$/, '').replace(/\.html$/, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-');
}

// An URL path for a site-relative file, each segment percent-encoded.
export function encodePath(rel) {
  return rel.split('/').map(encodeURIComponent).join('/');
}
