"""Sessions, API tokens and login lockout (issue 8 §7) — infrastructure, imports nothing else of kam.

* ``UserSession``: the session keys of each user, written at login, so that deactivating a user
  (or revoking their access) ends every session at once, whatever the session store.
* ``SessionIdleTimeoutMiddleware``: signs a session out after ``KAM_SESSION_IDLE_SECONDS`` without
  a request (``SESSION_COOKIE_AGE`` stays the absolute limit).
* ``ExpiringTokenAuthentication``: DRF tokens stop working ``KAM_API_TOKEN_SECONDS`` after they were
  issued; logging out revokes the user's token, and so can the user (their page, the API).
* ``KamAxesHandler``: django-axes counts failures per username and IP address and also per IP
  address across usernames (password spraying, ``KAM_LOGIN_IP_FAILURE_LIMIT``).
* ``HtmxLoginRedirectMiddleware``: an HTMX request whose session has ended reloads the whole page
  on the login form (``HX-Redirect``) instead of swapping the form into a fragment.
* ``PrivateCacheMiddleware``: ``Cache-Control: private, no-store`` on signed-in pages and the API.
"""
