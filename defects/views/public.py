"""Work in progress: the views named in defects/urls.py are being written."""

from django.http import Http404


def _not_built_yet(*args, **kwargs):
    raise Http404


index = _not_built_yet
report_list = _not_built_yet
report_map = _not_built_yet
report_detail = _not_built_yet
report_support = _not_built_yet
report_manage = _not_built_yet
subscription_confirm = _not_built_yet
subscription_cancel = _not_built_yet
