"""``job_finished(sender=Job, job=job)``: sent once after a job ends — succeeded, failed (the
reaper's failures included) or cancelled. The notifications app listens to it."""

from django.dispatch import Signal

job_finished = Signal()
