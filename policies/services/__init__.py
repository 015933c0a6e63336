"""Every write of the policies app, by sub-domain: ``catalogue`` (drafting, publishing,
amendments), ``expiry``, ``consultation``, ``matching`` (the recompute of the stored matches) and
``delivery`` (notifications, applications, grant batches, grants). Services read selectors, never
the reverse."""
