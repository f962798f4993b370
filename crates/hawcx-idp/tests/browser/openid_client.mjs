// openid-client v6 (panva's strict relying party, from npm) against the emulator, used as
// its documentation tells a new user to: discovery, private_key_jwt with an Ed25519 key,
// PKCE S256 + state + nonce, the code grant and its id_token checks. The login itself goes
// through the emulator's JSON login API (the user's part; the browser pages are login.mjs's).
//
// Run by tests/openid_client.rs, which starts an emulator and passes its issuer
// (OAUTH_ISSUER) and env-file variables: HAWCX_CONFIDENTIAL_CLIENT_ID, HAWCX_PRIVATE_JWK,
// OAUTH_CLIENT_ID, OAUTH_REDIRECT_URI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';

function env(name) {
  const v = process.env[name];
  assert.ok(v, `${name} is not set (run through tests/openid_client.rs)`);
  return v;
}

const issuer = env('OAUTH_ISSUER');
const confidentialId = env('HAWCX_CONFIDENTIAL_CLIENT_ID');
const privateJwk = JSON.parse(env('HAWCX_PRIVATE_JWK'));
const publicId = env('OAUTH_CLIENT_ID');
const redirectUri = env('OAUTH_REDIRECT_URI');

// http on loopback: the emulator serves plain HTTP on 127.0.0.1.
const insecure = { execute: [client.allowInsecureRequests] };

let seq = 0;
function freshEmail() {
  seq += 1;
  return `oidc-${process.pid}-${Date.now()}-${seq}@example.com`;
}

/** The Ed25519 private key from the env file, imported with WebCrypto. */
async function clientKey() {
  const { kty, crv, x, d } = privateJwk;
  assert.equal(kty, 'OKP');
  assert.equal(crv, 'Ed25519');
  const key = await crypto.subtle.importKey('jwk', { kty, crv, x, d }, { name: 'Ed25519' }, false, [
    'sign',
  ]);
  return { key, kid: privateJwk.kid };
}

async function confidentialConfig(options) {
  const auth = client.PrivateKeyJwt(await clientKey(), options);
  return client.discovery(
    new URL(issuer),
    confidentialId,
    { redirect_uris: [redirectUri], token_endpoint_auth_method: 'private_key_jwt' },
    auth,
    insecure,
  );
}

/** The user's part: the JSON login API answers every step; returns the redirect URL. */
async function login(authUrl, email) {
  const accept = { Accept: 'application/json' };
  const form = new URLSearchParams(authUrl.searchParams);
  form.set('email', email);
  let r = await fetch(new URL('/oauth2/authorize', issuer), {
    method: 'POST',
    headers: accept,
    body: form,
  });
  let j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  while (!('redirect_to' in j)) {
    assert.equal(j.next, 'email_otp', `unexpected login step ${JSON.stringify(j)}`);
    const mail = await fetch(new URL(`/dev/mailbox?to=${encodeURIComponent(email)}`, issuer));
    assert.equal(mail.status, 200);
    const { messages } = await mail.json();
    const otp = messages.at(-1).otp;
    r = await fetch(new URL('/oauth2/authorize/verify', issuer), {
      method: 'POST',
      headers: accept,
      body: new URLSearchParams({ login_session: j.login_session, otp }),
    });
    j = await r.json();
    assert.equal(r.status, 200, JSON.stringify(j));
  }
  return new URL(j.redirect_to);
}

/** An authorization request with PKCE S256, state and nonce; then the login. */
async function authorize(config, email) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  });
  assert.equal(authUrl.origin + authUrl.pathname, `${issuer}/oauth2/authorize`);
  const callback = await login(authUrl, email);
  assert.equal(callback.searchParams.get('state'), expectedState);
  return { callback, checks: { pkceCodeVerifier, expectedState, expectedNonce } };
}

function assertIdToken(tokens, { clientId, email, nonce }) {
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.access_token);
  const claims = tokens.claims();
  assert.ok(claims, 'an id_token');
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, clientId);
  assert.equal(claims.email, email);
  assert.equal(claims.nonce, nonce);
  assert.equal(typeof claims.sub, 'string');
  assert.ok(claims.sub.length > 0);
  return claims;
}

/** Expects the token request to be refused as invalid_client (401), for `reason`. */
async function assertInvalidClient(promise, what, reason) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof client.ResponseBodyError, `${what}: ${err?.stack ?? err}`);
    assert.equal(err.status, 401, what);
    assert.equal(err.error, 'invalid_client', what);
    assert.match(err.error_description ?? '', reason, what);
    return true;
  });
}

