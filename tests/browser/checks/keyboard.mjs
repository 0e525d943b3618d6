// Check 4: the first Tab stop is the skip link (href="#main" or class
// "skip") or a quick-exit link; when it is the quick exit, the skip link is
// the second stop. Activating the skip link must go to #main: the location
// hash becomes #main and the next Tab lands inside main or after it.

// Runs in the page: what has focus, and where it is relative to #main.
function focusInfo() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const main = document.getElementById('main');
  const r = el.getBoundingClientRect();
  const cls = typeof el.className === 'string' ? el.className : '';
  return {
    desc: `<${el.localName}${el.getAttribute('href') !== null ? ` href="${el.getAttribute('href')}"` : ''}` +
      `${cls ? ` class="${cls}"` : ''}> "${(el.textContent || '').trim().slice(0, 40)}"`,
    skip: el.getAttribute('href') === '#main' || el.classList.contains('skip'),
    quickExit: el.classList.contains('quick-exit'),
    href: el.getAttribute('href'),
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
      r.top < innerHeight && r.left < innerWidth,
    // true when focus is inside #main or after it in document order
    notBeforeMain: !main || main.contains(el) ||
      !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
  };
}

export async function checkKeyboard(page) {
  const problems = [];
  await page.keyboard.press('Tab');
  let f = await page.evaluate(focusInfo);
  if (!f) return ['first Tab focuses nothing'];
  if (f.quickExit && !f.skip) {
    await page.keyboard.press('Tab');
    const second = await page.evaluate(focusInfo);
    if (!second || !second.skip)
      return [`after the quick-exit link the second Tab focuses ${second ? second.desc : 'nothing'}, not the skip link`];
    f = second;
  } else if (!f.skip) {
    return [`first Tab focuses ${f.desc}, not the skip link (href="#main" or class "skip") nor a quick-exit link`];
  }
  if (!f.visible) problems.push(`skip link ${f.desc} is focused but not visible`);
  if (f.href !== '#main') problems.push(`skip link ${f.desc} should point at #main`);
  if (!(await page.evaluate(() => !!document.getElementById('main'))))
    return [...problems, 'no element with id "main"'];

  await page.keyboard.press('Enter');
  let hash = '';
  for (let i = 0; i < 20 && hash !== '#main'; i++) {
    hash = await page.evaluate(() => location.hash);
    if (hash !== '#main') await page.waitForTimeout(50);
  }
  if (hash !== '#main') return [...problems, `activating the skip link leaves location.hash at "${hash}", not #main`];
  await page.keyboard.press('Tab');
  const after = await page.evaluate(focusInfo);
  if (after && !after.notBeforeMain)
    problems.push(`after the skip link, Tab goes to ${after.desc}, before #main`);
  return problems;
}
