// Survey forms in headless Chromium with JavaScript off (Tor Browser "Safest"):
//   node tests/e2e/surveys_browser.mjs SITE_DIR SCREENSHOT_DIR
// A tiny loopback HTTP server serves the built site and records the body of
// every POST to /submit (the form's endpoint), answering 303 to the thanks
// page as `waymark serve` would. Prints "PASS name" / "FAIL name: why".
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [site, shots] = process.argv.slice(2);
const posts = [];
let failed = 0;
const result = (name, ok, why) => {
  if (ok) console.log(`PASS ${name}`);
  else { failed++; console.log(`FAIL ${name}: ${why}`); }
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/submit') {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      posts.push(body);
      const lang = new URLSearchParams(body).get('_lang') || 'en';
      res.writeHead(303, { Location: `${lang}/surveys/experience/thanks/index.html` });
      res.end();
    });
    return;
  }
  const file = path.join(site, decodeURIComponent(url.pathname));
  if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404); res.end(); return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  // Nothing may leave the loopback server.
  await context.route('**/*', r => r.request().url().startsWith(base) ? r.continue() : r.abort());
  const page = await context.newPage();
  const survey = `${base}en/surveys/experience/index.html`;
  await page.goto(survey);

  const dependent = page.locator('#q-tried_to_stop');
  const hiddenFirst = !(await dependent.isVisible());
  await page.locator('#f-viewed_images\\.2').check();
  result('surveys browser: a branching answer reveals the dependent question (CSS :has, no script)',
    hiddenFirst && await dependent.isVisible(),
    `visible before: ${!hiddenFirst}, after: ${await dependent.isVisible()}`);
  await page.locator('#f-viewed_images\\.1').check();
  result('surveys browser: another answer hides it again', !(await dependent.isVisible()), 'still visible');
  const noteHidden = !(await page.locator('#q-tried_to_stop\\.cond').isVisible());
  result('surveys browser: the "Answer only if" note is hidden where :has() works', noteHidden, 'visible');

  // An empty submission: the browser's validation must stop it.
  await page.reload();
  await page.locator('button[type=submit]').click();
  await page.waitForTimeout(500);
  const invalid = await page.locator('#f-thoughts_frequency\\.1:invalid').count();
  result('surveys browser: required blocks an empty submission',
    posts.length === 0 && page.url() === survey && invalid === 1,
    `posts ${posts.length}, url ${page.url()}, invalid ${invalid}`);

  // A complete submission: codes and the version hash go to the endpoint.
  await page.locator('#f-age').selectOption('3');
  await page.locator('#f-thoughts_frequency\\.4').check();
  await page.locator('#f-worry\\.2').check();
  await page.locator('#f-feelings\\.low\\.1').check();
  await page.locator('#f-viewed_images\\.2').check();
  await page.locator('#f-tried_to_stop\\.3').check();
  await page.locator('#f-coping\\.1').check();
  await page.locator('#f-coping\\.97').check();
  await page.locator('#f-coping\\.other').fill('Walking');
  await page.locator('#f-want_help\\.1').check();
  await page.locator('#f-help_kind\\.2').check();
  await page.locator('button[type=submit]').click();
  await page.waitForURL('**/thanks/index.html', { timeout: 10000 }).catch(() => {});
  const version = JSON.parse(fs.readFileSync(path.join(site, 'surveys/experience/schema.json'))).version;
  const body = new URLSearchParams(posts[0] || '');
  const want = { _survey: 'experience', _version: version, _lang: 'en', age: '3', thoughts_frequency: '4',
    worry: '2', 'feelings.low': '1', viewed_images: '2', tried_to_stop: '3', 'coping.other': 'Walking',
    want_help: '1', help_kind: '2' };
  const wrong = Object.entries(want).filter(([k, v]) => body.get(k) !== v).map(([k, v]) => `${k}=${body.get(k)} (want ${v})`);
  if (body.getAll('coping').join(',') !== '1,97') wrong.push(`coping=${body.getAll('coping')}`);
  result('surveys browser: the POST body carries codes and the version hash',
    posts.length === 1 && wrong.length === 0, posts.length !== 1 ? `${posts.length} posts` : wrong.join('; '));
  result('surveys browser: the endpoint\'s 303 leads to the thanks page', page.url().endsWith('/en/surveys/experience/thanks/index.html'), page.url());

  // Screenshots to look at: English and Arabic, with a branch revealed.
  fs.mkdirSync(shots, { recursive: true });
  for (const lang of ['en', 'ar']) {
    await page.goto(`${base}${lang}/surveys/experience/index.html`);
    await page.locator('#f-viewed_images\\.2').check();
    await page.screenshot({ path: path.join(shots, `survey-${lang}.png`), fullPage: true });
    const phone = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${base}${lang}/surveys/experience/index.html`);
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await phone.screenshot({ path: path.join(shots, `survey-${lang}-phone.png`), fullPage: true });
    result(`surveys browser: ${lang} survey page fits a phone screen`, !wide, 'scrolls sideways');
    await phone.close();
  }
} catch (e) {
  result('surveys browser: runs', false, e.message.split('\n')[0]);
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failed ? 1 : 0;
