#!/usr/bin/env bash
# Brings the offline planner's translations up to date after its English texts change:
# new and changed texts appear in agents_app/locale/*/LC_MESSAGES/django.po to be translated,
# and the compiled catalogues (.mo, which Django reads) are rebuilt from them.
# agents_app/tests/test_translations.py fails while a text is untranslated or a .mo is stale.
set -euo pipefail
cd "$(dirname "$0")/../agents_app"
python=../.venv/bin/python
"$python" ../manage.py makemessages --all --no-location --no-obsolete --no-wrap
"$python" ../manage.py compilemessages
