"""The property suite's budgets come from CONSENTGATE_VERIFY_PROFILE (dev, ci, long)."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL

# Broken variants and example policies live beside the tests; nothing broken ships in app/.
pytest.register_assert_rewrite("tests.property.broken")

ON_POSTGRES = bool(PG_URL)
