// The example app's page, end to end, in a real headless Chromium.
//
// Run by tests/browser.rs (`node --test app.mjs`) against the emulator and the example
// app started in-process. Environment:
//   HAWCX_APP_URL             the app, e.g. http://127.0.0.1:41235 (required)
//   HAWCX_IDP_URL             the emulator (required; its dev mailbox has the codes)
//   HAWCX_BROWSER             the Chromium executable (default /usr/bin/chromium)
//   HAWCX_NPM_PROJECT         the folder whose node_modules holds playwright-core (the
//                             emulator page tests' crates/hawcx-idp/tests/browser)
//   HAWCX_ARTIFACTS           where the step screenshots go (required)
//   HAWCX_README_SCREENSHOT   when set, the README's dashboard picture is written there
//
// The steps run in order in one browser tab (the session token lives in sessionStorage),
// each one a subtest, each ending with a screenshot NN-name.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const APP = (process.env.HAWCX_APP_URL ?? '').replace(/\/$/, '');
const IDP = (process.env.HAWCX_IDP_URL ?? '').replace(/\/$/, '');
const EXECUTABLE = process.env.HAWCX_BROWSER || '/usr/bin/chromium';
const ARTIFACTS = process.env.HAWCX_ARTIFACTS ?? '';
const README_SHOT = process.env.HAWCX_README_SCREENSHOT ?? '';
const TIMEOUT = 15_000;

// ESM ignores NODE_PATH: resolve playwright-core from the emulator tests' npm project.
const require = createRequire(join(process.env.HAWCX_NPM_PROJECT ?? '.', 'package.json'));
const { chromium } = require('playwright-core');

// As login.mjs: a fresh profile per launch, and no calls home.
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------- helpers

