#!/usr/bin/env python3
"""Drives a running emulator with Clerk's official Python SDK (`pip install clerk-backend-api==7.0.0`).

The SDK is generated from the same Backend API spec and checks every answer against its models: a success must
decode into the operation's response model (a missing or mistyped member fails), and an error must come with a
status the operation documents and Clerk's error shape. The script calls every operation this SDK version has,
in an order that makes each one meaningful (create, then read, list, update, delete), and prints one line per
call. It exits with 1 when any call fails or (with --spec) an operation of the SDK was not reached, and lists the
spec's operations the SDK lacks.

    CLERK_SECRET_KEY=sk_test_... python3 Scripts/python-sdk-check.py --url http://127.0.0.1:8787 [--spec FILE]

The secret key comes from the environment (never the command line, which other users' `ps` can read).

Some operations cannot succeed on an emulator (a passkey or an external account is never created through the
Backend API; a production domain on a development instance, ...): for those the script requires the documented
refusal, decoded by the SDK as `ClerkErrors`, and names the status it expects.
"""
import argparse
import base64
import json
import os
import re
import sys
import time
import traceback
import urllib.request
import warnings

try:
    from clerk_backend_api import Clerk, models
    from clerk_backend_api.basesdk import BaseSDK
except ImportError:  # pragma: no cover
    print("clerk-backend-api is not installed: pip install clerk-backend-api==7.0.0", file=sys.stderr)
    sys.exit(2)

# Every request the SDK sends, with its operation id and the status it got back.
SEEN = []
_do_request = BaseSDK.do_request


def _recording_do_request(self, hook_ctx, request, *args, **kwargs):
    response = _do_request(self, hook_ctx, request, *args, **kwargs)
    SEEN.append((hook_ctx.operation_id, response.status_code))
    return response


BaseSDK.do_request = _recording_do_request

RESULTS = []  # (label, outcome, detail)


def call(label, fn, refused=None, undocumented=None):
    """Runs one SDK call, which must succeed unless `refused` names the status of the documented refusal it must get.
    `undocumented`: a status the emulator answers, as Clerk does, although the spec copy does not list it for the
    operation (the SDK then raises its generic `SDKError`)."""
    expected = refused or undocumented
    try:
        value = fn()
    except models.ResponseValidationError as error:
        # The validator's first line only: the rest quotes the answer, which may hold a key's secret.
        RESULTS.append((label, "FAIL", f"answer does not match the SDK's model: {str(error).splitlines()[0][:300]}"))
        return None
    except models.SDKError as error:
        status = error.raw_response.status_code
        if undocumented is not None and status == undocumented:
            RESULTS.append((label, "refused", f"{status}, which the spec copy does not list for this operation"))
        else:
            RESULTS.append((label, "FAIL", f"status {status} the operation does not document: {error.body[:200] if error.body else ''}"))
        return None
    except models.ClerkBaseError as error:  # ClerkErrors, or an operation's own documented error body
        status = error.raw_response.status_code
        data = getattr(error, "data", None)
        errors = getattr(data, "errors", None) or []
        codes = [getattr(e, "code", None) for e in errors]
        if refused is not None and status == refused:
            RESULTS.append((label, "refused", f"{status} {codes}"))
        else:
            detail = getattr(errors[0], "long_message", "") if errors else ""
            RESULTS.append((label, "FAIL", f"refused with {status} {codes}: {detail}"))
        return None
    except Exception as error:  # noqa: BLE001 - every other failure is reported, not raised
        RESULTS.append((label, "FAIL", f"{type(error).__name__}: {str(error)[:300]}"))
        traceback.print_exc(limit=2, file=sys.stderr)
        return None
    if expected is not None:
        RESULTS.append((label, "FAIL", f"succeeded where a {expected} refusal was expected"))
    else:
        RESULTS.append((label, "ok", ""))
    return value


def expect(label, condition, detail=""):
    RESULTS.append((label, "ok" if condition else "FAIL", "" if condition else detail))


def raw(url, key, method, path, body=None):
    request = urllib.request.Request(url + path, method=method, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request, data=data) as response:
        return json.loads(response.read() or b"null")


