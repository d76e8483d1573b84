"""Confirmed, audited, tunnel-scoped changes: clear SAs, reapply a crypto map."""
