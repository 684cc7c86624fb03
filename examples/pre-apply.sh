#!/usr/bin/env bash
# planrisk as a plain pre-apply step (any CI, or a laptop): plan, gate, apply only on allow.
#
#   examples/pre-apply.sh [PLAN_FILE]        (run in the Terraform root module)
#
# Environment: PLANRISK_ENV (auto, prod, staging, dev, sandbox; default auto),
# PLANRISK_EVIDENCE (a directory of attestations/approvals; optional), TERRAFORM (the binary;
# default terraform, e.g. tofu). Exit code: 0 applied, 1 not allowed (pending or deny),
# 3/4 planrisk could not decide, anything else from Terraform.
set -euo pipefail

plan_file="${1:-planrisk.tfplan}"
terraform="${TERRAFORM:-terraform}"

"$terraform" plan -input=false -out="$plan_file"
"$terraform" show -json "$plan_file" > "$plan_file.json"

args=(gate "$plan_file.json" --env "${PLANRISK_ENV:-auto}")
if [ -n "${PLANRISK_EVIDENCE:-}" ]; then
  args+=(--evidence "$PLANRISK_EVIDENCE")
fi

set +e
planrisk "${args[@]}"
code=$?
set -e

case "$code" in
  0) exec "$terraform" apply -input=false "$plan_file" ;;
  1) echo "pre-apply: planrisk did not allow this plan; not applying" >&2 ;;
  *) echo "pre-apply: planrisk failed (exit $code); not applying" >&2 ;;
esac
exit "$code"
