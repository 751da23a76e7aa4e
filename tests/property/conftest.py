"""The property suite: budgets come from CONSENTGATE_VERIFY_PROFILE (dev, ci, long; see
app/verification/profiles.py). Broken variants live in broken.py, beside the tests."""
