"""`planrisk serve` (a layer like `guard` and `github`): the gate where the platform enforces it.

Input: HCP Terraform / Terraform Enterprise run-task requests, GitHub App webhooks (custom
deployment protection rules, approval comments) and plans submitted by CI with an OIDC token.
Output: the platform's answer — a run task's `passed`/`failed` callback, a protection rule's
`approved`/`rejected` review — from the unchanged decision core (`planrisk.pipeline.analyze`,
`planrisk.gate.decide.run_gate`), every decision appended to the store.

State lives in the store (`planrisk.gate.audit.job_queue`): webhooks are verified, queued and
answered at once; workers in any replica claim the jobs, call the platforms back and retry.
Starlette and uvicorn are imported only by `app` and `cli.serve_cmd` at start, so that
`planrisk --help` stays fast.
"""
