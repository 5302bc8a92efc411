"""The operator's console, in the Django admin: threads to find and read, what each reply cost, and usage.

`threads` (the list and a thread's page), `transcript` (a thread as its user saw
it), `records` (the read-only base, items, feedback, attachments). Client tokens
and replies in progress have admins of their own (`identity.admin`, `runs.admin`).
"""
