"""The ChatKit `Store` on the Django ORM (`DjangoStore`): its queries, its pagination and its upserts."""

from chatkit_app.store.django_store import DjangoStore, StoreContext, get_store

__all__ = ["DjangoStore", "StoreContext", "get_store"]
