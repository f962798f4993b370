// End-to-end tests of the emulator's login pages in a real headless Chromium.
//
// Run by tests/browser.rs (`node --test login.mjs`) against an emulator started
// in-process. Environment:
//   HAWCX_IDP_URL        the emulator, e.g. http://127.0.0.1:41234 (required)
//   HAWCX_BROWSER        the Chromium executable (default /usr/bin/chromium)
//   OAUTH_CLIENT_ID      the public client (default: the emulator's env file value,
//                        which tests/browser.rs passes through)
//   OAUTH_REDIRECT_URI   a registered redirect URI (default the always-registered one)
//
// The redirect target need not exist: the test takes code and state from the browser's
// request to it (the navigation then fails with a refused connection, which is fine).
// A route handler for the redirect URI is not enough: Playwright lets the request made by
// a redirect through unrouted, so only Chromium's later automatic reload of the error
// page would reach the handler.
// Each test exchanges the code at the token endpoint with its PKCE verifier, which proves
// the code is real.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const BASE = (process.env.HAWCX_IDP_URL ?? '').replace(/\/$/, '');
const EXECUTABLE = process.env.HAWCX_BROWSER || '/usr/bin/chromium';
const REDIRECT_URI = process.env.OAUTH_REDIRECT_URI || 'http://localhost:5000/auth/callback';
const TIMEOUT = 15_000;

// Playwright gives every launch a fresh temporary --user-data-dir of its own (and refuses
// one in args). The network flags keep Chromium from calling home, which a closed network
// answers with refused connections.
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

let browser;
let discovery;
let clientId;

before(async () => {
  assert.ok(BASE, 'set HAWCX_IDP_URL to the emulator URL');
  discovery = await getJson('/.well-known/openid-configuration');
  clientId = process.env.OAUTH_CLIENT_ID;
  assert.ok(clientId, 'set OAUTH_CLIENT_ID (tests/browser.rs passes the emulator env vars)');
  browser = await chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: LAUNCH_ARGS,
    timeout: 60_000,
  });
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------- helpers

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const rand = () => b64url(randomBytes(9));

async function getJson(path) {
  const r = await fetch(BASE + path, { headers: { accept: 'application/json' } });
  assert.equal(r.status, 200, `GET ${path}: ${r.status}`);
  return r.json();
}

async function postJson(path, body) {
  const r = await fetch(BASE + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `POST ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function mailbox(to) {
  const v = await getJson(`/dev/mailbox?to=${encodeURIComponent(to)}`);
  return v.messages;
}

/** Waits for the message after the first `seen` ones sent to `to`; returns its OTP. */
async function nextOtp(to, seen) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const messages = await mailbox(to);
    if (messages.length > seen) return messages[messages.length - 1].otp;
    assert.ok(Date.now() < deadline, `no OTP arrived for ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh authorization request: URL plus the secrets the client keeps. */
function authorization() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = `st-${rand()}`;
  const nonce = `n-${rand()}`;
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), verifier, state, nonce };
}

/** A page in its own context (fresh cookies). */
async function newPage(options = {}) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  return { page, close: () => context.close() };
}

async function assertHeading(page, name) {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Submits the email form; returns once the code page is shown. */
async function submitEmail(page, email) {
  const seen = (await mailbox(email)).length;
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await assertHeading(page, 'Check your email');
  return nextOtp(email, seen);
}

async function submitOtp(page, otp) {
  await page.getByLabel('6-digit code').fill(otp);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/**
 * Submits the last code; checks that the emulator redirects the browser to the redirect
 * URI with the request's state; returns the code.
 */
async function submitLastOtp(page, otp, auth) {
  const landed = page.waitForRequest((r) => r.url().startsWith(REDIRECT_URI + '?'));
  await submitOtp(page, otp);
  const request = await landed;
  assert.ok(request.isNavigationRequest(), 'the browser navigates to the redirect URI');
  const from = request.redirectedFrom();
  assert.ok(from, 'reached by a redirect');
  assert.equal(new URL(from.url()).pathname, '/oauth2/authorize/verify');
  const url = new URL(request.url());
  assert.equal(url.origin + url.pathname, REDIRECT_URI);
  assert.equal(url.searchParams.get('state'), auth.state, 'state comes back unchanged');
  assert.equal(url.searchParams.get('error'), null, `error: ${url.search}`);
  const code = url.searchParams.get('code');
  assert.ok(code, `no code in ${url}`);
  return code;
}

/** Exchanges the code with the PKCE verifier; returns the id_token's claims. */
async function exchange(code, auth) {
  const r = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: auth.verifier,
    }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, `token exchange: ${JSON.stringify(body)}`);
  assert.equal(typeof body.id_token, 'string', 'an id_token comes back');
  const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString());
  assert.equal(claims.iss, discovery.issuer);
  assert.equal(claims.aud, clientId);
  assert.equal(claims.nonce, auth.nonce);
  return claims;
}

