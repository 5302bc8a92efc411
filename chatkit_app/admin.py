"""The Django admin: the operator's console (`console`), client tokens, replies in progress."""

from chatkit_app.console import dashboard, records, replies, threads  # noqa: F401
from chatkit_app.identity import admin as token_admin  # noqa: F401
from chatkit_app.runs import admin as runs_admin  # noqa: F401
