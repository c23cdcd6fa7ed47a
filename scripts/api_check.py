#!/usr/bin/env python3
"""Connects to a running gatehouse the way a partner does, with an OAuth client library
written elsewhere (authlib), so that the protocol is checked against someone else's reading
of the RFCs rather than only against our own tests.

A browser's part is played with `requests`: sign in, see the consent page, approve. The
partner's part is authlib's: the authorization URL with PKCE S256, the code exchange with
its `state` check, the refresh. Then the tokens are tried on the API.

Prints one line per check and stops with a non-zero status at the first that fails. The
refreshed access token is written to --token-file for whatever runs next (the fuzzer).

    scripts/api_check.py --base-url http://127.0.0.1:8000 --client-id ID --client-secret S \\
        --email demo@example.com --password gatehouse-demo \\
        --redirect-uri http://localhost:3000/callback --scope "org:read project:read" \\
        --token-file target/token
"""

import argparse
import os
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

TIMEOUT = 10


class CheckFailed(Exception):
    """A check that did not hold; its message says what was expected and what came."""


class HiddenInputs(HTMLParser):
    """Collects the `name` and `value` of every `<input type="hidden">` of a page."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and "name" in attributes:
            self.fields[attributes["name"]] = attributes.get("value") or ""


def hidden_inputs(html):
    parser = HiddenInputs()
    parser.feed(html)
    parser.close()
    return parser.fields


def check(condition, what, detail=""):
    """Prints `what` as passed, or stops the run with it and `detail`."""
    if not condition:
        raise CheckFailed(f"{what}: {detail}" if detail else what)
    print(f"ok    {what}")


def expect_status(response, status, what):
    body = response.text[:300].replace("\n", " ")
    check(
        response.status_code == status,
        what,
        f"{response.request.method} {response.url} answered {response.status_code}, "
        f"not {status}: {body}",
    )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="gatehouse's issuer URL")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--email", required=True, help="the user who signs in")
    parser.add_argument("--password", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--scope", required=True, help="space-separated scopes to ask for")
    parser.add_argument("--token-file", help="where to write the final access token")
    arguments = parser.parse_args()
    arguments.base_url = arguments.base_url.rstrip("/")
    return arguments


def sign_in(browser, arguments, authorize_url):
    """Signs in through the form, as a user sent to connect an application would."""
    parts = urlsplit(authorize_url)
    next_path = f"{parts.path}?{parts.query}"

    login_url = f"{arguments.base_url}/auth/login/"
    page = browser.get(login_url, params={"next": next_path}, timeout=TIMEOUT)
    expect_status(page, 200, "the sign-in page answers")
    fields = hidden_inputs(page.text)
    check(
        fields.get("csrfmiddlewaretoken") and "csrftoken" in browser.cookies,
        "the sign-in page sets a csrftoken cookie and echoes it in the form",
        f"hidden inputs {sorted(fields)}, cookies {sorted(browser.cookies.keys())}",
    )
    check(fields.get("next") == next_path, "the sign-in form keeps next", repr(fields))

    form = {**fields, "username": arguments.email, "password": arguments.password}
    answer = browser.post(login_url, data=form, allow_redirects=False, timeout=TIMEOUT)
    expect_status(answer, 303, "signing in redirects")
    check(
        answer.headers.get("Location") == next_path,
        "signing in returns to the authorization request",
        f"Location: {answer.headers.get('Location')}",
    )


def approve(browser, arguments, authorize_url):
    """Approves on the consent page and returns where the browser is sent: the partner's
    redirect URI with the code. The redirect is not followed: nothing serves it."""
    page = browser.get(authorize_url, allow_redirects=False, timeout=TIMEOUT)
    expect_status(page, 200, "the consent page answers")
    fields = hidden_inputs(page.text)
    for name in ("csrfmiddlewaretoken", "selected_organization_id"):
        check(fields.get(name), f"the consent form has {name}", f"hidden inputs {fields}")

    answer = browser.post(
        f"{arguments.base_url}/oauth/authorize/",
        data={**fields, "op": "approve"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    expect_status(answer, 302, "approving redirects to the partner")
    location = answer.headers.get("Location", "")
    check(
        location.startswith(arguments.redirect_uri + "?"),
        "the redirect goes to the registered redirect URI",
        f"Location: {location}",
    )
    return location


def check_redirect(location, state, base_url):
    """What authlib does not look at: the code's form and RFC 9207's `iss`."""
    query = parse_qs(urlsplit(location).query)
    check(query.get("code", [""])[0].startswith("gac_"), "the code starts with gac_", location)
    check(query.get("state") == [state], "the state comes back unchanged", location)
    check(query.get("iss") == [base_url], "iss names the issuer", location)


def check_token(token, what):
    check(str(token.get("access_token", "")).startswith("gat_"), f"{what}: access_token gat_")
    check(str(token.get("refresh_token", "")).startswith("grt_"), f"{what}: refresh_token grt_")
    check(
        str(token.get("token_type", "")).lower() == "bearer",
        f"{what}: token_type bearer",
        repr(token.get("token_type")),
    )
    check(token.get("organization_id"), f"{what}: organization_id", repr(token))
    check((token.get("user") or {}).get("email"), f"{what}: user.email", repr(token))


def call_api(base_url, access_token):
    return requests.get(
        f"{base_url}/api/0/",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )


def json_body(response):
    try:
        return response.json()
    except ValueError:
        return None


def connect(arguments):
    """The whole flow; returns the access token that works at the end."""
    token_url = f"{arguments.base_url}/oauth/token/"
    partner = OAuth2Session(
        client_id=arguments.client_id,
        client_secret=arguments.client_secret,
        scope=arguments.scope,
        redirect_uri=arguments.redirect_uri,
        code_challenge_method="S256",
    )
    code_verifier = generate_token(64)
    authorize_url, state = partner.create_authorization_url(
        f"{arguments.base_url}/oauth/authorize/", code_verifier=code_verifier
    )
    sent = parse_qs(urlsplit(authorize_url).query)
    check(
        sent.get("code_challenge_method") == ["S256"] and sent.get("code_challenge"),
        "authlib asks with a PKCE S256 challenge",
        authorize_url,
    )

    browser = requests.Session()
    sign_in(browser, arguments, authorize_url)
    location = approve(browser, arguments, authorize_url)
    check_redirect(location, state, arguments.base_url)

    # authlib refuses a redirect whose state is not the one it sent.
    token = partner.fetch_token(
        token_url, authorization_response=location, state=state, code_verifier=code_verifier
    )
    check_token(token, "the code exchange")
    expect_status(call_api(arguments.base_url, token["access_token"]), 200, "GET /api/0/")

    # authlib keeps the old refresh token when an answer lacks one: compare to tell.
    old_access, old_refresh = token["access_token"], token["refresh_token"]
    refreshed = partner.refresh_token(token_url)
    check_token(refreshed, "the refresh")
    check(
        refreshed["access_token"] != old_access and refreshed["refresh_token"] != old_refresh,
        "the refresh replaces both tokens",
    )
    expect_status(
        call_api(arguments.base_url, refreshed["access_token"]),
        200,
        "GET /api/0/ with the new access token",
    )

    old = call_api(arguments.base_url, old_access)
    expect_status(old, 401, "the old access token stops working at the refresh")
    check(
        json_body(old) == {"detail": "Invalid token"},
        'the old access token is told {"detail": "Invalid token"}',
        old.text,
    )
    return refreshed["access_token"]


def write_token(path, access_token):
    """Readable by its owner only: it opens the demo organization."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(access_token)


def main():
    arguments = parse_arguments()
    try:
        access_token = connect(arguments)
    except CheckFailed as failure:
        print(f"FAIL  {failure}", file=sys.stderr)
        return 1
    except AuthlibBaseError as error:
        print(f"FAIL  authlib refused: {error.error}: {error.description}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"FAIL  the token endpoint's answer is not a JSON object: {error}", file=sys.stderr)
        return 1
    except requests.HTTPError as error:
        print(f"FAIL  the token endpoint failed: {error}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"FAIL  could not reach gatehouse: {error}", file=sys.stderr)
        return 1

    if arguments.token_file:
        write_token(arguments.token_file, access_token)
    print("the connect flow works with authlib")
    return 0


if __name__ == "__main__":
    sys.exit(main())
