// Check 6: axe-core on every page, WCAG 2.0/2.1 A and AA and 2.2 AA, in the
// light colour scheme; the colour rules again in the dark scheme.
//
// axe needs JavaScript: in a javaScriptEnabled:false context Playwright's
// page.evaluate still runs, but axe.run() never settles (its timers do not
// fire), so axe runs in a SECOND context with JavaScript enabled, used for
// this check only. Output rules (no script) are checked in the no-JS one.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { didNotLoad } from '../lib/browser.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_VERSION = require('axe-core/package.json').version;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

// Makes every document of context start with axe loaded (cheaper than
// evaluating its source after each load).
export function prepareAxeContext(context) {
  return context.addInitScript({ content: AXE_SOURCE });
}

// tab: a Tab of the JavaScript-enabled context, prepared as above. Request problems are the
// requests checks' business; only a page that did not load stops axe.
export async function checkAxe(tab, url) {
  const loaded = await tab.load(url);
  if (didNotLoad(loaded)) return [loaded[0]];
  const page = tab.page;
  await page.emulateMedia({ colorScheme: 'light' });
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const light = await runAxe(page, { runOnly: { type: 'tag', values: TAGS } });
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await runAxe(page, { runOnly: { type: 'rule', values: COLOUR_RULES } });
  return [...light.map(v => `light: ${v}`), ...dark.map(v => `dark: ${v}`)];
}

// One string per violation: id (impact) at targets: first message.
async function runAxe(page, options) {
  const violations = await page.evaluate(
    opts => window.axe.run(document, opts).then(r => r.violations.map(v => ({
      id: v.id, impact: v.impact,
      targets: v.nodes.map(n => n.target.join(' ')),
      message: (v.nodes[0]?.any[0] || v.nodes[0]?.all[0] || v.nodes[0]?.none[0])?.message || v.help,
    }))),
    { ...options, resultTypes: ['violations'] });
  return violations.map(v => {
    const t = v.targets.slice(0, 5).map(s => `"${s}"`).join(', ') +
      (v.targets.length > 5 ? ` (+${v.targets.length - 5} more)` : '');
    return `${v.id} (${v.impact}) at ${t}: ${v.message.slice(0, 200)}`;
  });
}