IDP_CERTIFICATE = "MIIBijCCATGgAwIBAgIUMttg8MLJ4mgg++yreWWNaJ7h0hswCgYIKoZIzj0EAwIwGjEYMBYGA1UEAwwPaWRwLmV4YW1wbGUuY29tMCAXDTI2MTIwNTAyMzE1OFoYDzIxMjYxMTExMDIzMTU4WjAaMRgwFgYDVQQDDA9pZHAuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ3RaA/OE09/JRpl80ct2kCk2YdKQx5hXMh9yQMPF/sW6cr66DvDvJQZSzXmKVnUp8ldlgR5XqGet8yIIT3geYio1MwUTAdBgNVHQ4EFgQUW6XuDDFugJ2g//Wv5uprCOm2KTswHwYDVR0jBBgwFoAUW6XuDDFugJ2g//Wv5uprCOm2KTswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAoSq4Sn42Bnp89kZtPzuF7ts1rAxV1I/e1tBBZcLsu8gIgSK5YZCP70qKgdTWg7ZpzWIwgYwZ7G4quA0DG7e2G+nw="

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def scenario(clerk, url, key):  # noqa: C901 - one long, ordered story
    stamp = str(int(time.time() * 1000))[-8:]

    def number(n):
        return f"+1555{stamp[-5:]}{n:02d}"

    # --- Instance, JWKS, settings -------------------------------------------------------------------------------
    jwks = call("GetJWKS", lambda: clerk.jwks.get_jwks())
    expect("JWKS has a key", bool(jwks and jwks.keys))
    call("GetInstance", lambda: clerk.instance_settings.get())
    call("UpdateInstance", lambda: clerk.instance_settings.update(request={"test_mode": True, "support_email": "support@example.com"}))
    call("UpdateInstanceRestrictions", lambda: clerk.instance_settings.update_restrictions(request={"allowlist": False, "blocklist": True}))
    call("GetInstanceProtect", lambda: clerk.instance_settings.get_instance_protect())
    call("UpdateInstanceProtect", lambda: clerk.instance_settings.update_instance_protect(request={}))
    call("GetInstanceCommunication", lambda: clerk.instance_settings.get_communication())
    call("UpdateInstanceCommunication", lambda: clerk.instance_settings.update_communication(request={"blocked_country_codes": ["RU"]}))
    call("GetInstanceOrganizationSettings", lambda: clerk.instance_settings.get_organization_settings())
    call("UpdateInstanceOrganizationSettings", lambda: clerk.instance_settings.update_organization_settings(request={"enabled": True, "max_allowed_memberships": 10}))
    call("GetInstanceOAuthApplicationSettings", lambda: clerk.instance_settings.get_o_auth_application_settings())
    call("UpdateInstanceOAuthApplicationSettings", lambda: clerk.instance_settings.update_o_auth_application_settings(request={"dynamic_oauth_client_registration": False}))
    call("UpdateInstanceAuthConfig (beta)", lambda: clerk.beta_features.update_instance_settings(request={"restricted_to_allowlist": False}))
    call("ChangeProductionInstanceDomain", lambda: clerk.instance_settings.change_domain(request={"home_url": "https://app.example.com"}), refused=422)
    call("UpdateProductionInstanceDomain (beta)", lambda: clerk.beta_features.update_production_instance_domain(request={"home_url": "https://app.example.com"}), refused=422)

    # --- Users ----------------------------------------------------------------------------------------------------
    user = call("CreateUser", lambda: clerk.users.create(
        email_address=[f"ada.{stamp}@example.com"], phone_number=[number(0)], username=f"ada{stamp}",
        password="a long passphrase 1", first_name="Ada", last_name="Lovelace", public_metadata={"plan": "pro"},
        totp_secret="JBSWY3DPEHPK3PXP", backup_codes=["12345678", "87654321"],
    ))
    if user is None:
        return
    uid = user.id
    other = call("CreateUser (second)", lambda: clerk.users.create(email_address=[f"grace.{stamp}@example.com"], first_name="Grace"))
    oid = other.id if other else uid
    users = call("GetUserList (limit=10.0 offset=0.0)", lambda: clerk.users.list(request={"limit": 10, "offset": 0, "query": "ada"}))
    expect("GetUserList finds the user", bool(users) and any(u.id == uid for u in users))
    call("GetUsersCount", lambda: clerk.users.count(request={"email_address_query": "example.com"}))
    call("GetUser", lambda: clerk.users.get(user_id=uid))
    call("UpdateUser", lambda: clerk.users.update(user_id=uid, first_name="Augusta", external_id=f"ext-{stamp}"))
    call("UpdateUserMetadata", lambda: clerk.users.update_metadata(user_id=uid, public_metadata={"seat": 1}))
    call("ReplaceUserMetadata", lambda: clerk.users.replace_metadata(user_id=uid, public_metadata={"plan": "team"}, private_metadata={}, unsafe_metadata={}))
    call("VerifyPassword", lambda: clerk.users.verify_password(user_id=uid, password="a long passphrase 1"))
    totp = call("VerifyTOTP (wrong code)", lambda: clerk.users.verify_totp(user_id=uid, code="000000"))
    expect("VerifyTOTP refuses a wrong code", totp is not None and totp.verified is False)
    call("UserPasswordCompromised", lambda: clerk.users.set_password_compromised(user_id=uid))
    call("UnsetUserPasswordCompromised", lambda: clerk.users.unset_password_compromised(user_id=uid))
    call("SetUserProfileImage", lambda: clerk.users.set_profile_image(user_id=uid, file={"file_name": "a.png", "content": PNG, "content_type": "image/png"}))
    call("DeleteUserProfileImage", lambda: clerk.users.delete_profile_image(user_id=uid))
    call("LockUser", lambda: clerk.users.lock(user_id=uid))
    call("UnlockUser", lambda: clerk.users.unlock(user_id=uid))
    call("BanUser", lambda: clerk.users.ban(user_id=oid))
    call("UnbanUser", lambda: clerk.users.unban(user_id=oid))
    call("BulkBanUsers", lambda: clerk.users.bulk_ban(user_ids=[oid]))
    call("BulkUnbanUsers", lambda: clerk.users.bulk_unban(user_ids=[oid]))
    call("DeleteBackupCode", lambda: clerk.users.delete_backup_codes(user_id=uid))
    call("DeleteTOTP", lambda: clerk.users.delete_totp(user_id=uid))
    call("DisableMFA", lambda: clerk.users.disable_mfa(user_id=uid))
    call("UserPasskeyDelete (none exists)", lambda: clerk.users.delete_passkey(user_id=uid, passkey_identification_id="idn_none"), refused=404)
    wallet_user = call("CreateUser (with a Web3 wallet)", lambda: clerk.users.create(email_address=[f"wallet.{stamp}@example.com"], web3_wallet=["0x" + stamp * 5]))
    if wallet_user and wallet_user.web3_wallets:
        call("UserWeb3WalletDelete", lambda: clerk.users.delete_web3_wallet(user_id=wallet_user.id, web3_wallet_identification_id=wallet_user.web3_wallets[0].id))
    call("DeleteExternalAccount (none exists)", lambda: clerk.users.delete_external_account(user_id=uid, external_account_id="eac_none"), refused=404)
    call("GetUserTrustedDevices", lambda: clerk.users.list_trusted_devices(user_id=uid))
    call("RevokeUserTrustedDevice (none exists)", lambda: clerk.users.revoke_trusted_device(user_id=uid, trusted_device_id="dev_none"), refused=404)
    call("GetOAuthAccessToken (no such account)", lambda: clerk.users.get_o_auth_access_token(user_id=uid, provider="oauth_google"))
    call("GetUserBillingSubscription", lambda: clerk.users.get_billing_subscription(user_id=uid))
    call("GetUserBillingCreditBalance", lambda: clerk.users.get_billing_credit_balance(user_id=uid))
    call("AdjustUserBillingCreditBalance", lambda: clerk.users.adjust_billing_credit_balance(user_id=uid, amount=500, action="increase", idempotency_key=f"k-{stamp}", currency="USD"))

    # --- Email addresses, phone numbers ---------------------------------------------------------------------------
    email = call("CreateEmailAddress", lambda: clerk.email_addresses.create(request={"user_id": uid, "email_address": f"second.{stamp}@example.com", "verified": False}))
    if email:
        call("GetEmailAddress", lambda: clerk.email_addresses.get(email_address_id=email.id))
        call("UpdateEmailAddress", lambda: clerk.email_addresses.update(email_address_id=email.id, verified=True))
        call("DeleteEmailAddress", lambda: clerk.email_addresses.delete(email_address_id=email.id))
    phone = call("CreatePhoneNumber", lambda: clerk.phone_numbers.create(request={"user_id": uid, "phone_number": number(1), "verified": False}))
    if phone:
        call("GetPhoneNumber", lambda: clerk.phone_numbers.get(phone_number_id=phone.id))
        call("UpdatePhoneNumber", lambda: clerk.phone_numbers.update(phone_number_id=phone.id, verified=True))
        call("DeletePhoneNumber", lambda: clerk.phone_numbers.delete(phone_number_id=phone.id))
    ev = call("CreateEmailAddress (to verify)", lambda: clerk.email_addresses.create(request={"user_id": uid, "email_address": f"verify.{stamp}@example.com", "verified": False}))
    if ev:
        prepared = call("PrepareEmailAddressVerification", lambda: clerk.email_addresses.prepare_verification(email_address_id=ev.id))
        if prepared:  # the emulator's codes are always 424242
            done = call("AttemptEmailAddressVerification", lambda: clerk.email_addresses.attempt_verification(email_address_id=ev.id, verification_id=prepared.id, code="424242"))
            expect("the address is verified", done is not None and str(done.status) == "verified", str(done and done.status))
    pv = call("CreatePhoneNumber (to verify)", lambda: clerk.phone_numbers.create(request={"user_id": uid, "phone_number": number(2), "verified": False}))
    if pv:
        prepared = call("PreparePhoneNumberVerification", lambda: clerk.phone_numbers.prepare_verification(phone_number_id=pv.id))
        if prepared:
            done = call("AttemptPhoneNumberVerification", lambda: clerk.phone_numbers.attempt_verification(phone_number_id=pv.id, verification_id=prepared.id, code="424242"))
            expect("the phone number is verified", done is not None and str(done.status) == "verified", str(done and done.status))
    call("ReplaceUserEmailAddress", lambda: clerk.email_addresses.replace_for_user(user_id=oid, email_address=f"grace.new.{stamp}@example.com"))
    call("ReplaceUserPhoneNumber", lambda: clerk.phone_numbers.replace_for_user(user_id=oid, phone_number=number(3)))

    # --- Allow list, block list, domains, redirect URLs ------------------------------------------------------------
    allowed = call("CreateAllowlistIdentifier", lambda: clerk.allowlist_identifiers.create(request={"identifier": f"allowed.{stamp}@example.com"}))
    listed = call("ListAllowlistIdentifiers (limit=10.0 offset=0.0)", lambda: clerk.allowlist_identifiers.list(limit=10, offset=0))
    instance_id = _instance_id(url, key)
    if allowed:
        expect("allow-list identifier reports the instance's id", allowed.instance_id == instance_id, f"{allowed.instance_id} != {instance_id}")
        call("DeleteAllowlistIdentifier", lambda: clerk.allowlist_identifiers.delete(identifier_id=allowed.id))
    blocked = call("CreateBlocklistIdentifier", lambda: clerk.blocklist_identifiers.create(request={"identifier": f"blocked.{stamp}@example.com"}))
    call("ListBlocklistIdentifiers", lambda: clerk.blocklist_identifiers.list())
    if blocked:
        expect("block-list identifier reports the instance's id", blocked.instance_id == instance_id, f"{blocked.instance_id} != {instance_id}")
        call("DeleteBlocklistIdentifier", lambda: clerk.blocklist_identifiers.delete(identifier_id=blocked.id))
    call("ListDomains", lambda: clerk.domains.list())
    domain = call("AddDomain", lambda: clerk.domains.add(request={"name": f"sat{stamp}.example.com", "is_satellite": True}))
    if domain:
        call("UpdateDomain", lambda: clerk.domains.update(domain_id=domain.id, name=f"sat{stamp}b.example.com"))
        call("DeleteDomain", lambda: clerk.domains.delete(domain_id=domain.id))
    redirect = call("CreateRedirectURL", lambda: clerk.redirect_urls.create(request={"url": f"https://app{stamp}.example.com/callback"}))
    call("ListRedirectURLs", lambda: clerk.redirect_urls.list(limit=10, offset=0))
    if redirect:
        call("GetRedirectURL", lambda: clerk.redirect_urls.get(id=redirect.id))
        call("DeleteRedirectURL", lambda: clerk.redirect_urls.delete(id=redirect.id))
    call("VerifyDomainProxy (not a domain of the instance)", lambda: clerk.proxy_checks.verify(request={"domain_id": "dmn_none", "proxy_url": "https://example.com/__clerk"}), refused=422)
    proxied = call("AddDomain (behind a proxy)", lambda: clerk.domains.add(request={"name": f"proxied{stamp}.example.com", "is_satellite": True, "proxy_url": f"https://proxied{stamp}.example.com/__clerk"}))
    if proxied:
        check = call("VerifyDomainProxy", lambda: clerk.proxy_checks.verify(request={"domain_id": proxied.id, "proxy_url": f"https://proxied{stamp}.example.com/__clerk"}))
        expect("the proxy check names the domain", check is not None and check.domain_id == proxied.id)

    # --- Invitations, waitlist ------------------------------------------------------------------------------------
    invitation = call("CreateInvitation", lambda: clerk.invitations.create(request={"email_address": f"invitee.{stamp}@example.com", "notify": False}))
    call("CreateBulkInvitations", lambda: clerk.invitations.bulk_create(request=[{"email_address": f"bulk1.{stamp}@example.com"}, {"email_address": f"bulk2.{stamp}@example.com"}]))
    call("ListInvitations", lambda: clerk.invitations.list(status="pending", limit=10, offset=0))
    if invitation:
        call("RevokeInvitation", lambda: clerk.invitations.revoke(invitation_id=invitation.id))
    entry = call("CreateWaitlistEntry", lambda: clerk.waitlist_entries.create(request={"email_address": f"wait.{stamp}@example.com", "notify": False}))
    call("CreateBulkWaitlistEntries", lambda: clerk.waitlist_entries.bulk_create(request=[{"email_address": f"wait2.{stamp}@example.com"}]))
    call("ListWaitlistEntries", lambda: clerk.waitlist_entries.list(limit=10, offset=0))
    if entry:
        call("InviteWaitlistEntry", lambda: clerk.waitlist_entries.invite(waitlist_entry_id=entry.id))
    rejected = call("CreateWaitlistEntry (to reject)", lambda: clerk.waitlist_entries.create(request={"email_address": f"wait3.{stamp}@example.com"}))
    if rejected:
        call("RejectWaitlistEntry", lambda: clerk.waitlist_entries.reject(waitlist_entry_id=rejected.id))
        call("DeleteWaitlistEntry", lambda: clerk.waitlist_entries.delete(waitlist_entry_id=rejected.id))

    # --- Sessions, clients, tokens --------------------------------------------------------------------------------
    session = call("CreateSession", lambda: clerk.sessions.create(request={"user_id": uid}))
    template = call("CreateJWTTemplate", lambda: clerk.jwt_templates.create(request={"name": f"first{stamp}", "claims": {"role": "{{user.public_metadata.plan}}"}}))
    second_template = call("CreateJWTTemplate (second)", lambda: clerk.jwt_templates.create(request={"name": f"second{stamp}", "claims": {"a": 1}}))
    if session:
        call("GetSession", lambda: clerk.sessions.get(session_id=session.id))
        call("GetSessionList", lambda: clerk.sessions.list(user_id=uid, status="active", limit=10, offset=0))
        token = call("CreateSessionToken", lambda: clerk.sessions.create_token(session_id=session.id, expires_in_seconds=120))
        if template:
            call("CreateSessionTokenFromTemplate", lambda: clerk.sessions.create_token_from_template(session_id=session.id, template_name=template.name))
        client_id = session.client_id
        call("GetClient", lambda: clerk.clients.get(client_id=client_id))
        call("GetClientList", lambda: clerk.clients.list(limit=10, offset=0))
        if token:
            call("VerifyClient", lambda: clerk.clients.verify(request={"token": token.jwt}))
            call("RefreshSession (a refresh token that is not the session's)", lambda: clerk.sessions.refresh(session_id=session.id, expired_token=token.jwt, refresh_token="rt_none", request_origin="https://app.example.com"), refused=401)
        call("RevokeSession", lambda: clerk.sessions.revoke(session_id=session.id))
    if template:
        call("GetJWTTemplate", lambda: clerk.jwt_templates.get(template_id=template.id))
        call("ListJWTTemplates", lambda: clerk.jwt_templates.list(limit=10, offset=0))
        renamed = call("UpdateJWTTemplate (rename)", lambda: clerk.jwt_templates.update(template_id=template.id, name=f"renamed{stamp}", claims={"a": 1}))
        freed = call("CreateJWTTemplate (the old name, freed by the rename)", lambda: clerk.jwt_templates.create(request={"name": f"first{stamp}", "claims": {"b": 2}}))
        if second_template:
            call("UpdateJWTTemplate (to a taken name)", lambda: clerk.jwt_templates.update(template_id=second_template.id, name=f"renamed{stamp}", claims={"a": 1}), refused=422)
        if freed:
            call("DeleteJWTTemplate", lambda: clerk.jwt_templates.delete(template_id=freed.id))
    sign_in_token = call("CreateSignInToken", lambda: clerk.sign_in_tokens.create(request={"user_id": uid, "expires_in_seconds": 600}))
    if sign_in_token:
        call("RevokeSignInToken", lambda: clerk.sign_in_tokens.revoke(sign_in_token_id=sign_in_token.id))
    actor = call("CreateActorToken", lambda: clerk.actor_tokens.create(request={"user_id": uid, "actor": {"sub": oid}, "expires_in_seconds": 600}))
    if actor:
        call("RevokeActorToken", lambda: clerk.actor_tokens.revoke(actor_token_id=actor.id))
    task = call("CreateAgentTask", lambda: clerk.agent_tasks.create(request={"on_behalf_of": {"user_id": uid}, "permissions": "*", "agent_name": "helper", "task_description": "Book a table", "redirect_url": "https://app.example.com/done"}))
    if task:
        call("RevokeAgentTask", lambda: clerk.agent_tasks.revoke(agent_task_id=task.agent_task_id))
    call("CreateTestingToken", lambda: clerk.testing_tokens.create())
    call("GetSignUp (unknown id)", lambda: clerk.sign_ups.get(id="sua_none"), undocumented=404)
    call("UpdateSignUp (unknown id)", lambda: clerk.sign_ups.update(id="sua_none", external_id="x"), undocumented=404)
    call("GetPublicInterstitial", lambda: clerk.miscellaneous.get_public_interstitial(frontend_api_query_parameter1="clerk.emulator.localhost"))

    # --- API keys, machines, M2M, OAuth -------------------------------------------------------------------------
    api_key = call("CreateAPIKey", lambda: clerk.api_keys.create_api_key(name=f"key{stamp}", subject=uid, description="for the SDK check", scopes=["read"]))
    call("GetAPIKeys (limit=10.0 offset=0.0)", lambda: clerk.api_keys.get_api_keys(subject=uid, limit=10, offset=0))
    if api_key:
        call("GetAPIKey", lambda: clerk.api_keys.get_api_key(api_key_id=api_key.id))
        call("GetAPIKeySecret", lambda: clerk.api_keys.get_api_key_secret(api_key_id=api_key.id))
        call("UpdateAPIKey", lambda: clerk.api_keys.update_api_key(api_key_id=api_key.id, description="changed"))
        call("VerifyAPIKey", lambda: clerk.api_keys.verify_api_key(secret=api_key.secret))
        call("RevokeAPIKey", lambda: clerk.api_keys.revoke_api_key(api_key_id=api_key.id, revocation_reason="rotated"))
        call("DeleteAPIKey", lambda: clerk.api_keys.delete_api_key(api_key_id=api_key.id))
    machine = call("CreateMachine", lambda: clerk.machines.create(request={"name": f"worker{stamp}", "default_token_ttl": 3600}))
    peer = call("CreateMachine (peer)", lambda: clerk.machines.create(request={"name": f"peer{stamp}"}))
    call("ListMachines (limit=10.0 offset=0.0)", lambda: clerk.machines.list(limit=10, offset=0))
    if machine and peer:
        call("GetMachine", lambda: clerk.machines.get(machine_id=machine.id))
        call("UpdateMachine", lambda: clerk.machines.update(machine_id=machine.id, name=f"worker{stamp}b"))
        secret = call("GetMachineSecretKey", lambda: clerk.machines.get_secret_key(machine_id=machine.id))
        call("CreateMachineScope", lambda: clerk.machines.create_scope(machine_id=machine.id, to_machine_id=peer.id))
        if secret:
            m2m_sdk = Clerk(bearer_auth=secret.secret, server_url=url + "/v1")
            m2m = call("CreateM2MToken", lambda: m2m_sdk.m2m.create_token(seconds_until_expiration=600))
            call("GetM2MTokens (limit=10.0 offset=0.0)", lambda: clerk.m2m.list_tokens(subject=machine.id, limit=10, offset=0))
            if m2m:
                # The machine the token is for (in its creator's scope) verifies it with its own secret key.
                peer_secret = clerk.machines.get_secret_key(machine_id=peer.id).secret
                peer_sdk = Clerk(bearer_auth=peer_secret, server_url=url + "/v1")
                verified = call("VerifyM2MToken", lambda: peer_sdk.m2m.verify_token(token=m2m.token))
                expect("the verified token names its machine", verified is not None and verified.subject == machine.id)
                call("RevokeM2MToken", lambda: clerk.m2m.revoke_token(m2m_token_id=m2m.id, revocation_reason="done"))
        call("RotateMachineSecretKey", lambda: clerk.machines.rotate_secret_key(machine_id=machine.id, previous_token_ttl=0))
        call("DeleteMachineScope", lambda: clerk.machines.delete_scope(machine_id=machine.id, other_machine_id=peer.id))
        call("DeleteMachine", lambda: clerk.machines.delete(machine_id=peer.id))
    app = call("CreateOAuthApplication", lambda: clerk.oauth_applications.create(request={"name": f"app{stamp}", "redirect_uris": ["https://app.example.com/cb"], "scopes": "profile email"}))
    call("ListOAuthApplications", lambda: clerk.oauth_applications.list(limit=10, offset=0))
    if app:
        call("GetOAuthApplication", lambda: clerk.oauth_applications.get(oauth_application_id=app.id))
        call("UpdateOAuthApplication", lambda: clerk.oauth_applications.update(oauth_application_id=app.id, name=f"app{stamp}b"))
        call("RotateOAuthApplicationSecret", lambda: clerk.oauth_applications.rotate_secret(oauth_application_id=app.id))
        call("UploadOAuthApplicationLogo", lambda: clerk.oauth_applications.upload_logo(oauth_application_id=app.id, file={"file_name": "logo.png", "content": PNG, "content_type": "image/png"}))
        call("RevokeOAuthToken (unknown token)", lambda: clerk.oauth_applications.revoke_token(oauth_application_id=app.id, token="oat_none"))
        call("DeleteOAuthApplication", lambda: clerk.oauth_applications.delete(oauth_application_id=app.id))
    call("VerifyOAuthAccessToken (never issued)", lambda: clerk.oauth_access_tokens.verify(access_token="oat_none"), refused=404)

    # --- Organizations --------------------------------------------------------------------------------------------
    org = call("CreateOrganization", lambda: clerk.organizations.create(request={"name": f"Acme {stamp}", "slug": f"acme-{stamp}", "created_by": uid}))
    if org is None:
        return
    call("ListOrganizations", lambda: clerk.organizations.list(limit=10, offset=0, include_members_count=True))
    call("GetOrganization", lambda: clerk.organizations.get(organization_id=org.id))
    call("UpdateOrganization", lambda: clerk.organizations.update(organization_id=org.id, name=f"Acme {stamp} Ltd"))
    call("MergeOrganizationMetadata", lambda: clerk.organizations.merge_metadata(organization_id=org.id, public_metadata={"tier": "gold"}))
    call("ReplaceOrganizationMetadata", lambda: clerk.organizations.replace_metadata(organization_id=org.id, public_metadata={"tier": "silver"}, private_metadata={}))
    call("UploadOrganizationLogo", lambda: clerk.organizations.upload_logo(organization_id=org.id, file={"file_name": "logo.png", "content": PNG, "content_type": "image/png"}, uploader_user_id=uid))
    call("DeleteOrganizationLogo", lambda: clerk.organizations.delete_logo(organization_id=org.id))
    call("GetOrganizationBillingSubscription", lambda: clerk.organizations.get_billing_subscription(organization_id=org.id))
    call("GetOrganizationBillingCreditBalance", lambda: clerk.organizations.get_billing_credit_balance(organization_id=org.id))
    call("AdjustOrganizationBillingCreditBalance", lambda: clerk.organizations.adjust_billing_credit_balance(organization_id=org.id, amount=100, action="increase", idempotency_key=f"o-{stamp}", currency="USD"))
    call("CreateOrganizationMembership (undefined role)", lambda: clerk.organization_memberships.create(organization_id=org.id, user_id=oid, role=f"org:nope{stamp}"), refused=422)
    call("CreateOrganizationMembership", lambda: clerk.organization_memberships.create(organization_id=org.id, user_id=oid, role="org:member"))
    call("ListOrganizationMemberships", lambda: clerk.organization_memberships.list(organization_id=org.id, limit=10, offset=0))
    call("UpdateOrganizationMembership", lambda: clerk.organization_memberships.update(organization_id=org.id, user_id=oid, role="org:admin"))
    call("UpdateOrganizationMembershipMetadata", lambda: clerk.organization_memberships.update_metadata(organization_id=org.id, user_id=oid, public_metadata={"desk": 4}))
    call("UsersGetOrganizationMemberships", lambda: clerk.users.get_organization_memberships(user_id=oid, limit=10, offset=0))
    call("InstanceGetOrganizationMemberships", lambda: clerk.users.get_instance_organization_memberships(limit=10, offset=0))
    org_inv = call("CreateOrganizationInvitation", lambda: clerk.organization_invitations.create(organization_id=org.id, email_address=f"orginv.{stamp}@example.com", role="org:member", inviter_user_id=uid))
    call("CreateOrganizationInvitationBulk", lambda: clerk.organization_invitations.bulk_create(organization_id=org.id, request_body=[{"email_address": f"orgbulk.{stamp}@example.com", "role": "org:member"}]))
    call("ListOrganizationInvitations", lambda: clerk.organization_invitations.list(organization_id=org.id, limit=10, offset=0))
    call("ListPendingOrganizationInvitations", lambda: clerk.organization_invitations.list_pending(organization_id=org.id, limit=10, offset=0))
    call("ListInstanceOrganizationInvitations", lambda: clerk.organization_invitations.get_all(limit=10, offset=0))
    call("UsersGetOrganizationInvitations", lambda: clerk.users.get_organization_invitations(user_id=uid, limit=10, offset=0))
    if org_inv:
        call("GetOrganizationInvitation", lambda: clerk.organization_invitations.get(organization_id=org.id, invitation_id=org_inv.id))
        call("RevokeOrganizationInvitation", lambda: clerk.organization_invitations.revoke(organization_id=org.id, invitation_id=org_inv.id, requesting_user_id=uid))
    org_domain = call("CreateOrganizationDomain", lambda: clerk.organization_domains.create(organization_id=org.id, name=f"acme{stamp}.example.com", enrollment_mode="automatic_invitation", verified=True))
    call("ListOrganizationDomains", lambda: clerk.organization_domains.list(organization_id=org.id, limit=10, offset=0))
    call("ListAllOrganizationDomains", lambda: clerk.organization_domains.list_all(limit=10, offset=0))
    if org_domain:
        call("UpdateOrganizationDomain", lambda: clerk.organization_domains.update(organization_id=org.id, domain_id=org_domain.id, enrollment_mode="manual_invitation"))
        call("VerifyOrganizationDomainOwnership", lambda: clerk.organization_domains.verify_ownership(organization_id=org.id, domain_id=org_domain.id))
        call("DeleteOrganizationDomain", lambda: clerk.organization_domains.delete(organization_id=org.id, domain_id=org_domain.id))
    link = call("CreateAdminPortalLinkToken", lambda: clerk.admin_portal_link_tokens.create_admin_portal_link_token(organization_id=org.id, seconds_until_expiration=600))
    if link:
        call("RevokeAdminPortalLinkToken", lambda: clerk.admin_portal_link_tokens.revoke_admin_portal_link_token(admin_portal_link_token_id=link.id))

    # --- Roles, permissions, role sets ----------------------------------------------------------------------------
    permission = call("CreateOrganizationPermission", lambda: clerk.organization_permissions.create(name="Read invoices", key=f"org:invoices{stamp}:read", description="x"))
    call("ListOrganizationPermissions", lambda: clerk.organization_permissions.list(limit=10, offset=0))
    role = call("CreateOrganizationRole", lambda: clerk.organization_roles.create(name="Billing", key=f"org:billing{stamp}", description="bills"))
    call("ListOrganizationRoles", lambda: clerk.organization_roles.list(limit=10, offset=0))
    if permission and role:
        call("GetOrganizationPermission", lambda: clerk.organization_permissions.get(permission_id=permission.id))
        call("UpdateOrganizationPermission", lambda: clerk.organization_permissions.update(permission_id=permission.id, description="changed"))
        call("GetOrganizationRole", lambda: clerk.organization_roles.get(organization_role_id=role.id))
        call("UpdateOrganizationRole", lambda: clerk.organization_roles.update(organization_role_id=role.id, description="changed"))
        call("AssignPermissionToOrganizationRole", lambda: clerk.organization_roles.assign_permission(organization_role_id=role.id, permission_id=permission.id))
        call("RemovePermissionFromOrganizationRole", lambda: clerk.organization_roles.remove_permission(organization_role_id=role.id, permission_id=permission.id))
    role_set = call("CreateRoleSet", lambda: clerk.role_sets.create(name=f"Set {stamp}", key=f"role_set:set{stamp}", default_role_key="org:member", creator_role_key="org:admin", roles=["org:member", "org:admin"]))
    call("ListRoleSets", lambda: clerk.role_sets.list(limit=10, offset=0))
    if role_set:
        call("GetRoleSet", lambda: clerk.role_sets.get(role_set_key_or_id=role_set.id))
        call("UpdateRoleSet", lambda: clerk.role_sets.update(role_set_key_or_id=role_set.id, description="changed"))
        if role:
            call("AddRolesToRoleSet", lambda: clerk.role_sets.add_roles(role_set_key_or_id=role_set.id, role_keys=[role.key]))
            call("ReplaceRoleInRoleSet", lambda: clerk.role_sets.replace_role(role_set_key_or_id=role_set.id, role_key=role.key, to_role_key="org:member"))
        other_set = call("CreateRoleSet (destination)", lambda: clerk.role_sets.create(name=f"Dest {stamp}", key=f"role_set:dest{stamp}", default_role_key="org:member", creator_role_key="org:admin", roles=["org:member", "org:admin"]))
        if other_set:
            call("ReplaceRoleSet", lambda: clerk.role_sets.replace(role_set_key_or_id=role_set.id, dest_role_set_key=other_set.key))
    if role:
        call("DeleteOrganizationRole", lambda: clerk.organization_roles.delete(organization_role_id=role.id))
    if permission:
        call("DeleteOrganizationPermission", lambda: clerk.organization_permissions.delete(permission_id=permission.id))

    # --- SAML, enterprise connections, SCIM -----------------------------------------------------------------------
    saml = call("CreateSAMLConnection", lambda: clerk.saml_connections.create(request={"name": f"Okta {stamp}", "domain": f"okta{stamp}.example.com", "provider": "saml_okta", "idp_entity_id": "https://idp.example.com", "idp_sso_url": "https://idp.example.com/sso", "idp_certificate": IDP_CERTIFICATE}))
    call("ListSAMLConnections", lambda: clerk.saml_connections.list(limit=10, offset=0))
    if saml:
        call("GetSAMLConnection", lambda: clerk.saml_connections.get(saml_connection_id=saml.id))
        call("UpdateSAMLConnection", lambda: clerk.saml_connections.update(saml_connection_id=saml.id, name=f"Okta {stamp} b"))
        call("DeleteSAMLConnection", lambda: clerk.saml_connections.delete(saml_connection_id=saml.id))
    enterprise = call("CreateEnterpriseConnection", lambda: clerk.enterprise_connections.create(request={"name": f"Entra {stamp}", "domains": [f"entra{stamp}.example.com"], "provider": "saml_custom"}))
    call("ListEnterpriseConnections", lambda: clerk.enterprise_connections.list(limit=10, offset=0))
    if enterprise:
        call("GetEnterpriseConnection", lambda: clerk.enterprise_connections.get(enterprise_connection_id=enterprise.id))
        call("UpdateEnterpriseConnection", lambda: clerk.enterprise_connections.update(enterprise_connection_id=enterprise.id, name=f"Entra {stamp} b"))
        call("CreateEnterpriseConnectionTestRun", lambda: clerk.enterprise_connections.create_test_run(enterprise_connection_id=enterprise.id))
        call("ListEnterpriseConnectionTestRuns", lambda: clerk.enterprise_connections.list_test_runs(enterprise_connection_id=enterprise.id, limit=10, offset=0))
        directory = call("CreateSCIMDirectory", lambda: clerk.scim_directories.create(request={"enterprise_connection_id": enterprise.id, "provider": "okta"}))
        call("ListSCIMDirectories", lambda: clerk.scim_directories.list(limit=10, offset=0))
        if directory:
            call("GetSCIMDirectory", lambda: clerk.scim_directories.get(scim_directory_id=directory.id))
            call("UpdateSCIMDirectory", lambda: clerk.scim_directories.update(scim_directory_id=directory.id, name=f"Dir {stamp} b", group_role_mapping_enabled=True))
            call("RotateSCIMDirectoryAPIKey", lambda: clerk.scim_directories.rotate_api_key(scim_directory_id=directory.id))
            call("ListSCIMGroupRoleMappings", lambda: clerk.scim_directories.list_group_role_mappings(scim_directory_id=directory.id))
            call("CreateSCIMGroupRoleMapping", lambda: clerk.scim_directories.create_group_role_mapping(scim_directory_id=directory.id, scim_group_id="grp-1", role_id="org:member"))
            call("ReplaceSCIMGroupRoleMappings", lambda: clerk.scim_directories.replace_group_role_mappings(scim_directory_id=directory.id, mappings=[{"scim_group_id": "grp-2", "role_id": "org:admin"}]))
            mappings = call("ListSCIMGroupRoleMappings (after replace)", lambda: clerk.scim_directories.list_group_role_mappings(scim_directory_id=directory.id))
            current = _first_id(mappings)
            expect("the replaced mappings are listed", current is not None)
            if current:
                call("DeleteSCIMGroupRoleMapping", lambda: clerk.scim_directories.delete_group_role_mapping(scim_directory_id=directory.id, mapping_id=current))
            call("DeleteSCIMDirectory", lambda: clerk.scim_directories.delete(scim_directory_id=directory.id))
        call("DeleteEnterpriseConnection", lambda: clerk.enterprise_connections.delete(enterprise_connection_id=enterprise.id))

    # --- Templates ------------------------------------------------------------------------------------------------
    call("GetTemplateList", lambda: clerk.email_sms_templates.list(template_type="email", limit=10, offset=0))
    call("GetTemplate", lambda: clerk.email_sms_templates.get(template_type="email", slug="verification_code"))
    call("UpsertTemplate", lambda: clerk.email_and_sms_templates.upsert(template_type="email", slug="verification_code", name="Code", subject="Your code", body="{{otp_code}}"))
    call("PreviewTemplate", lambda: clerk.templates.preview(template_type="email", slug="verification_code", subject="Hi", body="{{otp_code}}"))
    call("ToggleTemplateDelivery", lambda: clerk.email_sms_templates.toggle_template_delivery(template_type="email", slug="verification_code", delivered_by_clerk=False))
    call("RevertTemplate", lambda: clerk.email_sms_templates.revert(template_type="email", slug="verification_code"))

    # --- Billing --------------------------------------------------------------------------------------------------
    plans = call("GetCommercePlanList", lambda: clerk.billing.list_plans(limit=10, offset=0))
    call("GetBillingSubscriptionItemList", lambda: clerk.billing.list_subscription_items(limit=10, offset=0))
    call("GetBillingPriceList", lambda: clerk.billing.list_prices(limit=10, offset=0))
    call("GetBillingStatement (unknown id)", lambda: clerk.billing.get_statement(statement_id="cstmt_none"), refused=404)
    subscription = call("GetUserBillingSubscription (the free plan)", lambda: clerk.users.get_billing_subscription(user_id=oid))
    item = subscription.subscription_items[0] if subscription and subscription.subscription_items else None
    if item:
        pro = call("CreateBillingPrice", lambda: clerk.billing.create_price(plan_id=item.plan_id, amount=2500, currency="USD"))
        call("ExtendBillingSubscriptionItemFreeTrial (not in a trial)", lambda: clerk.billing.extend_subscription_item_free_trial(subscription_item_id=item.id, extend_to="2099-01-01T00:00:00Z"), refused=422)
        if pro:
            moved = call("CreateBillingPriceTransition", lambda: clerk.billing.create_price_transition(subscription_item_id=item.id, from_price_id=item.price_id, to_price_id=pro.id))
            if moved:
                call("CancelCommerceSubscriptionItem", lambda: clerk.billing.cancel_subscription_item(subscription_item_id=moved.subscription_item.id, end_now=True))
    # The charge of that transition is a paid payment attempt in the payer's statement.
    statements = call("GetBillingStatementList", lambda: clerk.billing.list_statements(limit=10, offset=0))
    statement_id = _first_id(statements)
    expect("the charge made a statement", statement_id is not None)
    if statement_id:
        call("GetBillingStatement", lambda: clerk.billing.get_statement(statement_id=statement_id))
        attempts = call("GetBillingStatementPaymentAttempts", lambda: clerk.billing.get_statement_payment_attempts(statement_id=statement_id))
        expect("the statement holds a paid attempt", attempts is not None and len(attempts.data) == 1 and str(attempts.data[0].status) in ("paid", "BillingPaymentAttemptStatus.PAID"))

    # --- Webhooks (Svix) ------------------------------------------------------------------------------------------
    call("CreateSvixApp", lambda: clerk.webhooks.create_svix_app())
    call("GenerateSvixAuthURL", lambda: clerk.webhooks.generate_svix_auth_url())
    call("DeleteSvixApp", lambda: clerk.webhooks.delete_svix_app())

    # --- Last: deletions -------------------------------------------------------------------------------------------
    call("RemoveOrganizationMembership", lambda: clerk.organization_memberships.delete(organization_id=org.id, user_id=oid))
    call("DeleteOrganization", lambda: clerk.organizations.delete(organization_id=org.id))
    call("RemoveUserPassword", lambda: clerk.users.remove_password(user_id=uid), refused=None)
    call("DeleteUser", lambda: clerk.users.delete(user_id=oid))
    gone = call("GetUser (deleted)", lambda: clerk.users.get(user_id=oid), refused=404)


