"""The machine-checked consent guarantee: a reference model, drivers, invariant checks, and
the stateful property machine that explores a policy (issue 4; docs/guarantee.md)."""