/** The whole email-OTP login of a user without a second factor. */
async function emailLogin(page, email) {
  const auth = authorization();
  await page.goto(auth.url);
  await assertHeading(page, 'Sign in');
  const otp = await submitEmail(page, email);
  const code = await submitLastOtp(page, otp, auth);
  const claims = await exchange(code, auth);
  assert.equal(claims.email, email);
  return claims;
}

/** Basic accessibility of the current page. */
async function assertAccessible(page, what) {
  const lang = await page.locator('html').getAttribute('lang');
  assert.ok(lang && lang.trim(), `${what}: <html lang> is set`);
  assert.ok((await page.title()).trim(), `${what}: the title is set`);
  assert.ok((await page.locator('h1').count()) >= 1, `${what}: a heading exists`);
  const inputs = page.locator('input:not([type=hidden]), select, textarea');
  const n = await inputs.count();
  for (let i = 0; i < n; i++) {
    const input = inputs.nth(i);
    const id = await input.getAttribute('id');
    const name = await input.getAttribute('name');
    const viaFor = id ? await page.locator(`label[for="${id}"]`).count() : 0;
    const wrapped = await input.locator('xpath=ancestor::label').count();
    const aria =
      (await input.getAttribute('aria-label')) || (await input.getAttribute('aria-labelledby'));
    assert.ok(viaFor + wrapped > 0 || aria, `${what}: input ${name ?? id} has a label`);
  }
}

// ---------------------------------------------------------------- tests

test('(a) a new user signs up by email code and lands on the redirect URI', async () => {
  const { page, close } = await newPage();
  try {
    const email = `new-${rand()}@example.com`.toLowerCase();
    const claims = await emailLogin(page, email);
    assert.deepEqual(claims.amr, ['otp']);
    // The sign-up happened, and the browser got a device cookie.
    const user = await getJson(`/dev/users/${encodeURIComponent(email)}`);
    assert.equal(user.email, email);
    const cookies = await page.context().cookies(BASE);
    assert.ok(cookies.some((c) => c.name === 'hawcx_device' && c.httpOnly));
  } finally {
    await close();
  }
});

test('(b) a wrong code shows an error and the form stays usable', async () => {
  const { page, close } = await newPage();
  try {
    const email = `wrong-${rand()}@example.com`.toLowerCase();
    const auth = authorization();
    await page.goto(auth.url);
    const otp = await submitEmail(page, email);
    const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
    await submitOtp(page, wrong);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\S/, 'the alert says something');
    await assertHeading(page, 'Check your email');
    assert.equal(new URL(page.url()).origin, BASE, 'no redirect on a wrong code');
    await assertAccessible(page, 'code page with error');
    // Same page, same session: the right code now goes through.
    const field = page.getByLabel('6-digit code');
    assert.ok(await field.isEditable(), 'the code field is still editable');
    const code = await submitLastOtp(page, otp, auth);
    await exchange(code, auth);
  } finally {
    await close();
  }
});

test('(c) an MFA user completes the SMS second step', async () => {
  const { page, close } = await newPage();
  try {
    const email = `mfa-${rand()}@example.com`.toLowerCase();
    const phone = `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
    await postJson('/dev/users', { email, phone, mfa_method: 'sms' });
    const auth = authorization();
    await page.goto(auth.url);
    const otp = await submitEmail(page, email);
    const smsSeen = (await mailbox(phone)).length;
    await submitOtp(page, otp);
    await assertHeading(page, 'Check your phone');
    await assertAccessible(page, 'SMS code page');
    const sms = await nextOtp(phone, smsSeen);
    const code = await submitLastOtp(page, sms, auth);
    const claims = await exchange(code, auth);
    assert.equal(claims.email, email);
    assert.ok(claims.amr.includes('sms') && claims.amr.includes('mfa'), `amr ${claims.amr}`);
  } finally {
    await close();
  }
});

test('(d) the login works with JavaScript disabled', async () => {
  const { page, close } = await newPage({ javaScriptEnabled: false });
  try {
    const email = `nojs-${rand()}@example.com`.toLowerCase();
    await emailLogin(page, email);
  } finally {
    await close();
  }
});

test('(e) the pages pass basic accessibility checks', async () => {
  const { page, close } = await newPage();
  try {
    const auth = authorization();
    await page.goto(auth.url);
    await assertAccessible(page, 'login page');
    // An invalid address re-shows the form with an alert (bypassing the browser's own
    // type=email check, which would stop the post).
    await page.getByLabel('Email address').evaluate((el) => {
      el.type = 'text';
    });
    await page.getByLabel('Email address').fill('not-an-address');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('alert').waitFor();
    await assertAccessible(page, 'login page with error');
    const otp = await submitEmail(page, `a11y-${rand()}@example.com`.toLowerCase());
    assert.match(otp, /^\d{6}$/);
    await assertAccessible(page, 'email code page');
    // An error page (unregistered client) is accessible too.
    const bad = new URL(auth.url);
    bad.searchParams.set('client_id', 'no-such-client');
    const response = await page.goto(bad.toString());
    assert.equal(response.status(), 400);
    await page.getByRole('alert').waitFor();
    await assertAccessible(page, 'error page');
  } finally {
    await close();
  }
});
