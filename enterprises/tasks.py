"""Background work: importing a large register file (see enterprises.services.register_import_queue)."""

from django_tasks import task


@task()
def import_task(run_id: int) -> str:
    """Import one queued run's file; its page polls the run's progress and shows the report."""
    from enterprises.services import register_import_run

    return register_import_run(run_id=run_id).status
