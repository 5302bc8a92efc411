"""The client token admin: listed, filtered by user and state, searched, revoked; no secret anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from chatkit_app.identity import tokens
from chatkit_app.models import ClientToken

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:chatkit_app_clienttoken_changelist")


@pytest.fixture
def issued() -> dict[str, tokens.IssuedToken]:
    """Alice: a live token and its rotated predecessor; Bob: a live and an expired one; Carol: revoked."""
    first = tokens.issue("alice")
    alice = tokens.refresh(first.client_secret)
    bob = tokens.issue("bob")
    expired = tokens.issue("bob", now=timezone.now() - timedelta(days=1))
    carol = tokens.issue("carol")
    tokens.revoke_chains([carol.token.chain], ClientToken.RevokedReason.ADMIN)
    return {"alice_rotated": first, "alice": alice, "bob": bob, "bob_expired": expired, "carol": carol}


def listed_ids(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


def test_the_list_shows_no_secret_and_no_hash(admin_client, issued):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    for token in issued.values():
        assert token.client_secret not in page and token.token.secret_hash not in page
    assert listed_ids(response) == {token.token.pk for token in issued.values()}


def test_a_token_page_shows_its_chain_but_no_secret(admin_client, issued):
    response = admin_client.get(
        reverse("admin:chatkit_app_clienttoken_change", args=[issued["alice_rotated"].token.pk])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert issued["alice_rotated"].client_secret not in page and issued["alice_rotated"].token.secret_hash not in page
    assert reverse("admin:chatkit_app_clienttoken_change", args=[issued["alice"].token.pk]) in page  # replaced by
    assert 'name="_save"' not in page, "nothing on a token is editable"


@pytest.mark.parametrize(
    ("state", "expected"),
    [("active", {"alice", "bob"}), ("expired", {"bob_expired"}), ("revoked", {"alice_rotated", "carol"})],
)
def test_tokens_filter_by_state(admin_client, issued, state, expected):
    response = admin_client.get(CHANGELIST, {"state": state})

    assert listed_ids(response) == {issued[name].token.pk for name in expected}


def test_tokens_filter_and_search_by_user(admin_client, issued):
    by_filter = admin_client.get(CHANGELIST, {"user_id": "bob"})
    by_search = admin_client.get(CHANGELIST, {"q": "bob"})

    bobs = {issued["bob"].token.pk, issued["bob_expired"].token.pk}
    assert listed_ids(by_filter) == bobs and listed_ids(by_search) == bobs


def test_the_revoke_action_revokes_the_selected_tokens_chains(admin_client, issued):
    response = admin_client.post(
        CHANGELIST,
        {"action": "revoke", "_selected_action": [issued["alice_rotated"].token.pk, issued["bob"].token.pk]},
        follow=True,
    )

    assert response.status_code == 200
    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(issued["alice"].client_secret)  # the live successor of the selected rotated token
    with pytest.raises(tokens.TokenRevoked):
        tokens.resolve(issued["bob"].client_secret)
    assert ClientToken.objects.get(pk=issued["bob"].token.pk).revoked_reason == "admin"
    assert ClientToken.objects.get(pk=issued["bob_expired"].token.pk).revoked_at is None


def test_tokens_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:chatkit_app_clienttoken_add")).status_code == 403


def test_staff_who_may_only_view_cannot_revoke(client, django_user_model, issued):
    staff = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_clienttoken"))
    client.force_login(staff)

    response = client.post(CHANGELIST, {"action": "revoke", "_selected_action": [issued["bob"].token.pk]})

    assert response.status_code in (200, 302)
    assert tokens.resolve(issued["bob"].client_secret) == "bob"
