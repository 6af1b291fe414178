"""Swift names: types, properties, enum members, acronyms, and the tables of names the generator must avoid or use."""

import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SPEC = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Fixtures", "clerk-bapi-2026-05-12.yml")
WEBHOOKS_SPEC = os.path.join(ROOT, "Tests", "ClerkBackendTests", "Fixtures", "clerk-webhooks-2025-04-15.yml")
MODELS_DIR = os.path.join(ROOT, "Sources", "ClerkBackend", "Models", "Generated")
ENDPOINTS_FILE = os.path.join(ROOT, "Sources", "ClerkBackend", "Client", "Endpoints+Generated.swift")

# Schemas the SDK writes by hand, and the Swift type that properties referring to them get.
SKIPPED_SCHEMAS = {"ClerkError": "JSONValue", "ClerkErrors": "JSONValue"}

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
    "true", "try", "Type", "any", "some", "Any", "Protocol",
}

# Names a generated nested type must not take: they are special in Swift, or they are types that generated
# code refers to (a nested type of that name would shadow them inside its parent).
RESERVED_TYPE_NAMES = {
    "Type", "Protocol", "Self", "Any", "Error", "String", "Int", "Int64", "Bool", "Double", "Float", "Array",
    "Dictionary", "Optional", "Set", "Codable", "Decoder", "Encoder", "Decodable", "Encodable", "CodingKey",
    "CodingKeys", "DecodingError", "EncodingError", "Hashable", "Sendable", "JSONValue", "Metadata",
    "OpenStringEnum", "QueryItems", "QueryEncodable", "Endpoint", "Data", "Date", "URL", "UUID", "Element",
    "DiscriminatorKey", "Never", "Void", "Result", "Character",
}

# Swift names of schemas whose spec name says nothing (`CommercePlan-2` beside `CommercePlan`): what sets them apart.
SCHEMA_TYPE_NAMES = {
    "CommercePlan-2": "CommercePlanWithAmounts",
    "CommerceSubscriptionItem-2": "CommerceSubscriptionItemWithPaymentSource",
    "CommercePayerResponse-2": "CommerceCompletePayerResponse",
    "CommerceTotalsResponse-2": "CommerceTotalsWithBillingDiscountsResponse",
    "FeatureResponse-2": "CompleteFeatureResponse",
    # Payloads that only Clerk's webhooks spec defines (Scripts/generator/webhooks.py merges them in).
    "EmailEventPayload": "WebhookEmail",
    "SmsEventPayload": "WebhookSMSMessage",
    "PaymentAttemptEventPayload": "WebhookPaymentAttempt",
    "SubscriptionEventPayload": "WebhookSubscription",
    "BillingSubscriptionItemEventPayload": "WebhookSubscriptionItem",
    "OrganizationInvitationAcceptedPayload": "WebhookOrganizationInvitationAccepted",
    "BillingPayerEventPayload": "WebhookBillingPayer",
}

# Inline objects of operation bodies and responses that are the same resource, written out again in each operation
# (the API key in five responses): one named type each, by their `object` value. The operations' own names for them
# become typealiases.
SHARED_INLINE_TYPES = {
    "api_key": "APIKey",
    "machine_to_machine_token": "M2MToken",
    "token": "SessionTokenResponse",
}

# Members that an open-enum struct already has.
OPEN_ENUM_RESERVED = {"rawValue", "description", "hashValue", "init", "self", "Type"}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# --------------------------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------------------------

def split_words(name):
    return [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]


# Acronyms Swift names spell in one case (`userID`, `apiURL`, `SAMLConnection`), never `userId` or `Saml`.
ACRONYMS = {"Id": "ID", "Ids": "IDs", "Url": "URL", "Urls": "URLs", "Api": "API", "Apis": "APIs",
            "Oauth": "OAuth", "Saml": "SAML", "Jwt": "JWT", "Jwts": "JWTs", "Jwks": "JWKS", "M2m": "M2M",
            "Http": "HTTP"}
# A mixed-case acronym: a capitalised word (after a lowercase letter or a digit, or at the start of a type
# name) that ends the identifier or is followed by the next word. `IdP` (identity provider) keeps its case.
ACRONYM_WORD = re.compile(r"(?:(?<=[a-z0-9])|^)(%s)(?=[A-Z0-9_]|$)(?!(?<=Id)P)" % "|".join(
    sorted(ACRONYMS, key=len, reverse=True)))


def swift_acronyms(identifier):
    """`userId` -> `userID`, `getApiKey` -> `getAPIKey`, `VerificationOauth` -> `VerificationOAuth`."""
    return ACRONYM_WORD.sub(lambda m: ACRONYMS[m.group(1)], identifier)


def type_name(name):
    """`CommercePlan-2` -> `CommercePlan2`, `JWKS.rsa.PublicKey` -> `JWKSRsaPublicKey`, `user_id` -> `UserID`."""
    parts = split_words(name)
    result = swift_acronyms("".join(p[0].upper() + p[1:] for p in parts))
    if not result:
        result = "Value"
    if result[0].isdigit():
        result = "_" + result
    return result


def camel(name):
    """`user_id` -> `userID`, `web3_wallets` -> `web3Wallets`, `x5t#S256` -> `x5tS256` (mechanical)."""
    parts = split_words(name)
    if not parts:
        return "value"
    first = parts[0].lower() if parts[0].isupper() or parts[0].islower() else parts[0][0].lower() + parts[0][1:]
    result = swift_acronyms(first + "".join(p[0].upper() + p[1:] for p in parts[1:]))
    if result[0].isdigit():
        result = "_" + result
    return result


def property_name(json_name):
    if json_name == "public":
        return "isPublic"
    return camel(json_name)


def operation_type_base(op_id):
    """Prefix of an operation's Body/Query/Response types: `createApiKey` -> `CreateAPIKey`."""
    return swift_acronyms(op_id[0].upper() + op_id[1:])


def endpoint_name(op_id):
    """`Endpoint` constant of an operation: `GetOAuthApplication` -> `getOAuthApplication`."""
    return swift_acronyms(op_id[0].lower() + op_id[1:])


def escape(identifier):
    return "`%s`" % identifier if identifier in SWIFT_KEYWORDS else identifier


def lower_camel_type(name):
    """Lower-camel of a type name, lowering a leading acronym: `SAMLConnection` -> `samlConnection`,
    `OAuth` -> `oauth`."""
    for acronym in sorted(ACRONYMS.values(), key=len, reverse=True):
        if name.startswith(acronym) and re.match(r"[A-Z0-9_]|$", name[len(acronym):]):
            return acronym.lower() + name[len(acronym):]
    i = 0
    while i < len(name) and name[i].isupper():
        i += 1
    if i == 0:
        return name
    if i == 1 or i == len(name):
        return name[:i].lower() + name[i:]
    if name[i].isdigit():
        return name[:i].lower() + name[i:]
    return name[: i - 1].lower() + name[i - 1:]


def camel_words(name):
    """Splits a PascalCase type name into words: `VerificationOtp` -> [Verification, Otp]."""
    return re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+", name)


def enum_member_name(value):
    """Swift name of an open-enum constant."""
    if value == "":
        return "empty"
    if value == "*":
        return "wildcard"
    prefix = ""
    if value.startswith("-"):
        prefix = "excluding"
        value = value[1:]
    name = camel(value)
    if prefix:
        name = prefix + name[0].upper() + name[1:]
    return name


def swift_string(value):
    return json.dumps(value, ensure_ascii=False)


HEADER = "// Generated by Scripts/generate-models.py from {spec}. Do not edit.\n"
