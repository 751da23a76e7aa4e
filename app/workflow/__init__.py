"""The functional core: the workflow's rules, with no FastAPI and no SQL imports."""