async function mailbox(to) {
  const r = await fetch(`${IDP}/dev/mailbox?to=${encodeURIComponent(to)}`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(r.status, 200, `dev mailbox: ${r.status}`);
  return (await r.json()).messages;
}

/** Waits for a message after the first `seen` ones sent to `to`; returns its OTP. */
async function nextOtp(to, seen) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const messages = await mailbox(to);
    if (messages.length > seen) return messages[messages.length - 1].otp;
    assert.ok(Date.now() < deadline, `no OTP arrived for ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    assert.ok(v >= 0, `not base32: ${c}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (HMAC-SHA1, 6 digits, 30 s) for time step `step`: what an authenticator shows. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}
const currentStep = () => Math.floor(Date.now() / 1000 / 30);

let shots = 0;
async function screenshot(page, name) {
  shots += 1;
  const file = join(ARTIFACTS, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

/** Every form control and link in `locator` has an accessible name (Playwright's ARIA tree). */
async function assertNamed(locator, what) {
  const snapshot = await locator.ariaSnapshot();
  const controls = snapshot
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^- (textbox|button|radio|checkbox|combobox|link|img)\b/.test(l));
  assert.ok(controls.length > 0, `${what}: controls found\n${snapshot}`);
  for (const line of controls) {
    assert.match(line, /^- \w+ "[^"]*\S[^"]*"/, `${what}: no accessible name: ${line}\n${snapshot}`);
  }
  return snapshot;
}

/** The page fits the viewport's width: nothing to scroll sideways. */
async function assertNoHorizontalScroll(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: page is ${scroll}px wide in a ${width}px viewport`);
}

/** A description of the focused element: role-ish tag plus its label or text. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const label = el.labels?.[0]?.textContent || el.getAttribute('aria-label') || el.textContent;
    const tag = el.tagName.toLowerCase();
    return `${tag}${tag === 'input' ? `[${el.type}]` : ''} ${label.trim()}`;
  });
}

/** Presses Tab until the focused element matches `re`; returns what was passed on the way. */
async function tabTo(page, re, max = 25) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    seen.push(now);
    if (re.test(now)) {
      // The focus is visible (the stylesheet's :focus-visible outline).
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none', `focus on ${now} is visible`);
      return seen;
    }
  }
  assert.fail(`Tab never reached ${re}; focus went: ${seen.join(' → ')}`);
}

/** The emulator's login: email, then its code from the dev mailbox. Leaves the next page. */
async function idpLogin(page, email, shotName) {
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const seen = (await mailbox(email)).length;
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  if (shotName) await screenshot(page, shotName);
  const otp = await nextOtp(email, seen);
  await page.getByLabel('6-digit code').fill(otp);
  await page.getByRole('button', { name: 'Verify' }).click();
}

async function mfaStatus(page, re) {
  const status = page.locator('#mfa-status');
  await page.waitForFunction(
    ([sel, src]) => new RegExp(src).test(document.querySelector(sel).textContent),
    ['#mfa-status', re.source],
    { timeout: TIMEOUT },
  );
  return status.innerText();
}

// ---------------------------------------------------------------- the walk

test('the example app in headless Chromium', async (t) => {
  assert.ok(APP && IDP, 'set HAWCX_APP_URL and HAWCX_IDP_URL');
  assert.ok(ARTIFACTS, 'set HAWCX_ARTIFACTS');
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: LAUNCH_ARGS,
    timeout: 60_000,
  });
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // A refused code is a 400 the browser logs; a missing file or a server fault is a bug.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() === 404 || r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
  });
  const email = `browser-${randomBytes(6).toString('hex')}@example.com`;
  let totpSecret;
  let totpStepUsed;

  try {
    await t.test('1. sign in with the email code from the dev mailbox', async () => {
      await page.goto(APP + '/');
      const signIn = page.getByRole('button', { name: 'Sign in with Hawcx' });
      await signIn.waitFor();
      await screenshot(page, 'signed-out');
      await signIn.click();
      await idpLogin(page, email, 'idp-email-code');
      // The emulator redirects to /auth/callback; the page posts code + verifier.
      await page.getByRole('heading', { level: 2, name: 'Dashboard' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/', 'code and state left the address bar');
    });

    await t.test('2. the dashboard shows the user and MFA status', async () => {
      assert.equal(await page.locator('#user-email').innerText(), email);
      assert.match(await page.locator('#user-id').innerText(), /\S/);
      assert.match(await mfaStatus(page, /Not enabled/), /Not enabled/);
      assert.match(await page.getByRole('status').innerText(), new RegExp(`Signed in as ${email}`));
      await screenshot(page, 'dashboard');
    });

    await t.test('3. labelled for screen readers, with visible keyboard focus', async () => {
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      const snapshot = await assertNamed(page.locator('#dashboard'), 'dashboard');
      for (const name of ['Email code', 'SMS code', 'Authenticator app (TOTP)']) {
        assert.ok(snapshot.includes(`radio "${name}"`), `radio ${name}\n${snapshot}`);
      }
      assert.ok(snapshot.includes('textbox "Phone number (for SMS)"'), snapshot);
      assert.ok(snapshot.includes('group "Enable a second factor"'), snapshot);
      // The MFA form is reached from the top of the page by Tab alone, in reading order.
      await page.locator('body').focus();
      await page.evaluate(() => document.activeElement?.blur());
      const path = await tabTo(page, /^button Enable$/);
      const radio = path.findIndex((p) => p.startsWith('input[radio]'));
      const phone = path.findIndex((p) => p.startsWith('input[tel]'));
      assert.ok(radio >= 0 && phone > radio, `order: ${path.join(' → ')}`);
    });

    await t.test('4. enable email MFA with the keyboard alone', async () => {
      // Focus is on "Enable" (step 3) with "Email code" checked: Enter submits.
      assert.ok(await page.getByRole('radio', { name: 'Email code' }).isChecked());
      const seen = (await mailbox(email)).length;
      await page.keyboard.press('Enter');
      const otpField = page.getByLabel('Verification code');
      await otpField.waitFor();
      await page.waitForFunction(() => document.activeElement?.id === 'otp');
      assert.match(await page.getByRole('status').innerText(), /Check your email/);
      const otp = await nextOtp(email, seen);
      await screenshot(page, 'mfa-email-code');
      await page.keyboard.type(otp);
      await page.keyboard.press('Enter');
      assert.match(await mfaStatus(page, /Enabled \(email\)/), /Enabled \(email\)/);
      assert.ok(await otpField.isHidden(), 'the code form closes');
      await screenshot(page, 'mfa-email-enabled');
    });

    await t.test('5. a wrong code is a readable message', async () => {
      await page.getByRole('radio', { name: 'Email code' }).check();
      await page.getByRole('button', { name: 'Enable' }).click();
      await page.getByLabel('Verification code').fill('000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Invalid verification code/);
      await screenshot(page, 'mfa-wrong-code');
    });

    await t.test('6. TOTP enrolment shows a QR code and the secret', async () => {
      await page.getByRole('radio', { name: 'Authenticator app (TOTP)' }).check();
      await page.getByRole('button', { name: 'Enable' }).click();
      const qr = page.getByRole('img', { name: /QR code/ });
      await qr.waitFor();
      // The server-drawn SVG really loaded and has the size it says.
      const { natural, src } = await qr.evaluate((img) => ({
        natural: img.naturalWidth,
        src: img.src.slice(0, 30),
      }));
      assert.ok(natural >= 200, `QR image loaded (${natural}px)`);
      assert.match(src, /^data:image\/svg\+xml/);
      totpSecret = (await page.locator('#totp-secret').innerText()).trim();
      assert.match(totpSecret, /^[A-Z2-7]{16,}$/, 'a base32 secret is shown');
      const link = await page.getByRole('link', { name: 'Open in authenticator app' }).getAttribute('href');
      assert.match(link, /^otpauth:\/\/totp\//);
      assert.ok(link.includes(`secret=${totpSecret}`), 'the QR link carries the shown secret');
      await assertNamed(page.locator('#totp'), 'TOTP enrolment');
      await screenshot(page, 'totp-qr');
      // At phone width too: the QR code and the secret fit.
      await page.setViewportSize({ width: 375, height: 812 });
      await assertNoHorizontalScroll(page, 'TOTP enrolment at 375px');
      await screenshot(page, 'totp-qr-375');
      await page.setViewportSize({ width: 1000, height: 800 });
      // What the authenticator app shows now.
      totpStepUsed = currentStep();
      await page.getByLabel('Verification code').fill(totp(totpSecret, totpStepUsed));
      await page.getByRole('button', { name: 'Verify' }).click();
      assert.match(await mfaStatus(page, /Enabled \(totp\)/), /Enabled \(totp\)/);
      assert.ok(await qr.isHidden(), 'the enrolment closes');
      await screenshot(page, 'totp-enabled');
    });

    await t.test('7. readable at phone width (375px)', async () => {
      await page.setViewportSize({ width: 375, height: 812 });
      await assertNoHorizontalScroll(page, 'dashboard at 375px');
      // Every control is at least as wide as its text needs and inside the viewport.
      const outside = await page.evaluate(() =>
        [...document.querySelectorAll('#dashboard input, #dashboard button, #dashboard dd')]
          .filter((el) => el.offsetParent !== null)
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth)
          .map((el) => el.id || el.tagName),
      );
      assert.deepEqual(outside, [], 'controls inside the viewport');
      await screenshot(page, 'dashboard-375');
      await page.setViewportSize({ width: 1000, height: 800 });
      if (README_SHOT) {
        mkdirSync(dirname(README_SHOT), { recursive: true });
        await page.screenshot({ path: README_SHOT, fullPage: true });
      }
    });

    await t.test('8. sign out', async () => {
      await tabTo(page, /^button Sign out$/);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Sign in with Hawcx' }).waitFor();
      assert.ok(await page.locator('#dashboard').isHidden());
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the token is gone');
      await screenshot(page, 'signed-out-again');
    });

    await t.test('9. sign in again: the second factor is asked for', async () => {
      await page.getByRole('button', { name: 'Sign in with Hawcx' }).click();
      await idpLogin(page, email);
      await page.getByRole('heading', { level: 1, name: 'Authenticator code' }).waitFor();
      await screenshot(page, 'idp-second-factor');
      // The next step's code: the emulator accepts one step of drift and refuses a step
      // at or before the one used to enrol.
      const step = Math.max(currentStep(), totpStepUsed) + 1;
      await page.getByLabel('6-digit code').fill(totp(totpSecret, step));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { level: 2, name: 'Dashboard' }).waitFor();
      assert.equal(await page.locator('#user-email').innerText(), email);
      assert.match(await mfaStatus(page, /Enabled \(totp\)/), /Enabled \(totp\)/);
      await screenshot(page, 'dashboard-after-mfa-login');
    });

    assert.deepEqual(problems, [], 'no script errors on the page');
  } finally {
    await browser.close();
  }
});
