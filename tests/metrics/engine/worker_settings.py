"""Settings of the worker process the integration test starts: the production settings, with
the test's own queue as the default queue so tasks the worker enqueues itself (the import
enqueues the recompute) come back to it and to no other worker."""

import os

from psp.settings.base import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["PSP_TEST_QUEUE"]
