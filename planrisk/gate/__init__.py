"""Gate stage: the policy, the evidence it counts, the decision, and the audit trail."""
