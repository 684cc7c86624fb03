"""Tests of `planrisk.ingest`: Terraform/OpenTofu plans and Pulumi previews read and refused."""