SPEC_STATUSES = {}


def _first_id(value):
    data = getattr(value, "data", value)
    if isinstance(data, list) and data:
        return getattr(data[0], "id", None)
    return None


def _instance_id(url, key):
    try:
        return raw(url, key, "GET", "/v1/instance")["id"]
    except Exception:  # noqa: BLE001
        return None


def sdk_operations():
    """The operation ids this version of the SDK can send."""
    import pathlib
    import clerk_backend_api

    ids = set()
    for source in pathlib.Path(clerk_backend_api.__file__).parent.glob("*.py"):
        ids.update(re.findall(r'operation_id="([^"]+)"', source.read_text()))
    return ids


def load_spec(path):
    """Operation id → documented statuses, and the operations the spec has (for the coverage list)."""
    import yaml  # PyYAML, already needed by the generator check

    with open(path) as handle:
        spec = yaml.safe_load(handle)
    operations = {}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                operations[operation["operationId"]] = {int(s) for s in operation.get("responses", {}) if s.isdigit()}
    return operations


def main():
    warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks deprecated operations so; they are called on purpose
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret-key", default=os.environ.get("CLERK_SECRET_KEY"), help="default: $CLERK_SECRET_KEY")
    parser.add_argument("--spec")
    args = parser.parse_args()
    if not args.secret_key:
        parser.error("set CLERK_SECRET_KEY (or pass --secret-key)")
    if args.spec:
        SPEC_STATUSES.update(load_spec(args.spec))
    clerk = Clerk(bearer_auth=args.secret_key, server_url=args.url.rstrip("/") + "/v1")
    try:
        scenario(clerk, args.url.rstrip("/"), args.secret_key)
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        RESULTS.append(("scenario", "FAIL", "stopped by an exception"))
    failures = [r for r in RESULTS if r[1] == "FAIL"]
    for label, outcome, detail in RESULTS:
        print(f"{outcome:8} {label}" + (f" — {detail}" if detail else ""))
    reached = {operation for operation, _ in SEEN}
    succeeded = {operation for operation, status in SEEN if status < 300}
    print(f"\n{len(RESULTS)} checks, {len(failures)} failed; {len(SEEN)} requests, {len(reached)} operations reached, {len(succeeded)} with a success")
    if SPEC_STATUSES:
        in_sdk = set(SPEC_STATUSES) & sdk_operations()
        missing = sorted(in_sdk - reached)
        print(f"{len(SPEC_STATUSES)} operations in the spec, {len(in_sdk)} of them in this SDK; reached: {len(in_sdk & reached)}" + (f"; not reached: {', '.join(missing)}" if missing else ""))
        absent = sorted(set(SPEC_STATUSES) - in_sdk)
        if absent:
            print(f"not in this SDK version ({len(absent)}): {', '.join(absent)}")
        if missing:
            failures.append(("coverage", "FAIL", ""))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
