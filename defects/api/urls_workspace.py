"""The department workspace API, included under /api/v1/workspace/ (in the ``api`` namespace)."""

from django.urls import path

from defects.api import workspace

urlpatterns = [
    path("queue/", workspace.QueueView.as_view(), name="workspace-queue"),
    path("reports/<int:id>/", workspace.ReportInternalView.as_view(), name="workspace-report"),
    path("reports/<int:id>/accept/", workspace.AcceptView.as_view(), name="workspace-accept"),
    path("reports/<int:id>/hand-back/", workspace.HandBackView.as_view(), name="workspace-hand-back"),
    path("reports/<int:id>/forward/", workspace.ForwardView.as_view(), name="workspace-forward"),
    path("reports/<int:id>/assign/", workspace.AssignView.as_view(), name="workspace-assign"),
    path("reports/<int:id>/priority/", workspace.PriorityView.as_view(), name="workspace-priority"),
    path("reports/<int:id>/status/", workspace.StatusView.as_view(), name="workspace-status"),
    path("reports/<int:id>/note/", workspace.NoteView.as_view(), name="workspace-note"),
    path("reports/<int:id>/after-photo/", workspace.AfterPhotoView.as_view(), name="workspace-after-photo"),
    path("bulk/assign/", workspace.BulkAssignView.as_view(), name="workspace-bulk-assign"),
    path("bulk/status/", workspace.BulkStatusView.as_view(), name="workspace-bulk-status"),
]
