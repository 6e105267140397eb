"""Work in progress: the views named in defects/urls.py are being written."""

from django.http import Http404


def _not_built_yet(*args, **kwargs):
    raise Http404


report_new = _not_built_yet
report_submitted = _not_built_yet
report_confirm = _not_built_yet
