"""HTTP only: parse, authorise, call one workflow step, shape the answer for its audience."""
