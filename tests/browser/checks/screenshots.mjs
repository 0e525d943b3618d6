// Check 5: full-page screenshots of each page type at phone and desktop
// size, named <lang>-<slug>-<phone|desktop>.png. A page that needs
// horizontal scrolling at a viewport's width fails.
import path from 'node:path';
import { didNotLoad } from '../lib/browser.mjs';

export const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
];

// tab: a Tab of a context whose viewport is viewport.
export async function takeScreenshot(tab, url, file, viewport) {
  const loaded = await tab.load(url);
  if (didNotLoad(loaded)) return [loaded[0]];
  const width = await tab.page.evaluate(() => document.documentElement.scrollWidth);
  await tab.page.screenshot({ path: file, fullPage: true });
  if (width > viewport.width)
    return [`page is ${width}px wide at a ${viewport.width}px viewport (horizontal scrolling); see ${path.basename(file)}`];
  return [];
}
