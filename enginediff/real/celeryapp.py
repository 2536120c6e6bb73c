"""The Celery app of the worker mode: bamboo-pipeline's tasks on the broker the runner started.

`celery -A enginediff.real.celeryapp worker -Q er_execute,er_schedule`; the environment names the
broker (ENGINE_DIFF_BROKER), the shared SQLite file (ENGINE_DIFF_DB) and the file the state
writes are appended to (ENGINE_DIFF_WRITES).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enginediff.real.settings")

import django

django.setup()

from celery import Celery  # noqa: E402
from pipeline.eri.celery.queues import CELERY_QUEUES  # noqa: E402

from .writes import connect_file_recorder  # noqa: E402

app = Celery("enginediff")
app.conf.update(
    broker_url=os.environ["ENGINE_DIFF_BROKER"],
    task_queues=CELERY_QUEUES,
    accept_content=["json"],
    task_serializer="json",
    result_serializer="json",
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    worker_prefetch_multiplier=1,  # a taken message starts at once: the runner waits for that
    broker_connection_retry_on_startup=True,
)
app.set_current()
app.set_default()
app.autodiscover_tasks(["pipeline.eri.celery"], related_name="tasks", force=True)
import pipeline.eri.celery.tasks  # noqa: E402, F401  - registers execute / schedule

connect_file_recorder()
