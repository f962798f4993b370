"""hawcx-oauth-client 1.0.0 HawcxDelegationClient.from_keys against the emulator: email,
sms and totp MFA enrolment (OTPs from the dev mailbox, TOTP computed), credentials,
suggested MFA, and device list/revoke/unrevoke/delete — the guide's MFAService flow."""

import requests

import hawcx_oauth_client
from hawcx_oauth_client.delegation import DelegationRequestError, HawcxDelegationClient, MfaMethod
from _idp import expect_version, E, URL, dev_user, expect_raises, last_otp, login, ok, totp

expect_version(hawcx_oauth_client, "1.0.0")
client = HawcxDelegationClient.from_keys(
    sp_signing_key=E["SP_ED25519_PRIVATE_KEY_PEM"],
    sp_encryption_key=E["SP_X25519_PRIVATE_KEY_PEM"],
    idp_verify_key=E["IDP_ED25519_PUBLIC_KEY_PEM"],
    idp_encryption_key=E["IDP_X25519_PUBLIC_KEY_PEM"],
    base_url=E["HAWCX_BASE_URL"],
    sp_id=E["OAUTH_CLIENT_ID"],
)
user = "mfa-v1@example.com"
client_id, redirect = E["OAUTH_CLIENT_ID"], E["OAUTH_REDIRECT_URI"]
browser = requests.Session()
login(user, client_id, redirect, session=browser)  # signs the user up, registers a device

creds = client.get_user_credentials(user)
assert creds["mfa_method"] == "none", creds
ok("get-creds shows none before enrolment")

# Email.
started = client.initiate_mfa_change(userid=user, mfa_method=MfaMethod.EMAIL)
assert "otp" not in started, "otp only in test mode"
result = client.verify_mfa_change(userid=user, session_id=started["session_id"], otp=last_otp(user))
assert result["status"] == "success" and result["mfa_changed_to"] == "email", result
assert client.get_user_credentials(user)["mfa_method"] == "email"
ok("email enrolment")

# A wrong code is a signed, encrypted 400.
started = client.initiate_mfa_change(userid=user, mfa_method="email")
good = last_otp(user)
expect_raises(DelegationRequestError, lambda: client.verify_mfa_change(
    userid=user, session_id=started["session_id"], otp="000000" if good != "000000" else "111111"))
client.verify_mfa_change(userid=user, session_id=started["session_id"], otp=good)
ok("wrong OTP refused, right one accepted")

# SMS: the code goes to the phone.
started = client.initiate_mfa_change(userid=user, mfa_method=MfaMethod.SMS, phone_number="+15550101010")
result = client.verify_mfa_change(userid=user, session_id=started["session_id"], otp=last_otp("+15550101010"))
assert result["status"] == "success"
creds = client.get_user_credentials(user)
assert creds["mfa_method"] == "sms" and creds["contact"] == "+15550101010", creds
ok("sms enrolment")

# Login now asks for the SMS code.
login(user, client_id, redirect, session=browser, phone="+15550101010")
ok("login with sms second factor")

# Devices.
devices = client.list_user_devices(user)
assert devices["total_devices"] == 1, devices
h2 = devices["devices"][0]["h2index"]
assert h2 == browser.cookies.get("hawcx_device")
client.revoke_device(user, h2)
assert client.list_user_devices(user)["devices"][0]["revoked"] is True
# The revoked browser re-verifies by OTP (email, then the SMS second factor).
login(user, client_id, redirect, session=browser, phone="+15550101010")
assert client.list_user_devices(user)["devices"][0]["revoked"] is False
client.revoke_device(user, h2)
client.unrevoke_device(user, h2)
assert client.list_user_devices(user)["devices"][0]["revoked"] is False
client.delete_device(user, h2)
assert client.list_user_devices(user)["total_devices"] == 0
ok("devices list/revoke/unrevoke/delete")

# TOTP: secret and otpauth URI, verified with a computed code.
started = client.initiate_mfa_change(userid=user, mfa_method=MfaMethod.TOTP)
secret = started["totp_secret"]
assert started["otpauth_uri"].startswith("otpauth://totp/")
result = client.verify_mfa_change(userid=user, session_id=started["session_id"], otp=totp(secret))
assert result["status"] == "success"
assert client.get_user_credentials(user)["mfa_method"] == "totp"
ok("totp enrolment")

# Suggested MFA.
assert client.get_suggested_mfa(user)["suggested_mfa"] is None
r = client.set_suggested_mfa(user, "always")
assert r["success"] is True
assert client.get_suggested_mfa(user)["suggested_mfa"] == "always"
ok("suggested MFA")

# Unknown users are a signed 404.
expect_raises(DelegationRequestError, lambda: client.get_user_credentials("ghost@example.com"),
              lambda e: "404" in str(e) or (_ for _ in ()).throw(AssertionError(str(e))))
ok("unknown user")
