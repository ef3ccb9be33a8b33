// Drives the review web app in the system's Chromium, the way a reviewer
// works: sign in, open the held document from the worklist, correct a field
// with the keyboard, approve. Exit code 0 when every step showed what it
// should. Run by tests/review_test.cc:
//
//   node tests/browser/review_e2e.mjs URL USER PASSWORD SCREENSHOT.png
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, user, password, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error('usage: review_e2e.mjs URL USER PASSWORD SCREENSHOT');
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'intake-review-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const cspViolations = [];
let failed = false;
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });

  // Not signed in: the worklist sends us to the sign-in page.
  await page.goto(url + '/');
  if (!page.url().endsWith('/login')) throw new Error('not sent to /login but to ' + page.url());
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(url + '/'), page.click('button[type=submit]')]);

  // The worklist shows the held document: open it.
  const link = page.locator('table.worklist tbody a').first();
  await link.waitFor();
  const documentId = (await link.textContent()).trim();
  await Promise.all([page.waitForURL(/\/documents\//), link.click()]);
  await page.waitForSelector('figure.page img');
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  const boxes = await page.locator('figure.page .box').count();
  if (boxes === 0) throw new Error('no field box drawn on the page');
  const focused = await page.evaluate(() => document.activeElement?.name ?? '');
  if (!focused.startsWith('field.')) throw new Error('the first field does not have the keyboard focus');
  await page.screenshot({ path: screenshot });

  // Correct the patient's last name (or the first field) with the keyboard:
  // type, Enter to accept and move on, Ctrl+Enter to approve.
  let field = page.locator('input[name="field.patient.last_name"]');
  if (await field.count() === 0) field = page.locator('#approve .field input').first();
  const before = await field.inputValue();
  const corrected = before === 'OKAFOR' ? 'OKAFOR-SMITH' : 'OKAFOR';
  await field.focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(corrected);
  await page.keyboard.press('Enter');
  if (!(await field.evaluate((e) => e.closest('.field').classList.contains('accepted')))) {
    throw new Error('Enter did not accept the field');
  }
  await Promise.all([page.waitForURL(/done=approved/), page.keyboard.press('Control+Enter')]);
  const state = (await page.locator('#review-state').textContent()).trim();
  if (state !== 'done') throw new Error('after approval the review is ' + state);
  const value = await page.locator('input[name="' + (await field.getAttribute('name')) + '"]').inputValue();
  if (value !== corrected) throw new Error('the corrected value was not kept');
  if (cspViolations.length) throw new Error('CSP violations: ' + cspViolations.join('; '));
  console.log('approved ' + documentId + ' with one corrected field');
} catch (error) {
  console.error('review_e2e: ' + error.message);
  failed = true;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
