class ReleaseError(Exception):
    """The release refuses to write an assignment (a leak, a failed self-test, bad material)."""