test('discovery: the metadata openid-client needs', async () => {
  const config = await confidentialConfig();
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, issuer);
  assert.equal(meta.token_endpoint, `${issuer}/oauth2/token`);
  assert.ok(meta.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  assert.ok(meta.token_endpoint_auth_methods_supported.includes('none'));
  assert.ok(meta.code_challenge_methods_supported.includes('S256'));
  // openid-client signs with the RFC 9864 name of the key's algorithm.
  assert.ok(meta.token_endpoint_auth_signing_alg_values_supported.includes('Ed25519'));
  assert.ok(meta.supportsPKCE());
});

test('confidential client: private_key_jwt (aud = issuer), PKCE, state, nonce', async () => {
  // Only looks at the assertion openid-client builds by default; changes nothing.
  const seen = [];
  const config = await confidentialConfig({
    [client.modifyAssertion]: (header, payload) => {
      seen.push({ alg: header.alg, kid: header.kid, aud: payload.aud });
    },
  });
  const email = freshEmail();
  const { callback, checks } = await authorize(config, email);
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  assertIdToken(tokens, { clientId: confidentialId, email, nonce: checks.expectedNonce });
  // openid-client's own choices: the issuer identifier as one string, and the RFC 9864
  // name of the Ed25519 algorithm.
  assert.deepEqual(seen, [{ alg: 'Ed25519', kid: privateJwk.kid, aud: issuer }]);
  // The code is single use: the same callback again is refused.
  await assert.rejects(client.authorizationCodeGrant(config, callback, checks), (err) => {
    assert.ok(err instanceof client.ResponseBodyError, String(err));
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
});

test('confidential client: aud = the token endpoint URL is accepted too', async () => {
  const seen = [];
  const config = await confidentialConfig({
    [client.modifyAssertion]: (header, payload) => {
      payload.aud = `${issuer}/oauth2/token`;
      seen.push({ alg: header.alg, aud: payload.aud });
    },
  });
  const email = freshEmail();
  const { callback, checks } = await authorize(config, email);
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  assertIdToken(tokens, { clientId: confidentialId, email, nonce: checks.expectedNonce });
  assert.deepEqual(seen, [{ alg: 'Ed25519', aud: `${issuer}/oauth2/token` }]);
});

test('confidential client: an assertion with another audience is refused (401 invalid_client)', async () => {
  const email = freshEmail();
  const config = await confidentialConfig();
  const { callback, checks } = await authorize(config, email);
  const wrong = [
    ['an array [issuer, token endpoint]', [issuer, `${issuer}/oauth2/token`]],
    ['an array [issuer]', [issuer]],
    ['another URL', `${issuer}/oauth2/authorize`],
    ['another server', 'https://idp.example.com'],
    ['the issuer with a trailing slash', `${issuer}/`],
  ];
  for (const [what, aud] of wrong) {
    const bad = await confidentialConfig({
      [client.modifyAssertion]: (_header, payload) => {
        payload.aud = aud;
      },
    });
    await assertInvalidClient(client.authorizationCodeGrant(bad, callback, checks), what, /aud/);
  }
  // A refused client is refused before the code is looked at: the code still works.
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  assertIdToken(tokens, { clientId: confidentialId, email, nonce: checks.expectedNonce });
});

test('confidential client: a request without an assertion is refused', async () => {
  const email = freshEmail();
  const config = await confidentialConfig();
  const { callback, checks } = await authorize(config, email);
  const none = await client.discovery(
    new URL(issuer),
    confidentialId,
    { redirect_uris: [redirectUri] },
    client.None(),
    insecure,
  );
  await assertInvalidClient(
    client.authorizationCodeGrant(none, callback, checks),
    'no assertion',
    /private_key_jwt/,
  );
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  assertIdToken(tokens, { clientId: confidentialId, email, nonce: checks.expectedNonce });
});

test('public client: token endpoint auth none + PKCE', async () => {
  const config = await client.discovery(
    new URL(issuer),
    publicId,
    { redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
    client.None(),
    insecure,
  );
  const email = freshEmail();
  const { callback, checks } = await authorize(config, email);
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  const claims = assertIdToken(tokens, { clientId: publicId, email, nonce: checks.expectedNonce });

  // The same user logs in again: the same subject.
  const again = await authorize(config, email);
  const tokens2 = await client.authorizationCodeGrant(config, again.callback, again.checks);
  assert.equal(tokens2.claims().sub, claims.sub);

  // A wrong PKCE verifier is refused (invalid_grant).
  const third = await authorize(config, email);
  await assert.rejects(
    client.authorizationCodeGrant(config, third.callback, {
      ...third.checks,
      pkceCodeVerifier: client.randomPKCECodeVerifier(),
    }),
    (err) => {
      assert.ok(err instanceof client.ResponseBodyError, String(err));
      assert.equal(err.error, 'invalid_grant');
      return true;
    },
  );
});

test('no userinfo or refresh: the emulator does not advertise them', async () => {
  const meta = (await confidentialConfig()).serverMetadata();
  assert.equal(meta.userinfo_endpoint, undefined);
  assert.ok(!meta.grant_types_supported.includes('refresh_token'));
});
