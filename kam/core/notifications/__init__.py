"""Notifications (issue 8 §5): in-app notifications with a bell in the navigation, e-mail, and
WeCom (企业微信) / DingTalk (钉钉) group-robot webhooks — per user and per kind preferences.

A request only writes :class:`~.models.Notification` rows (in bulk, :func:`.services.notify_many`)
and enqueues their delivery when the transaction commits; e-mail and robot messages are sent by a
django-tasks task (:mod:`.tasks`), throttled per robot (:mod:`.robots`). Apps register their kinds
(registry key ``notification_kinds``) and turn change-log writes into notifications (registry key
``change_notifiers``, :mod:`.producers`); finished jobs notify their starter.
"""
