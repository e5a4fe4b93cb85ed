"""Settings for the test suite: the real settings plus a fixed secret key, so `pytest` needs no
environment. Production and `make run` must provide their own key (see config/settings.py)."""

import os

if not (os.environ.get("KAM_SECRET_KEY") or os.environ.get("KAM_SECRET_KEY_FILE")):
    os.environ["KAM_SECRET_KEY"] = "kam-tests-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

# uploaded files (attachments) of a test run go to a temporary directory, removed at exit
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from .settings import *  # noqa: E402, F403

# jobs run synchronously as soon as they are enqueued (i.e. on commit — see kam/core/jobs/services.py)
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {**CACHES, "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kam-jobs"}}  # noqa: F405
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kam-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, True)
