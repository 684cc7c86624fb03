"""GitHub integration (gate and report stages): the REST client, plan-bound approvals from
pull-request comments and reviews, and the sticky pull-request comment.

Input: the Actions environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL, a token).
Output: approvals for `GateOptions.extra_approvals` and the upserted comment.
"""
