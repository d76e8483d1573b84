"""Health sweeps: every tunnel, read-only, each device once; history and monitoring outputs."""
