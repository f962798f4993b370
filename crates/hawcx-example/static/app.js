// The example app's page: PKCE + state + nonce authorize redirect, the callback, and a
// dashboard. The session token lives in sessionStorage; errors are shown as text.
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN = 'hawcx.sessionToken';
const PENDING = 'hawcx.pendingLogin';

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = !message;
}
function say(message) { $('status').textContent = message; }

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function random(n) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }

async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN);
  if (token) headers.authorization = 'Bearer ' + token;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (e) {
    throw new Error('The server could not be reached. Check your connection and try again.');
  }
  let data = {};
  try { data = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) {
    const err = new Error(data.error || 'Request failed (' + response.status + ')');
    err.status = response.status;
    throw err;
  }
  return data;
}

async function signIn() {
  showError('');
  const config = await api('/api/config');
  if (!config.authorizationEndpoint || !config.clientId || !config.redirectUri) {
    throw new Error('The app is missing its Hawcx settings (authorization endpoint, client id, redirect URI).');
  }
  const verifier = random(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const pending = { verifier, state: random(16), nonce: random(16) };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scope || 'openid email',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: b64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

async function callback() {
  const params = new URLSearchParams(location.search);
  // Drop code and state from the address bar and history.
  history.replaceState(null, '', '/');
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  if (params.get('error')) {
    throw new Error('Sign-in was not completed: ' + (params.get('error_description') || params.get('error')));
  }
  if (!pending || !params.get('state') || params.get('state') !== pending.state) {
    throw new Error('This sign-in link is stale or was not started here. Please sign in again.');
  }
  say('Signing you in…');
  const result = await api('/api/auth/hawcx/callback', {
    method: 'POST',
    body: { code: params.get('code'), code_verifier: pending.verifier, nonce: pending.nonce },
  });
  sessionStorage.setItem(TOKEN, result.sessionToken);
}

async function refreshMfa() {
  try {
    const s = await api('/api/mfa/status');
    $('mfa-status').textContent = s.mfaEnabled ? 'Enabled (' + s.mfaMethod + ')' : 'Not enabled';
  } catch (e) {
    $('mfa-status').textContent = 'Unavailable: ' + e.message;
  }
}

async function dashboard() {
  let me;
  try {
    me = await api('/api/me');
  } catch (e) {
    if (e.status === 401) {
      sessionStorage.removeItem(TOKEN);
      return showSignedOut('Your session has ended. Please sign in again.');
    }
    throw e;
  }
  $('signed-out').hidden = true;
  $('dashboard').hidden = false;
  $('user-email').textContent = me.email;
  $('user-id').textContent = me.id;
  say('Signed in as ' + me.email);
  await refreshMfa();
}

function showSignedOut(message) {
  $('dashboard').hidden = true;
  $('signed-out').hidden = false;
  say(message || 'Signed out');
}

function guard(fn) {
  return async (event) => {
    if (event) event.preventDefault();
    try { showError(''); await fn(event); } catch (e) { showError(e.message); }
  };
}

document.addEventListener('DOMContentLoaded', guard(async () => {
  $('sign-in').addEventListener('click', guard(signIn));
  $('sign-out').addEventListener('click', guard(async () => {
    sessionStorage.removeItem(TOKEN);
    showSignedOut('Signed out');
  }));
  $('mfa-form').addEventListener('submit', guard(async () => {
    const method = document.querySelector('input[name=mfaMethod]:checked').value;
    const body = { mfaMethod: method };
    if (method === 'sms') body.phoneNumber = $('phone').value;
    const r = await api('/api/mfa/initiate', { method: 'POST', body });
    $('totp').hidden = !r.totpSecret;
    if (r.totpSecret) {
      $('totp-secret').textContent = r.totpSecret;
      $('totp-link').href = r.otpauthUri || '#';
      // The server draws the QR code (SVG); the page shows it as an image (CSP: data: only).
      const qr = $('totp-qr');
      qr.hidden = !r.otpauthQrSvg;
      qr.src = r.otpauthQrSvg
        ? 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.otpauthQrSvg)
        : '';
    }
    $('otp').value = '';
    $('otp-form').hidden = false;
    $('otp').focus();
    say(r.message);
  }));
  $('otp-form').addEventListener('submit', guard(async () => {
    const r = await api('/api/mfa/verify', { method: 'POST', body: { otp: $('otp').value.trim() } });
    $('otp').value = '';
    $('otp-form').hidden = true;
    $('totp').hidden = true;
    say(r.message);
    await refreshMfa();
  }));
  try {
    if (location.pathname === '/auth/callback') await callback();
  } catch (e) {
    showSignedOut('');
    throw e;
  }
  if (sessionStorage.getItem(TOKEN)) await dashboard();
  else showSignedOut('');
}));
